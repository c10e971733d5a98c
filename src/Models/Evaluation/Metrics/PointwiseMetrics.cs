namespace RecSys.Models.Evaluation.Metrics;

/// <summary>
/// A metric over scored examples: <c>labels</c> (1/0 for classification, the true rating for regression),
/// <c>predictions</c> (a score, probability or predicted rating) and, for per-user metrics, <c>groups</c>.
/// </summary>
public interface IPointwiseMetric
{
    string Name { get; }

    bool HigherIsBetter { get; }

    double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups);
}

/// <summary>
/// Area under the ROC curve: the probability that a random positive scores above a random negative, ties
/// counting one half (Mann–Whitney U with average ranks). NaN when one class is absent.
/// </summary>
public sealed class Auc : IPointwiseMetric
{
    public string Name => "auc";

    public bool HigherIsBetter => true;

    public double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups) =>
        Of(labels, predictions);

    public static double Of(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions)
    {
        var n = labels.Length;
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }
        var scores = predictions.ToArray();
        Array.Sort(scores, order);

        double positives = 0, rankSum = 0;
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && scores[end + 1] == scores[start])
            {
                end++;
            }
            var averageRank = (start + end) / 2.0 + 1; // ranks are 1-based; ties share their mean rank
            for (var t = start; t <= end; t++)
            {
                if (labels[order[t]] > 0.5)
                {
                    positives++;
                    rankSum += averageRank;
                }
            }
            start = end + 1;
        }
        var negatives = n - positives;
        return positives == 0 || negatives == 0
            ? double.NaN
            : (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }
}

/// <summary>
/// Group AUC (Zhou et al., "Deep Interest Network", KDD 2018): per-user AUC weighted by the user's number of
/// examples; users whose examples are all positive or all negative are skipped.
/// </summary>
public sealed class Gauc : IPointwiseMetric
{
    public string Name => "gauc";

    public bool HigherIsBetter => true;

    public double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups)
    {
        var byGroup = new Dictionary<int, List<int>>();
        for (var i = 0; i < groups.Length; i++)
        {
            if (!byGroup.TryGetValue(groups[i], out var members))
            {
                byGroup[groups[i]] = members = [];
            }
            members.Add(i);
        }
        double weighted = 0, weights = 0;
        foreach (var members in byGroup.Values)
        {
            var l = new double[members.Count];
            var p = new double[members.Count];
            for (var m = 0; m < members.Count; m++)
            {
                l[m] = labels[members[m]];
                p[m] = predictions[members[m]];
            }
            var auc = Auc.Of(l, p);
            if (!double.IsNaN(auc))
            {
                weighted += auc * members.Count;
                weights += members.Count;
            }
        }
        return weights == 0 ? double.NaN : weighted / weights;
    }
}

/// <summary>Binary cross-entropy of probabilities, clipped to [1e-7, 1 − 1e-7].</summary>
public sealed class LogLoss : IPointwiseMetric
{
    private const double Epsilon = 1e-7;

    public string Name => "logloss";

    public bool HigherIsBetter => false;

    public double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups)
    {
        var sum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var p = Math.Clamp(predictions[i], Epsilon, 1 - Epsilon);
            sum += labels[i] > 0.5 ? -Math.Log(p) : -Math.Log(1 - p);
        }
        return labels.Length == 0 ? double.NaN : sum / labels.Length;
    }
}

/// <summary>Root mean squared error of predicted ratings.</summary>
public sealed class Rmse : IPointwiseMetric
{
    public string Name => "rmse";

    public bool HigherIsBetter => false;

    public double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups)
    {
        var sum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var d = labels[i] - predictions[i];
            sum += d * d;
        }
        return labels.Length == 0 ? double.NaN : Math.Sqrt(sum / labels.Length);
    }
}

/// <summary>Mean absolute error of predicted ratings.</summary>
public sealed class Mae : IPointwiseMetric
{
    public string Name => "mae";

    public bool HigherIsBetter => false;

    public double Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, ReadOnlySpan<int> groups)
    {
        var sum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            sum += Math.Abs(labels[i] - predictions[i]);
        }
        return labels.Length == 0 ? double.NaN : sum / labels.Length;
    }
}
