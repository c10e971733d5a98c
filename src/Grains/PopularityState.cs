namespace RecSys.Grains;

/// <summary>A decayed score and the time it is valid at.</summary>
[GenerateSerializer, Alias("recsys.DecayedScore")]
public sealed class DecayedScore
{
    [Id(0)]
    public double Value { get; set; }

    [Id(1)]
    public DateTimeOffset AsOf { get; set; }
}

/// <summary>Persisted state of <see cref="PopularityGrain"/>.</summary>
[GenerateSerializer, Alias("recsys.PopularityState")]
public sealed class PopularityState
{
    /// <summary>Fingerprint of the dataset the baseline came from.</summary>
    [Id(0)]
    public string? BaselineFingerprint { get; set; }

    /// <summary>Dataset popularity, re-based to the time it was seeded so it decays from then on.</summary>
    [Id(1)]
    public Dictionary<string, DecayedScore> Baseline { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Engagement from live events.</summary>
    [Id(2)]
    public Dictionary<string, DecayedScore> Live { get; set; } = new(StringComparer.Ordinal);
}
