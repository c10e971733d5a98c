using System.Numerics.Tensors;
using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="AlsRecommender"/>.</summary>
public sealed record AlsOptions : IModelOptions
{
    [Option("factors", "(int) latent dimensions")]
    public int Factors { get; init; } = 32;

    [Option("iterations", "(int) alternating sweeps over users and items")]
    public int Iterations { get; init; } = 15;

    [Option("reg", "(double) L2 regularisation λ")]
    public double Regularization { get; init; } = 2;

    [Option("alpha", "(double) confidence of an observed pair: c = 1 + alpha (interactions are binary)")]
    public double Alpha { get; init; } = 3;

    public IEnumerable<string> Validate()
    {
        if (Factors is < 1 or > 1024) yield return "factors must be from 1 to 1024";
        if (Iterations is < 1 or > 10_000) yield return "iterations must be from 1 to 10000";
        if (Regularization < 0) yield return "reg must not be negative";
        if (Alpha <= 0) yield return "alpha must be positive";
    }
}

/// <summary>
/// Implicit-feedback ALS (Hu, Koren, Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM
/// 2008): minimises Σ c_ui (p_ui − x_uᵀy_i)² + λ(‖x‖² + ‖y‖²) over all pairs, with p = 1 for observed pairs and
/// confidence c = 1 + α. Each half-step solves, per row, (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = YᵀC_u p_u exactly,
/// using the precomputed YᵀY so the cost is linear in the observed pairs.
/// </summary>
public sealed class AlsRecommender(AlsOptions? options = null) : IRecommender
{
    private readonly AlsOptions _options = options ?? new();
    private float[] _users = [];
    private float[] _items = [];

    public string Name => "als";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var f = _options.Factors;
        var random = new Data.DeterministicRandom(context.Seed);
        var x = new double[train.UserCount * f];
        var y = new double[train.ItemCount * f];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = 0.01 * random.NextGaussian();
        }

        for (var iteration = 0; iteration < _options.Iterations; iteration++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Solve(x, y, train.UserCount, train.ItemCount, u => train.ItemsOf(u));
            Solve(y, x, train.ItemCount, train.UserCount, i => train.UsersOf(i));
            context.Progress?.Report(new TrainingProgress("alternating", (iteration + 1) / (double)_options.Iterations));
        }
        _users = Array.ConvertAll(x, v => (float)v);
        _items = Array.ConvertAll(y, v => (float)v);
    }

    public void Score(int user, Span<float> scores)
    {
        VectorScoring.Dot(VectorScoring.Row(_users, user, _options.Factors), _items, [], scores);
    }

    public delegate ReadOnlySpan<int> Row(int index);

    /// <summary>Solves every row of <paramref name="target"/> given the fixed <paramref name="fixedFactors"/>.</summary>
    private void Solve(double[] target, double[] fixedFactors, int rows, int fixedRows, Row observed)
    {
        var f = _options.Factors;
        var confidenceMinusOne = _options.Alpha;

        // YᵀY once per half-step.
        var gram = new double[f * f];
        for (var r = 0; r < fixedRows; r++)
        {
            var v = fixedFactors.AsSpan(r * f, f);
            for (var a = 0; a < f; a++)
            {
                var va = v[a];
                for (var b = 0; b <= a; b++)
                {
                    gram[a * f + b] += va * v[b];
                }
            }
        }
        for (var a = 0; a < f; a++)
        {
            for (var b = 0; b < a; b++)
            {
                gram[b * f + a] = gram[a * f + b];
            }
        }

        Parallel.For(
            0,
            rows,
            () => (A: new double[f * f], B: new double[f]),
            (row, _, scratch) =>
            {
                var (a, rhs) = scratch;
                Array.Copy(gram, a, gram.Length);
                Array.Clear(rhs);
                for (var d = 0; d < f; d++)
                {
                    a[d * f + d] += _options.Regularization;
                }
                foreach (var other in observed(row))
                {
                    var v = fixedFactors.AsSpan(other * f, f);
                    for (var p = 0; p < f; p++)
                    {
                        var scaled = confidenceMinusOne * v[p];
                        rhs[p] += (1 + confidenceMinusOne) * v[p];
                        for (var q = 0; q <= p; q++)
                        {
                            a[p * f + q] += scaled * v[q];
                        }
                    }
                }
                CholeskySolve(a, rhs, f); // uses the lower triangle only
                rhs.CopyTo(target.AsSpan(row * f, f));
                return scratch;
            },
            _ => { });
    }

    /// <summary>Solves A x = b in place (x into b) for symmetric positive-definite A given by its lower triangle.</summary>
    internal static void CholeskySolve(double[] a, double[] b, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var sum = a[j * n + j];
            for (var k = 0; k < j; k++)
            {
                sum -= a[j * n + k] * a[j * n + k];
            }
            var diagonal = Math.Sqrt(Math.Max(sum, 1e-12));
            a[j * n + j] = diagonal;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[i * n + j];
                for (var k = 0; k < j; k++)
                {
                    s -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = s / diagonal;
            }
        }
        for (var i = 0; i < n; i++) // L z = b
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= a[i * n + k] * b[k];
            }
            b[i] = s / a[i * n + i];
        }
        for (var i = n - 1; i >= 0; i--) // Lᵀ x = z
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= a[k * n + i] * b[k];
            }
            b[i] = s / a[i * n + i];
        }
    }
}
