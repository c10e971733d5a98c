using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Torch;
using TorchSharp;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

/// <summary>
/// Each layer's output against the formula worked out with plain loops over the layer's own parameters, for the
/// layers whose values the other test classes only check through their shape.
/// </summary>
public class HandCheckedLayerTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Interacting_layer_is_relu_of_per_head_softmax_attention_plus_the_residual(bool residual, bool scaling)
    {
        using var scope = NewDisposeScope();
        const int b = 2, f = 3, d = 4, heads = 2, size = 2, width = heads * size;
        using var layer = new InteractingLayer(d, heads, size, residual, scaling);
        TorchInit.Seeded(layer, new DeterministicRandom(11));
        layer.eval();
        var x = Normal(12, b, f, d);

        float[] output;
        using (no_grad())
        {
            output = Values(layer.forward(x));
        }

        var e = Values(x);
        var wq = Values(Parameter(layer, "query.weight"));                          // [H·d′, D]
        var wk = Values(Parameter(layer, "key.weight"));
        var wv = Values(Parameter(layer, "value.weight"));
        var wr = residual ? Values(Parameter(layer, "residual.weight")) : null;
        var expected = new double[b * f * width];
        for (var n = 0; n < b; n++)
        {
            var rows = Enumerable.Range(0, f).Select(m => e.AsSpan((n * f + m) * d, d).ToArray()).ToArray();
            var q = rows.Select(r => Dense(wq, null, r, width)).ToArray();
            var k = rows.Select(r => Dense(wk, null, r, width)).ToArray();
            var v = rows.Select(r => Dense(wv, null, r, width)).ToArray();
            for (var h = 0; h < heads; h++)
            {
                for (var m = 0; m < f; m++)
                {
                    var scores = new double[f];
                    for (var j = 0; j < f; j++)
                    {
                        for (var c = 0; c < size; c++)
                        {
                            scores[j] += q[m][h * size + c] * k[j][h * size + c];
                        }
                        if (scaling)
                        {
                            scores[j] /= Math.Sqrt(size);
                        }
                    }
                    var attention = Softmax(scores);
                    for (var c = 0; c < size; c++)
                    {
                        var mixed = 0.0;
                        for (var j = 0; j < f; j++)
                        {
                            mixed += attention[j] * v[j][h * size + c];
                        }
                        expected[(n * f + m) * width + h * size + c] = mixed;
                    }
                }
            }
            for (var m = 0; m < f; m++)
            {
                var skip = wr is null ? new double[width] : Dense(wr, null, rows[m], width);
                for (var o = 0; o < width; o++)
                {
                    var at = (n * f + m) * width + o;
                    expected[at] = Math.Max(0, expected[at] + skip[o]);
                }
            }
        }
        Assert.Contains(expected, value => value > 0.1);                           // not all cut by the ReLU
        Close(expected, output, Tolerance);
    }

    [Theory]
    [InlineData("each")]
    [InlineData("interaction")]
    public void Bilinear_each_and_interaction_use_the_left_field_or_the_pair_matrix(string type)
    {
        using var scope = NewDisposeScope();
        const int b = 2, f = 3, d = 4;
        using var bilinear = new BilinearInteraction(f, d, type);
        TorchInit.Seeded(bilinear, new DeterministicRandom(13));
        var x = Normal(14, b, f, d);

        var output = Values(bilinear.forward(x));

        var v = Values(x);
        var w = Values(Parameter(bilinear, "weight"));                             // [F−1 | P, D, D]
        (int I, int J)[] pairs = [(0, 1), (0, 2), (1, 2)];
        var expected = new List<double>();
        for (var n = 0; n < b; n++)
        {
            for (var p = 0; p < pairs.Length; p++)
            {
                var (i, j) = pairs[p];
                var matrix = type == "each" ? i : p;
                for (var o = 0; o < d; o++)
                {
                    var projected = 0.0;
                    for (var k = 0; k < d; k++)
                    {
                        projected += v[(n * f + i) * d + k] * (double)w[(matrix * d + k) * d + o];
                    }
                    expected.Add(projected * v[(n * f + j) * d + o]);
                }
            }
        }
        Close(expected, output, Tolerance);
    }

    [Theory]
    [InlineData(false, "relu")]
    [InlineData(true, "relu")]
    [InlineData(false, "dice")]
    [InlineData(true, "dice")]
    public void Target_attention_scores_each_real_item_with_the_unit_and_pools_the_keys(bool normalize, string activation)
    {
        using var scope = NewDisposeScope();
        const int b = 2, l = 3, d = 2;
        int[] hidden = [3, 2];
        using var attention = new TargetAttention(d, hidden, seed: 1, activation, normalize, dropout: 0.5);
        TorchInit.Seeded(attention, new DeterministicRandom(15));
        Set(attention, "unit.linears.0.bias", 0.1f, -0.2f, 0.3f);
        Set(attention, "unit.linears.1.bias", 0.05f, 0.4f);
        Set(attention, "score.bias", 0.25f);
        if (activation == "dice")
        {
            Set(attention, "unit.activations.0.alpha", 0.2f, -0.3f, 0.5f);
            Set(attention, "unit.activations.1.alpha", 0.4f, 0.1f);
            using var noGrad = no_grad();
            for (ulong batch = 0; batch < 3; batch++)                               // move the running statistics off (0, 1)
            {
                attention.forward(Normal(30 + batch, 4, d) * 2f.Held(), Normal(40 + batch, 4, l, d) + 1f.Held(), ones(4, l, dtype: ScalarType.Bool));
            }
            Assert.All(Values(Buffer(attention, "unit.activations.0.norm.running_mean")), m => Assert.NotEqual(0f, m));
        }
        attention.eval();                                                          // dropout off, Dice on running statistics
        var query = Normal(16, b, d);
        var keys = Normal(17, b, l, d);
        var mask = tensor(new[] { true, true, true, true, false, true }, [b, l]);  // row 1: a gap in the middle

        float[] output, weights;
        using (no_grad())
        {
            output = Values(attention.forward(query, keys, mask));
            weights = Values(attention.Weights(query, keys, mask));
        }

        var qv = Values(query);
        var kv = Values(keys);
        bool[] real = [true, true, true, true, false, true];
        var sizes = hidden.Prepend(4 * d).ToArray();
        var linear = Enumerable.Range(0, hidden.Length)
            .Select(i => (W: Values(Parameter(attention, $"unit.linears.{i}.weight")), B: Values(Parameter(attention, $"unit.linears.{i}.bias"))))
            .ToArray();
        var scoreW = Values(Parameter(attention, "score.weight"));
        var scoreB = Values(Parameter(attention, "score.bias"));
        var expectedWeights = new double[b * l];
        var expected = new double[b * d];
        for (var n = 0; n < b; n++)
        {
            var raw = new double[l];
            for (var p = 0; p < l; p++)
            {
                if (!real[n * l + p])
                {
                    continue;
                }
                var features = new double[4 * d];
                for (var c = 0; c < d; c++)
                {
                    double qc = qv[n * d + c], kc = kv[(n * l + p) * d + c];
                    features[c] = qc;
                    features[d + c] = kc;
                    features[2 * d + c] = qc - kc;
                    features[3 * d + c] = qc * kc;
                }
                var h = features;
                for (var layer = 0; layer < hidden.Length; layer++)
                {
                    h = Dense(linear[layer].W, linear[layer].B, h, sizes[layer + 1]);
                    h = activation == "relu" ? h.Select(z => Math.Max(0, z)).ToArray() : DiceEval(attention, layer, h);
                }
                raw[p] = Dense(scoreW, scoreB, h, 1)[0];
            }
            var realPositions = Enumerable.Range(0, l).Where(p => real[n * l + p]).ToArray();
            if (normalize)
            {
                var probabilities = Softmax(realPositions.Select(p => raw[p]).ToArray());
                raw = new double[l];
                for (var i = 0; i < realPositions.Length; i++)
                {
                    raw[realPositions[i]] = probabilities[i];
                }
            }
            for (var p = 0; p < l; p++)
            {
                expectedWeights[n * l + p] = raw[p];
                for (var c = 0; c < d; c++)
                {
                    expected[n * d + c] += raw[p] * kv[(n * l + p) * d + c];
                }
            }
        }
        Assert.Equal(0f, weights[l + 1]);
        Close(expectedWeights, weights, Tolerance);
        Close(expected, output, Tolerance);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Ple_mixes_own_and_shared_experts_by_each_tasks_softmax_gate(int levels)
    {
        using var scope = NewDisposeScope();
        const int b = 2, input = 3, tasks = 2, h = 2;
        using var ple = new ProgressiveLayeredExtraction(input, tasks, levels, taskExperts: 1, sharedExperts: 1, expertHidden: [h], dropout: 0.5, seed: 1);
        TorchInit.Seeded(ple, new DeterministicRandom(18));
        var biasRandom = new DeterministicRandom(19);
        foreach (var (name, parameter) in ple.named_parameters().Where(p => p.name.EndsWith(".bias", StringComparison.Ordinal)).ToArray())
        {
            Set(ple, name, [.. Enumerable.Range(0, (int)parameter.numel()).Select(_ => (float)(biasRandom.NextDouble() - 0.5))]);
        }
        ple.eval();
        var x = Normal(20, b, input);

        float[][] outputs;
        using (no_grad())
        {
            outputs = [.. ple.forward(x).Select(Values)];
        }

        var xv = Values(x);
        double[] Expert(string prefix, double[] from) =>
            Dense(Values(Parameter(ple, $"{prefix}.linears.0.weight")), Values(Parameter(ple, $"{prefix}.linears.0.bias")), from, h)
                .Select(z => Math.Max(0, z)).ToArray();
        double[] Mix(string gate, double[] from, double[][] experts)
        {
            var g = Softmax(Dense(Values(Parameter(ple, gate)), null, from, experts.Length));
            return Enumerable.Range(0, h).Select(c => Enumerable.Range(0, experts.Length).Sum(e => g[e] * experts[e][c])).ToArray();
        }
        for (var n = 0; n < b; n++)
        {
            var row = xv.AsSpan(n * input, input).ToArray().Select(v => (double)v).ToArray();
            var inputs = Enumerable.Repeat(row, tasks + 1).ToArray();                // each task's, then the shared one
            for (var level = 0; level < levels; level++)
            {
                var shared = Expert($"levels.{level}.shared_experts.0", inputs[tasks]);
                var own = Enumerable.Range(0, tasks).Select(t => Expert($"levels.{level}.task_experts.{t}", inputs[t])).ToArray();
                var next = new double[tasks + 1][];
                for (var t = 0; t < tasks; t++)
                {
                    next[t] = Mix($"levels.{level}.task_gates.{t}.weight", inputs[t], [own[t], shared]);
                }
                if (level < levels - 1)
                {
                    next[tasks] = Mix($"levels.{level}.shared_gate.weight", inputs[tasks], [.. own, shared]);
                }
                inputs = next;
            }
            for (var t = 0; t < tasks; t++)
            {
                Close(inputs[t], outputs[t].AsSpan(n * h, h).ToArray(), Tolerance);
            }
        }
        Assert.Contains(outputs[0], v => v > 0.05);                                // not all cut by the ReLU
    }

    [Theory]
    [InlineData(new long[] { 2, 4 })]
    [InlineData(new long[] { 2, 3, 4 })]
    public void Mlp_hidden_layer_is_relu_of_x_times_w_transposed_plus_b_without_dropout_in_eval(long[] shape)
    {
        using var scope = NewDisposeScope();
        const int input = 4, hidden = 3;
        using var mlp = new Mlp(input, [hidden], dropout: 0.5, seed: 1);
        TorchInit.Seeded(mlp, new DeterministicRandom(21));
        Set(mlp, "linears.0.bias", 0.3f, -0.1f, 0.2f);
        mlp.eval();
        var x = Normal(22, shape);

        float[] output;
        Tensor result;
        using (no_grad())
        {
            result = mlp.forward(x);
            output = Values(result);
        }

        Assert.Equal(shape[..^1].Append(hidden).ToArray(), result.shape);
        var xv = Values(x);
        var w = Values(Parameter(mlp, "linears.0.weight"));                        // [3, 4]
        float[] bias = [0.3f, -0.1f, 0.2f];
        var rows = xv.Length / input;
        var expected = new double[rows * hidden];
        for (var n = 0; n < rows; n++)
        {
            for (var o = 0; o < hidden; o++)
            {
                var z = (double)bias[o];
                for (var i = 0; i < input; i++)
                {
                    z += xv[n * input + i] * (double)w[o * input + i];
                }
                expected[n * hidden + o] = Math.Max(0, z);
            }
        }
        Assert.Contains(expected, v => v == 0);                                    // the ReLU cuts something
        Assert.Contains(expected, v => v > 0.1);
        Close(expected, output, Tolerance);
    }

    [Fact]
    public void Cross_network_mix_with_two_experts_and_two_layers_gates_on_x_l_and_crosses_with_x0()
    {
        using var scope = NewDisposeScope();
        const int b = 2, d = 3, k = 2, r = 2, layers = 2;
        using var mix = new CrossNetworkMix(d, layers, experts: k, rank: r);
        TorchInit.Seeded(mix, new DeterministicRandom(23));
        Set(mix, "layers.0.bias", 0.1f, -0.2f, 0.3f);
        Set(mix, "layers.1.bias", -0.15f, 0.05f, 0.25f);
        var x = Normal(24, b, d);

        var output = Values(mix.forward(x));

        var x0 = Values(x);
        var expected = new double[b * d];
        for (var n = 0; n < b; n++)
        {
            var first = x0.AsSpan(n * d, d).ToArray().Select(v => (double)v).ToArray();
            var current = first;
            for (var layer = 0; layer < layers; layer++)
            {
                var v = Values(Parameter(mix, $"layers.{layer}.v"));               // [K, d, r]
                var c = Values(Parameter(mix, $"layers.{layer}.c"));               // [K, r, r]
                var u = Values(Parameter(mix, $"layers.{layer}.u"));               // [K, r, d]
                var bias = Values(Parameter(mix, $"layers.{layer}.bias"));
                var gate = Softmax(Dense(Values(Parameter(mix, $"layers.{layer}.gate.weight")), null, current, k));
                var next = current.ToArray();                                      // + x_l
                for (var e = 0; e < k; e++)
                {
                    var low = new double[r];
                    for (var j = 0; j < r; j++)
                    {
                        for (var i = 0; i < d; i++)
                        {
                            low[j] += current[i] * v[(e * d + i) * r + j];
                        }
                        low[j] = Math.Tanh(low[j]);
                    }
                    var mid = new double[r];
                    for (var j = 0; j < r; j++)
                    {
                        for (var i = 0; i < r; i++)
                        {
                            mid[j] += low[i] * c[(e * r + i) * r + j];
                        }
                        mid[j] = Math.Tanh(mid[j]);
                    }
                    for (var o = 0; o < d; o++)
                    {
                        var up = (double)bias[o];
                        for (var j = 0; j < r; j++)
                        {
                            up += mid[j] * u[(e * r + j) * d + o];
                        }
                        next[o] += gate[e] * first[o] * up;
                    }
                }
                current = next;
            }
            Array.Copy(current, 0, expected, n * d, d);
        }
        Close(expected, output, Tolerance);
    }

    /// <summary>W·x + b for a row-major [out, in] weight, in double.</summary>
    private static double[] Dense(float[] weight, float[]? bias, IReadOnlyList<double> x, int outputs)
    {
        var y = new double[outputs];
        for (var o = 0; o < outputs; o++)
        {
            y[o] = bias?[o] ?? 0;
            for (var i = 0; i < x.Count; i++)
            {
                y[o] += weight[o * x.Count + i] * x[i];
            }
        }
        return y;
    }

    private static double[] Dense(float[] weight, float[]? bias, float[] x, int outputs) =>
        Dense(weight, bias, x.Select(v => (double)v).ToArray(), outputs);

    private static double[] Softmax(double[] scores)
    {
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(v => v / sum)];
    }

    /// <summary>Dice in eval mode: p = σ((h − running mean)/√(running var + ε)), p·h + (1 − p)·α·h; ε is Dice's 1e-8.</summary>
    private static double[] DiceEval(TargetAttention attention, int layer, double[] h)
    {
        var mean = Values(Buffer(attention, $"unit.activations.{layer}.norm.running_mean"));
        var variance = Values(Buffer(attention, $"unit.activations.{layer}.norm.running_var"));
        var alpha = Values(Parameter(attention, $"unit.activations.{layer}.alpha"));
        return [.. h.Select((z, c) =>
        {
            var p = 1 / (1 + Math.Exp(-(z - mean[c]) / Math.Sqrt(variance[c] + 1e-8)));
            return p * z + (1 - p) * alpha[c] * z;
        })];
    }
}
