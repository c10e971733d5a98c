using System.Collections.Concurrent;
using TorchSharp;

namespace RecSys.Models.Torch;

/// <summary>
/// TorchSharp 0.107 turns a <c>double</c> passed to a tensor operation into a <see cref="Scalar"/> that nothing
/// references once its native handle is read, and dispose scopes do not track scalars; a garbage collection
/// started by another thread during the native call can then finalize (free) it while libtorch still reads it.
/// Training failed at random with "Unknown scalar type" or "Expected false to be true" (seen with YouTube-DNN;
/// a larger gen-0 budget made it vanish, and this removed it). The constants of our hot paths (temperatures, dropout
/// rates, clamps, −∞ masks) are therefore scalars made once per distinct value and never freed: a handful per model.
/// Values that change every step are made with <c>using</c> instead (see <see cref="AdamOptimizer"/>).
/// </summary>
public static class HeldScalar
{
    private const int MaxCached = 4096;
    private static readonly ConcurrentDictionary<double, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<float, Scalar> Floats = new();

    /// <summary>The process-wide scalar for <paramref name="value"/> (a double scalar).</summary>
    public static Scalar Held(this double value) => Get(Doubles, value, static v => v.ToScalar());

    /// <summary>The process-wide scalar for <paramref name="value"/> (a float scalar).</summary>
    public static Scalar Held(this float value) => Get(Floats, value, static v => v.ToScalar());

    private static Scalar Get<T>(ConcurrentDictionary<T, Scalar> cache, T value, Func<T, Scalar> create)
        where T : notnull
    {
        if (cache.TryGetValue(value, out var scalar))
        {
            return scalar;
        }
        if (cache.Count >= MaxCached)
        {
            // Only constants belong here; a caller passing ever-new values is a bug, not a reason to leak.
            throw new InvalidOperationException($"more than {MaxCached} distinct held scalars: pass per-step values with 'using' instead");
        }
        scalar = create(value);
        var stored = cache.GetOrAdd(value, scalar);
        if (!ReferenceEquals(stored, scalar))
        {
            scalar.Dispose(); // another thread won the race
        }
        return stored;
    }
}
