using System.Text;
using RecSys.Models.Data;

namespace RecSys.Models.Tests.Data;

public sealed class SessionLoadingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-sessions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static string[] Order(InteractionDataset data, string user) =>
        [.. data.InteractionsByUser()[data.Users.Ids.ToList().IndexOf(user)].Select(i => data.Items[i.Item])];

    [Fact]
    public void Session_rec_files_with_fractional_times_load_in_exact_time_order()
    {
        // Session 7's views within one second are listed out of order; session 8 has an exact tie (file order wins).
        var tsv = Write("train.tsv",
            "SessionId\tItemId\tTime\n" +
            "7\ta\t1396437466.94\n" +
            "7\tb\t1396437466.12\n" +
            "8\tc\t1396437400.5\n" +
            "7\tc\t1396437467\n" +
            "8\td\t1396437400.5\n" +
            "8\te\t1396437400.25\n");

        var data = DatasetSpec.Parse($"tsv:{tsv}").Load();

        Assert.Equal(["7", "8"], data.Users.Ids);
        Assert.Equal(["a", "b", "c", "d", "e"], data.Items.Ids); // ids keep the file's order
        Assert.Equal(["b", "a", "c"], Order(data, "7"));
        Assert.Equal(["e", "c", "d"], Order(data, "8"));
        Assert.Equal([1396437466L, 1396437466L, 1396437467L], data.InteractionsByUser()[0].Select(i => i.Timestamp));
        Assert.All(data.Interactions, i => Assert.Equal(1f, i.Rating));
    }

    [Fact]
    public void Fractional_milliseconds_and_iso_times_keep_sub_second_order()
    {
        var csv = Write("mixed.csv",
            "user,item,timestamp\n" +
            "u,late,1700000000900\n" +
            "u,early,1700000000100\n" +
            "v,second,2024-01-01T00:00:00.750Z\n" +
            "v,first,2024-01-01T00:00:00.250Z\n");

        var data = DatasetSpec.Parse($"csv:{csv}").Load();

        Assert.Equal(["early", "late"], Order(data, "u"));
        Assert.Equal(["first", "second"], Order(data, "v"));
        Assert.Equal(1_700_000_000, data.Interactions[0].Timestamp);
    }

    [Fact]
    public void Jsonl_field_names_match_without_regard_to_case()
    {
        var jsonl = Write("s.jsonl",
            "{\"SessionId\":1,\"ItemId\":\"x\",\"Time\":10.75}\n" +
            "{\"SessionId\":1,\"ItemId\":\"y\",\"Time\":10.5}\n");

        var data = DatasetSpec.Parse($"jsonl:{jsonl}").Load();

        Assert.Equal(["1"], data.Users.Ids);
        Assert.Equal(["y", "x"], Order(data, "1"));
        Assert.All(data.Interactions, i => Assert.Equal(10, i.Timestamp));
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("1e300")]
    [InlineData("soon")]
    public void Impossible_fractional_times_are_bad_lines(string time)
    {
        var tsv = Write("bad.tsv", $"SessionId\tItemId\tTime\n1\ta\t{time}\n1\tb\t5.5\n");
        var skipped = new BadLines(skip: true);

        var data = DatasetSpec.Parse($"tsv:{tsv}").Load(skipped);

        Assert.Single(data.Interactions);
        Assert.Equal(5, data.Interactions[0].Timestamp);
        Assert.Contains("bad.tsv:2:", skipped.Examples[0]);
    }

    [Fact]
    public void Diginetica_sessions_are_users_ordered_by_date_plus_timeframe()
    {
        var file = Write("train-item-views.csv",
            "session_id;user_id;item_id;timeframe;eventdate\n" +
            "1;NA;81766;526309;2016-05-09\n" +
            "1;NA;31331;1031018;2016-05-09\n" +
            "1;NA;32118;243569;2016-05-09\n" +
            "2;NA;9654;75848;2016-05-10\n" +
            "2;17;33043;1400;2016-05-10\n" +
            "2;NA;9654;1400;2016-05-10\n");

        var spec = DatasetSpec.Parse($"diginetica:{file}");
        var data = spec.Load();

        Assert.Equal(DatasetSpec.DigineticaKind, spec.Kind);
        Assert.Equal("diginetica", data.Name);
        Assert.Equal(["1", "2"], data.Users.Ids);
        Assert.Equal(["32118", "81766", "31331"], Order(data, "1"));
        Assert.Equal(["33043", "9654", "9654"], Order(data, "2")); // 1400 ms twice: file order
        var midnight = new DateTimeOffset(2016, 5, 9, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal([midnight + 243, midnight + 526, midnight + 1031], data.InteractionsByUser()[0].Select(i => i.Timestamp));
    }

    [Fact]
    public void Diginetica_reports_a_wrong_header_and_bad_lines()
    {
        var wrong = Write("wrong.csv", "session;item;time\n1;2;3\n");
        var bad = Write("bad.csv",
            "session_id;user_id;item_id;timeframe;eventdate\n" +
            "1;NA;5;-3;2016-05-09\n" +
            "1;NA;5;10;09.05.2016\n" +
            "1;NA;;10;2016-05-09\n" +
            "1;NA;6;10\n" +
            "1;NA;7;10;2016-05-09\n");
        var skipped = new BadLines(skip: true);

        var header = Assert.Throws<DataFormatException>(() => DatasetSpec.Parse($"diginetica:{wrong}").Load());
        var data = DatasetSpec.Parse($"diginetica:{bad}").Load(skipped);

        Assert.Contains("session_id", header.Message);
        Assert.Single(data.Interactions);
        Assert.Equal(4, skipped.Count);
        Assert.Contains("bad.csv:2: timeframe '-3'", skipped.Examples[0]);
        Assert.Contains("eventdate '09.05.2016'", skipped.Examples[1]);
        Assert.Throws<FormatException>(() => DatasetSpec.Parse("diginetica:"));
    }

    [Fact]
    public void Sessions_split_each_user_where_the_gap_exceeds_the_limit()
    {
        // u: 0, 100 | 3800 (3700 s later) | 7400 (exactly 3600 s later: same session); w: one event.
        var data = TestData.Dataset(
            ("u", "a", 1f, 3800L), ("u", "b", 1f, 0L), ("w", "a", 1f, 50L), ("u", "c", 1f, 100L), ("u", "d", 1f, 7400L));

        var sessions = DatasetFilters.Sessions(data, TimeSpan.FromHours(1));

        Assert.Equal(["u#1", "u#2", "w#1"], sessions.Users.Ids);
        Assert.Equal(["b", "c"], Order(sessions, "u#1"));
        Assert.Equal(["a", "d"], Order(sessions, "u#2"));
        Assert.Equal(["a"], Order(sessions, "w#1"));
        Assert.Equal(data.Interactions.Select(i => (i.Item, i.Timestamp)), sessions.Interactions.Select(i => (i.Item, i.Timestamp)));
        Assert.Equal("u#2", sessions.UserInfos[1].Id);
        Assert.Equal(data.ItemCount, sessions.ItemCount);
        Assert.Equal("test|sessions(gap 1h)", sessions.Name);
        Assert.Equal("30m", DatasetFilters.FormatGap(TimeSpan.FromMinutes(30)));
    }
}
