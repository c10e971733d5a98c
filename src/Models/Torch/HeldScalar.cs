using System.Collections.Concurrent;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Torch;

/// <summary>
/// TorchSharp 0.107 turns a <c>double</c> passed to a tensor operation into a <see cref="Scalar"/> that nothing
/// references once its native handle is read, and dispose scopes do not track scalars; a garbage collection
/// started by another thread during the native call can then finalize (free) it while libtorch still reads it.
/// Training failed at random with "Unknown scalar type" or "Expected false to be true" (seen with YouTube-DNN;
/// a larger gen-0 budget made it vanish, and this removed it). The constants of our hot paths (temperatures, dropout
/// rates, clamps, −∞ masks) are therefore scalars made once per distinct value and never freed: a handful per model.
/// Values that change every step are made with <c>using</c> instead (see <see cref="AdamOptimizer"/>).
/// <para>
/// TorchSharp also makes such scalars itself where no number is visible: <c>a + b</c> and <c>add(Tensor)</c> call
/// <c>add(b, 1)</c>, <c>add(Scalar)</c> and <c>add_(Scalar)</c> pass an alpha of 1, <c>square()</c> is <c>pow(2)</c>, a
/// tensor compared with a number (<c>x == 0</c>) converts it, and <c>BatchNorm1d.forward</c> counts batches with
/// <c>add_(1)</c>. Use <see cref="Plus(Tensor, Tensor)"/>, <see cref="Squared"/>, an explicit held alpha and
/// <see cref="HeldForward"/> instead; <c>NoImplicitScalarTests</c> finds such calls in the compiled models.
/// </para>
/// </summary>
public static class HeldScalar
{
    private const int MaxCached = 4096;
    private static readonly ConcurrentDictionary<double, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<float, Scalar> Floats = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>The process-wide scalar for <paramref name="value"/> (a double scalar).</summary>
    public static Scalar Held(this double value) => Get(Doubles, value, static v => v.ToScalar());

    /// <summary>The process-wide scalar for <paramref name="value"/> (a float scalar).</summary>
    public static Scalar Held(this float value) => Get(Floats, value, static v => v.ToScalar());

    /// <summary>The process-wide scalar for <paramref name="value"/> (an integer scalar, e.g. an <c>alpha</c> of 1).</summary>
    public static Scalar Held(this long value) => Get(Integers, value, static v => v.ToScalar());

    /// <summary><paramref name="x"/> + <paramref name="y"/> with a held alpha of 1 (what <c>x + y</c> means, without its temporary alpha).</summary>
    public static Tensor Plus(this Tensor x, Tensor y) => x.add(y, 1L.Held());

    /// <summary><paramref name="x"/> + <paramref name="y"/> with a held alpha of 1 (<c>x.add(y)</c> without its temporary alpha).</summary>
    public static Tensor Plus(this Tensor x, Scalar y) => x.add(y, 1L.Held());

    /// <summary><paramref name="x"/>² with a held exponent (<c>x.square()</c>, which is <c>pow(2)</c>, without its temporary 2).</summary>
    public static Tensor Squared(this Tensor x) => x.pow(2L.Held());

    /// <summary>
    /// <paramref name="norm"/>'s forward pass, as TorchSharp 0.107's <c>BatchNorm.forward</c> computes it, but counting
    /// the batch with held scalars: that method calls <c>num_batches_tracked.add_(1)</c> in every training step.
    /// </summary>
    public static Tensor HeldForward(this BatchNorm norm, Tensor input)
    {
        if (input.dim() is not (2 or 3))
        {
            throw new ArgumentException($"batch norm expects [N, C] or [N, C, L], got {input.dim()} dimensions", nameof(input));
        }
        var factor = norm.momentum ?? 0.0;
        if (norm.training && norm.track_running_stats && norm.num_batches_tracked is { } tracked)
        {
            tracked.add_(1L.Held(), 1L.Held());
            factor = norm.momentum ?? 1.0 / tracked.item<long>();
        }
        var batchStatistics = norm.training || (norm.running_mean is null && norm.running_var is null);
        var running = !norm.training || norm.track_running_stats;
        return nn.functional.batch_norm(
            input, running ? norm.running_mean : null, running ? norm.running_var : null, norm.weight, norm.bias, batchStatistics, factor, norm.eps);
    }

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
