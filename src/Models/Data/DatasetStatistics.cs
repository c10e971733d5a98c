using System.Globalization;
using System.Text;

namespace RecSys.Models.Data;

/// <summary>Summary numbers of a dataset, as <c>recsys data stats</c> prints them.</summary>
public sealed record DatasetStatistics(
    string Name,
    int Users,
    int Items,
    int Interactions,
    double Density,
    IReadOnlyList<(float Rating, int Count)> RatingHistogram,
    DateTimeOffset? First,
    DateTimeOffset? Last,
    double MeanPerUser,
    int MedianPerUser,
    int MaxPerUser,
    double MeanPerItem,
    int MaxPerItem)
{
    public static DatasetStatistics Compute(InteractionDataset dataset)
    {
        var interactions = dataset.Interactions;
        var perUser = new int[dataset.UserCount];
        var perItem = new int[dataset.ItemCount];
        var histogram = new SortedDictionary<float, int>();
        long first = long.MaxValue, last = long.MinValue;
        foreach (var i in interactions)
        {
            perUser[i.User]++;
            perItem[i.Item]++;
            histogram[i.Rating] = histogram.GetValueOrDefault(i.Rating) + 1;
            first = Math.Min(first, i.Timestamp);
            last = Math.Max(last, i.Timestamp);
        }
        var sortedUsers = perUser.Order().ToArray();
        var cells = (double)dataset.UserCount * dataset.ItemCount;
        return new DatasetStatistics(
            dataset.Name,
            dataset.UserCount,
            dataset.ItemCount,
            interactions.Length,
            cells == 0 ? 0 : interactions.Length / cells,
            [.. histogram.Select(kv => (kv.Key, kv.Value))],
            interactions.Length == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(first, -62_135_596_800, 253_402_300_799)),
            interactions.Length == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(last, -62_135_596_800, 253_402_300_799)),
            dataset.UserCount == 0 ? 0 : interactions.Length / (double)dataset.UserCount,
            sortedUsers.Length == 0 ? 0 : sortedUsers[sortedUsers.Length / 2],
            sortedUsers.Length == 0 ? 0 : sortedUsers[^1],
            dataset.ItemCount == 0 ? 0 : interactions.Length / (double)dataset.ItemCount,
            perItem.Length == 0 ? 0 : perItem.Max());
    }

    /// <summary>A plain-text report with aligned columns and a bar per rating value.</summary>
    public string ToReport()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        void Line(string label, string value) => text.Append(c, $"{label,-22}{value}\n");
        Line("dataset", Name);
        Line("users", Users.ToString("N0", c));
        Line("items", Items.ToString("N0", c));
        Line("interactions", Interactions.ToString("N0", c));
        Line("density", Density.ToString("P3", c));
        Line("per user", string.Create(c, $"mean {MeanPerUser:0.0}, median {MedianPerUser}, max {MaxPerUser}"));
        Line("per item", string.Create(c, $"mean {MeanPerItem:0.0}, max {MaxPerItem}"));
        if (First is { } from && Last is { } to)
        {
            Line("time span", string.Create(c, $"{from:yyyy-MM-dd} .. {to:yyyy-MM-dd}"));
        }
        text.Append("rating histogram\n");
        var widest = RatingHistogram.Count == 0 ? 1 : RatingHistogram.Max(h => h.Count);
        foreach (var (rating, count) in RatingHistogram)
        {
            var share = Interactions == 0 ? 0 : count / (double)Interactions;
            text.Append(c, $"  {rating,5:0.##}  {count,10:N0}  {share,6:P1}  {new string('#', (int)Math.Round(40.0 * count / widest))}\n");
        }
        return text.ToString();
    }
}
