using RecSys.Models.Recall;

namespace RecSys.Grains.Serving;

/// <summary>The models this silo serves with, swapped atomically as a whole.</summary>
/// <param name="ItemCf">Item-item neighbours.</param>
/// <param name="DatasetName">Where the models were built from.</param>
/// <param name="DatasetFingerprint">Fingerprint of that data.</param>
/// <param name="LoadedAt">When the models became active.</param>
public sealed record ServingModelSet(ItemCfModel ItemCf, string DatasetName, string DatasetFingerprint, DateTimeOffset LoadedAt);

/// <summary>
/// Per-silo holder of the active models, shared by every grain activation on the silo. Readers take the current
/// set once per request so a swap never mixes versions within one answer.
/// </summary>
public sealed class ServingModels
{
    private volatile ServingModelSet? _current;

    /// <summary>The active models, or null before the first load finished.</summary>
    public ServingModelSet? Current => _current;

    public void Activate(ServingModelSet models) => _current = models;
}
