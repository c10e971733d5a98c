using System.Text;
using RecSys.Models.Data;

namespace RecSys.Models.Tests.Data;

public sealed class MoreLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-loaders-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text, Encoding? encoding = null)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text, encoding ?? new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public void MovieLens_1M_reads_double_colon_files_with_latin1_titles_and_coded_users()
    {
        Write("movies.dat", "1::Misérables, Les (1995)::Drama|Musical\n2::Toy Story (1995)::Animation|Children's|Comedy\n", Encoding.Latin1);
        Write("users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n", Encoding.Latin1);
        Write("ratings.dat", "1::1::5::978300760\n2::2::3::978302109\n1::2::4::978301968\n", Encoding.Latin1);

        var data = MovieLens1MLoader.Load(_folder);

        Assert.Equal((2, 2, 3), (data.UserCount, data.ItemCount, data.Interactions.Length));
        Assert.Equal("Misérables, Les (1995)", data.ItemInfos[0].Title);
        Assert.Equal(["Drama", "Musical"], data.ItemInfos[0].Categories);
        Assert.Equal(1995, data.ItemInfos[0].Year);
        Assert.Equal(new UserInfo("2", 56, "M", "self-employed"), data.UserInfos[1]);
    }

    [Fact]
    public void MovieLens_1M_reports_or_skips_malformed_lines()
    {
        Write("ratings.dat", "1::1::5::978300760\n1::2::x::978302109\n2::1::3\n2::2::4::978301968\n");

        var error = Assert.Throws<DataFormatException>(() => MovieLens1MLoader.Load(_folder));
        var skipping = new BadLines(skip: true);
        var data = MovieLens1MLoader.Load(_folder, skipping);

        Assert.Equal(2, error.Line);
        Assert.Equal(2, data.Interactions.Length);
        Assert.Equal(2, skipping.Count);
        Assert.Contains("ratings.dat:3:", skipping.Examples[1]);
        Assert.StartsWith("skipped 2 malformed lines", skipping.Summary);
    }

    [Fact]
    public void MovieLens_csv_layout_reads_quoted_titles_genres_and_top_tags()
    {
        Write("movies.csv", "movieId,title,genres\n1,\"American President, The (1995)\",Comedy|Drama|Romance\n2,Crème brûlée (2001),(no genres listed)\n");
        Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n2,1,0.5,964982224\n");
        Write("tags.csv", "userId,movieId,tag,timestamp\n1,1,politics,1445714994\n2,1,Politics,1445714996\n2,1,\"romance, sort of\",1445714992\n1,99,orphan,1\n");

        var data = MovieLensCsvLoader.Load(_folder, "movielens-latest-small");

        Assert.Equal("movielens-latest-small", data.Name);
        Assert.Equal(3, data.Interactions.Length);
        Assert.Equal("American President, The (1995)", data.ItemInfos[0].Title);
        Assert.Equal(["Comedy", "Drama", "Romance"], data.ItemInfos[0].Categories);
        Assert.Equal(["politics", "romance, sort of"], data.ItemInfos[0].Tags);
        Assert.Equal("Crème brûlée (2001)", data.ItemInfos[1].Title);
        Assert.Empty(data.ItemInfos[1].Categories);
        Assert.Equal(0.5f, data.Interactions[2].Rating);
    }

    [Fact]
    public void MovieLens_csv_layout_reports_malformed_lines_by_file_and_line()
    {
        Write("movies.csv", "movieId,title,genres\n1,\"Unclosed title (1995),Comedy\n");
        Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n");
        var movies = Assert.Throws<DataFormatException>(() => MovieLensCsvLoader.Load(_folder));
        Assert.Equal(2, movies.Line);
        Assert.Contains("movies.csv:2:", movies.Message);
        Assert.Contains("not closed", movies.Message);

        Write("movies.csv", "movieId,title,genres\n1,Toy Story (1995),Comedy\n");
        Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,1,4.0\n2,7,3.0,964982703\n");
        var skipping = new BadLines(skip: true);
        var data = MovieLensCsvLoader.Load(_folder, badLines: skipping);

        Assert.Single(data.Interactions);
        Assert.Equal(2, skipping.Count);
        Assert.Contains("ratings.csv:3:", skipping.Examples[0]);
        Assert.Contains("item 7 is not listed in movies.csv", skipping.Examples[1]);
    }

    [Fact]
    public void Generic_csv_maps_columns_reads_iso_times_and_a_catalogue()
    {
        var events = Write("events.csv", "when;who;what;stars\n2024-01-01T10:00:00Z;alice;sku-1;5\n2024-01-01T10:05:00Z;bob;sku-2;3\n1704103800;alice;sku-3;4\n");
        var items = Write("items.csv", "id,title,categories,tags\nsku-1,\"Red, large\",Shirts|Sale,cotton\nsku-9,Unrated item,Hats,\n");

        var spec = DatasetSpec.Parse($"csv:{events}#sep=semicolon,user=who,item=what,rating=stars,timestamp=when,items={items}");
        var data = spec.Load();

        Assert.Equal(4, data.ItemCount); // sku-1, sku-9 from the catalogue; sku-2, sku-3 from events
        Assert.Equal("Red, large", data.ItemInfos[0].Title);
        Assert.Equal(["Shirts", "Sale"], data.ItemInfos[0].Categories);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), data.Interactions[0].Timestamp);
        Assert.Equal(1704103800, data.Interactions[2].Timestamp);
        Assert.Equal([5f, 3f, 4f], data.Interactions.Select(i => i.Rating));
    }

    [Fact]
    public void Generic_files_can_be_latin1()
    {
        var events = Write("latin.csv", "user,item\nzoë,café-1\n", Encoding.Latin1);
        var items = Write("latin-items.csv", "id,title\ncafé-1,Crème brûlée\n", Encoding.Latin1);

        var data = DatasetSpec.Parse($"csv:{events}#encoding=latin1,items={items}").Load();

        Assert.Equal("zoë", data.Users[0]);
        Assert.Equal("Crème brûlée", data.ItemInfos[0].Title);
        Assert.Throws<FormatException>(() => DatasetSpec.Parse($"csv:{events}#encoding=ebcdic"));
    }

    [Fact]
    public void Generic_tsv_and_jsonl_find_usual_column_names()
    {
        var tsv = Write("log.tsv", "user_id\titem_id\n1\t10\n2\t10\n");
        var jsonl = Write("log.jsonl", "{\"userId\":\"a\",\"itemId\":7,\"rating\":2.5,\"timestamp\":1700000000000}\n{\"userId\":\"b\",\"itemId\":\"8\"}\nnot json\n");

        var fromTsv = DatasetSpec.Parse($"tsv:{tsv}").Load();
        var skipped = new BadLines(skip: true);
        var fromJsonl = DatasetSpec.Parse($"jsonl:{jsonl}").Load(skipped);

        Assert.Equal((2, 1), (fromTsv.UserCount, fromTsv.ItemCount));
        Assert.Equal([2L, 3L], fromTsv.Interactions.Select(i => i.Timestamp)); // line numbers stand in for time
        Assert.Equal(["7", "8"], fromJsonl.Items.Ids);
        Assert.Equal(1_700_000_000, fromJsonl.Interactions[0].Timestamp); // milliseconds recognised
        Assert.Equal(1, skipped.Count);
        Assert.Contains("log.jsonl:3:", skipped.Examples[0]);
    }

    [Fact]
    public void Generic_files_report_missing_columns_and_bad_values_by_line()
    {
        var noUser = Write("a.csv", "customer,item\n1,2\n");
        var badRating = Write("b.csv", "user,item,rating\n1,2,3\n1,3,lots\n");

        var missing = Assert.Throws<DataFormatException>(() => DatasetSpec.Parse($"csv:{noUser}").Load());
        var named = Assert.Throws<DataFormatException>(() => DatasetSpec.Parse($"csv:{noUser}#user=client").Load());
        var rating = Assert.Throws<DataFormatException>(() => DatasetSpec.Parse($"csv:{badRating}").Load());

        Assert.Contains("no user column", missing.Message);
        Assert.Contains("user column 'client' is not in the header", named.Message);
        Assert.Equal(3, rating.Line);
        Assert.Contains("rating 'lots'", rating.Message);
    }

    [Fact]
    public void Empty_values_in_present_columns_and_impossible_times_are_bad_lines()
    {
        var csv = Write("gaps.csv", "user,item,rating,timestamp\n1,2,,100\n1,3,4,\n1,4,5,999999999999999\n1,5,5,100\n");
        var jsonl = Write("gaps.jsonl", "{\"user\":\"a\",\"item\":\"x\",\"stars\":4}\n{\"user\":\"a\",\"item\":\"y\"}\n");

        var csvLines = new BadLines(skip: true);
        var fromCsv = DatasetSpec.Parse($"csv:{csv}").Load(csvLines);
        var jsonLines = new BadLines(skip: true);
        var fromJsonl = DatasetSpec.Parse($"jsonl:{jsonl}#rating=stars").Load(jsonLines);

        Assert.Single(fromCsv.Interactions);
        Assert.Equal(3, csvLines.Count);
        Assert.Contains("gaps.csv:2: the rating is missing", csvLines.Examples[0]);
        Assert.Contains("gaps.csv:3: the timestamp is missing", csvLines.Examples[1]);
        Assert.Contains("1970..9999", csvLines.Examples[2]);
        Assert.Single(fromJsonl.Interactions); // the line without the named "stars" field is bad, not rating 1
        Assert.Contains("gaps.jsonl:2: the rating is missing", jsonLines.Examples[0]);
    }

    [Fact]
    public void Filters_keep_good_ratings_and_compute_the_k_core()
    {
        // a rates x,y,z; b rates x,y; c rates x; y and z below are low-rated by a.
        var data = TestData.Dataset(
            ("a", "x", 5f), ("a", "y", 2f), ("a", "z", 1f),
            ("b", "x", 4f), ("b", "y", 5f),
            ("c", "x", 3f));

        var good = DatasetFilters.MinRating(data, 3);
        var core = DatasetFilters.KCore(data, 2);

        Assert.Equal(4, good.Interactions.Length);
        Assert.Equal(data.ItemCount, good.ItemCount); // vocabularies kept
        // c (1 item) leaves, then z (1 user) leaves; a, b with x, y remain, each with 2.
        Assert.Equal(["a", "b"], core.Users.Ids);
        Assert.Equal(["x", "y"], core.Items.Ids);
        Assert.Equal(4, core.Interactions.Length);
    }
}
