using System.Text;
using RecSys.Models.Data;

namespace RecSys.Models.Tests.Data;

public sealed class MovieLens100KLoaderTests : IDisposable
{
    private static readonly string Flags19 = string.Join('|', Enumerable.Repeat("0", 19));
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-ml100k-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Loads_ratings_items_with_latin1_titles_genres_and_users()
    {
        WriteFixture();

        var data = MovieLens100KLoader.Load(_folder);

        Assert.Equal("movielens-100k", data.Name);
        Assert.Equal(3, data.UserCount);
        Assert.Equal(3, data.ItemCount);
        Assert.Equal(4, data.Interactions.Length);
        var item = data.ItemInfos[0];
        Assert.Equal("1", item.Id);
        Assert.Equal("Misérables, Les (1995)", item.Title); // é is one ISO-8859-1 byte (0xE9) in the file
        Assert.Equal(["Drama", "Romance"], item.Categories);
        Assert.Equal(1995, item.Year);
        Assert.Equal(1993, data.ItemInfos[2].Year); // from the release date when the title has no year
        Assert.Equal(new UserInfo("2", 53, "F", "other"), data.UserInfos[1]);
        var first = data.Interactions[0];
        Assert.Equal(("2", "1", 4f, 881250949L), (data.Users[first.User], data.Items[first.Item], first.Rating, first.Timestamp));
    }

    [Fact]
    public void A_malformed_line_stops_the_load_with_file_and_line_number()
    {
        WriteFixture(ratings: "2\t1\t4\t881250949\n1\t2\t3\t891717742\n3\t1\tfive\t878887116\n");

        var error = Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder));

        Assert.Equal(3, error.Line);
        Assert.EndsWith("u.data", error.File);
        Assert.Contains("u.data:3:", error.Message);
        Assert.Contains("rating 'five'", error.Message);
    }

    [Fact]
    public void Wrong_field_counts_and_unknown_ids_are_reported_with_line_numbers()
    {
        WriteFixture(ratings: "2\t1\t4\t881250949\n1\t2\t3\n");
        Assert.Equal(2, Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder)).Line);

        WriteFixture(ratings: "2\t1\t4\t881250949\n1\t99\t3\t891717742\n");
        var unknown = Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder));
        Assert.Equal(2, unknown.Line);
        Assert.Contains("item 99 is not listed in u.item", unknown.Message);

        WriteFixture(items: $"1|Toy Story (1995)|01-Jan-1995||http://x|{Flags19}\n2|Bad|01-Jan-1995||http://x|0|1\n");
        var item = Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder));
        Assert.EndsWith("u.item", item.File);
        Assert.Equal(2, item.Line);
    }

    [Fact]
    public void Ids_listed_twice_are_reported_with_their_line()
    {
        WriteFixture();
        File.AppendAllText(Path.Combine(_folder, "u.user"), "2|40|F|artist|12345\n");
        var user = Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder));
        Assert.Equal(4, user.Line);
        Assert.Contains("user 2 is listed twice", user.Message);

        WriteFixture();
        File.AppendAllText(Path.Combine(_folder, "u.item"), $"1|Again (1999)|01-Jan-1999||http://x|{Flags19}\n", Encoding.Latin1);
        var item = Assert.Throws<DataFormatException>(() => MovieLens100KLoader.Load(_folder));
        Assert.Equal(4, item.Line);
        Assert.EndsWith("u.item", item.File);
    }

    [Fact]
    public void Ratings_alone_are_enough()
    {
        File.WriteAllText(Path.Combine(_folder, "u.data"), "7\t70\t5\t100\n8\t70\t3\t200\n");

        var data = MovieLens100KLoader.Load(_folder);

        Assert.Equal(["7", "8"], data.Users.Ids);
        Assert.Equal("", data.ItemInfos.Single().Title);
    }

    [Fact]
    public void A_missing_folder_or_ratings_file_is_a_clear_error()
    {
        Assert.Throws<DirectoryNotFoundException>(() => MovieLens100KLoader.Load(Path.Combine(_folder, "nope")));
        Assert.Throws<FileNotFoundException>(() => MovieLens100KLoader.Load(_folder));
    }

    private void WriteFixture(string? ratings = null, string? items = null)
    {
        var latin1 = Encoding.Latin1;
        var drama = 8;
        var romance = 14;
        string Flags(params int[] on) => string.Join('|', Enumerable.Range(0, 19).Select(g => on.Contains(g) ? "1" : "0"));
        File.WriteAllText(Path.Combine(_folder, "u.item"), items ??
            $"1|Misérables, Les (1995)|01-Jan-1995||http://imdb|{Flags(drama, romance)}\n" +
            $"2|Toy Story (1995)|01-Jan-1995||http://imdb|{Flags(3, 4, 5)}\n" +
            $"3|Untitled|05-Mar-1993||http://imdb|{Flags(0)}\n", latin1);
        File.WriteAllText(Path.Combine(_folder, "u.user"), "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n", latin1);
        File.WriteAllText(Path.Combine(_folder, "u.data"), ratings ??
            "2\t1\t4\t881250949\n1\t2\t3\t891717742\n3\t1\t1\t878887116\n1\t3\t2\t880606923\n", latin1);
    }
}
