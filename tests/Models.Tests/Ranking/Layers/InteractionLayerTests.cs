using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Ranking.Layers;
using TorchSharp;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

public class InteractionLayerTests
{
    [Fact]
    public void Factorization_machine_equals_the_sum_of_pairwise_dot_products()
    {
        using var scope = NewDisposeScope();
        using var fm = new FactorizationMachine();
        const int b = 3, f = 4, d = 5;
        var x = Normal(1, b, f, d);

        var output = fm.forward(x);

        Assert.Equal(new long[] { b, 1 }, output.shape);
        var v = Values(x);
        var expected = new double[b];
        for (var n = 0; n < b; n++)
        {
            for (var i = 0; i < f; i++)
            {
                for (var j = i + 1; j < f; j++)
                {
                    for (var k = 0; k < d; k++)
                    {
                        expected[n] += v[(n * f + i) * d + k] * v[(n * f + j) * d + k];
                    }
                }
            }
        }
        Close(expected, Values(output));
    }

    [Fact]
    public void Cross_network_v1_layer_is_x0_times_x0_dot_w_plus_b_plus_x0()
    {
        using var scope = NewDisposeScope();
        using var cross = new CrossNetwork(3, 1, CrossNetworkKind.Vector);
        Set(cross, "kernels.0.weight", 0.5f, -1f, 2f);
        Set(cross, "biases.0", 0.1f, 0.2f, -0.3f);
        var x = Normal(2, 2, 3);

        var output = Values(cross.forward(x));

        var x0 = Values(x);
        float[] w = [0.5f, -1f, 2f], bias = [0.1f, 0.2f, -0.3f];
        var expected = new double[6];
        for (var n = 0; n < 2; n++)
        {
            var dot = Enumerable.Range(0, 3).Sum(k => x0[n * 3 + k] * w[k]);
            for (var k = 0; k < 3; k++)
            {
                expected[n * 3 + k] = x0[n * 3 + k] * dot + bias[k] + x0[n * 3 + k];
            }
        }
        Close(expected, output);
    }

    [Fact]
    public void Cross_network_v2_layer_is_x0_hadamard_wx_plus_b_plus_x()
    {
        using var scope = NewDisposeScope();
        using var cross = new CrossNetwork(3, 1, CrossNetworkKind.Matrix);
        TorchInit.Seeded(cross, new DeterministicRandom(3));
        Set(cross, "kernels.0.bias", 0.1f, 0.2f, -0.3f);
        var x = Normal(4, 2, 3);

        var output = Values(cross.forward(x));

        var x0 = Values(x);
        var w = Values(Parameter(cross, "kernels.0.weight"));                       // [out, in]
        float[] bias = [0.1f, 0.2f, -0.3f];
        var expected = new double[6];
        for (var n = 0; n < 2; n++)
        {
            for (var o = 0; o < 3; o++)
            {
                var wx = Enumerable.Range(0, 3).Sum(i => (double)w[o * 3 + i] * x0[n * 3 + i]) + bias[o];
                expected[n * 3 + o] = x0[n * 3 + o] * wx + x0[n * 3 + o];
            }
        }
        Close(expected, output);
    }

    [Theory]
    [InlineData(CrossNetworkKind.Vector)]
    [InlineData(CrossNetworkKind.Matrix)]
    public void Cross_networks_keep_the_input_shape(CrossNetworkKind kind)
    {
        using var scope = NewDisposeScope();
        using var cross = new CrossNetwork(7, 3, kind);
        using var mix = new CrossNetworkMix(7, 2, experts: 3, rank: 2);
        var x = Normal(5, 4, 7);

        Assert.Equal(new long[] { 4, 7 }, cross.forward(x).shape);
        Assert.Equal(new long[] { 4, 7 }, mix.forward(x).shape);
    }

    [Fact]
    public void Cross_network_mix_with_one_expert_is_x0_hadamard_u_tanh_c_tanh_vx_plus_b_plus_x0()
    {
        using var scope = NewDisposeScope();
        const int d = 3, r = 2;
        using var mix = new CrossNetworkMix(d, 1, experts: 1, rank: r);
        TorchInit.Seeded(mix, new DeterministicRandom(8));
        Set(mix, "layers.0.bias", 0.1f, -0.2f, 0.3f);
        var x = Normal(9, 2, d);

        var output = Values(mix.forward(x));

        var x0 = Values(x);
        var v = Values(Parameter(mix, "layers.0.v"));                              // [1, d, r]
        var c = Values(Parameter(mix, "layers.0.c"));                              // [1, r, r]
        var u = Values(Parameter(mix, "layers.0.u"));                              // [1, r, d]
        float[] bias = [0.1f, -0.2f, 0.3f];
        var expected = new double[2 * d];
        for (var n = 0; n < 2; n++)
        {
            var low = Enumerable.Range(0, r).Select(j => Math.Tanh(Enumerable.Range(0, d).Sum(i => x0[n * d + i] * (double)v[i * r + j]))).ToArray();
            var mid = Enumerable.Range(0, r).Select(j => Math.Tanh(Enumerable.Range(0, r).Sum(i => low[i] * c[i * r + j]))).ToArray();
            for (var o = 0; o < d; o++)
            {
                var up = Enumerable.Range(0, r).Sum(j => mid[j] * u[j * d + o]);
                expected[n * d + o] = x0[n * d + o] * (up + bias[o]) + x0[n * d + o];   // a single expert's gate is 1
            }
        }
        Close(expected, output);
    }

    [Theory]
    [InlineData(true, new[] { 4, 4, 3 }, 7)]
    [InlineData(false, new[] { 4, 4, 3 }, 11)]
    [InlineData(true, new[] { 5 }, 5)]
    public void Cin_output_width_is_the_sum_of_the_layer_sizes_halved_with_split_half(bool splitHalf, int[] sizes, int width)
    {
        using var scope = NewDisposeScope();
        using var cin = new CompressedInteraction(3, sizes, splitHalf, "relu");

        Assert.Equal(width, cin.OutputSize);
        Assert.Equal(new long[] { 2, width }, cin.forward(Normal(1, 2, 3, 4)).shape);
        Assert.Throws<ArgumentException>(() => new CompressedInteraction(3, [3, 2], splitHalf: true));
    }

    [Fact]
    public void Cin_layer_sums_weighted_field_products_over_the_embedding()
    {
        using var scope = NewDisposeScope();
        const int b = 2, f = 3, d = 4, h = 2;
        using var cin = new CompressedInteraction(f, [h], splitHalf: false);
        TorchInit.Seeded(cin, new DeterministicRandom(4));
        Set(cin, "convolutions.0.bias", 0.5f, -0.25f);
        var x = Normal(6, b, f, d);

        var output = Values(cin.forward(x));

        var v = Values(x);
        var w = Values(Parameter(cin, "convolutions.0.weight"));                   // [H, F·F, 1]
        var expected = new double[b * h];
        for (var n = 0; n < b; n++)
        {
            for (var map = 0; map < h; map++)
            {
                for (var k = 0; k < d; k++)
                {
                    var z = 0.5 * (map == 0 ? 1 : 0) - 0.25 * (map == 1 ? 1 : 0);
                    for (var i = 0; i < f; i++)
                    {
                        for (var j = 0; j < f; j++)
                        {
                            z += w[map * f * f + i * f + j] * v[(n * f + i) * d + k] * v[(n * f + j) * d + k];
                        }
                    }
                    expected[n * h + map] += z;                                      // sum pooling over D
                }
            }
        }
        Close(expected, output);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Interacting_layer_maps_fields_to_heads_times_attention_size(bool residual, bool scaling)
    {
        using var scope = NewDisposeScope();
        using var layer = new InteractingLayer(6, heads: 2, attentionSize: 5, residual, scaling);
        using var next = new InteractingLayer(layer.OutputSize, heads: 1, attentionSize: 4);
        var x = Normal(1, 3, 4, 6);

        var output = layer.forward(x);

        Assert.Equal(10, layer.OutputSize);
        Assert.Equal(new long[] { 3, 4, 10 }, output.shape);
        Assert.True(output.ge(0f.ToTensor()).all().item<bool>());                   // ReLU
        Assert.Equal(new long[] { 3, 4, 4 }, next.forward(output).shape);
        Assert.Equal(residual, layer.named_parameters().Any(p => p.name == "residual.weight"));
    }

    [Fact]
    public void SeNet_reweights_each_field_by_its_excitation()
    {
        using var scope = NewDisposeScope();
        using var senet = new SeNetLayer(4, reductionRatio: 2);                      // bottleneck 2
        Set(senet, "reduce.weight", 1f, 0f, 0f, -1f, 0.5f, 0.5f, 0.5f, 0.5f);     // [2, 4]
        Set(senet, "expand.weight", 1f, 0f, 0f, 1f, 1f, 1f, -1f, 0.5f);           // [4, 2]
        var x = Normal(2, 2, 4, 3);

        var output = Values(senet.forward(x));

        Assert.Equal(24, output.Length);
        var v = Values(x);
        double[,] w1 = { { 1, 0, 0, -1 }, { 0.5, 0.5, 0.5, 0.5 } }, w2 = { { 1, 0 }, { 0, 1 }, { 1, 1 }, { -1, 0.5 } };
        var expected = new double[24];
        for (var n = 0; n < 2; n++)
        {
            var z = Enumerable.Range(0, 4).Select(f => Enumerable.Range(0, 3).Average(k => (double)v[(n * 4 + f) * 3 + k])).ToArray();
            var hidden = Enumerable.Range(0, 2).Select(o => Math.Max(0, Enumerable.Range(0, 4).Sum(f => w1[o, f] * z[f]))).ToArray();
            var a = Enumerable.Range(0, 4).Select(f => Math.Max(0, w2[f, 0] * hidden[0] + w2[f, 1] * hidden[1])).ToArray();
            for (var f = 0; f < 4; f++)
            {
                for (var k = 0; k < 3; k++)
                {
                    expected[(n * 4 + f) * 3 + k] = v[(n * 4 + f) * 3 + k] * a[f];
                }
            }
        }
        Close(expected, output);
    }

    [Fact]
    public void Bilinear_all_is_vi_w_hadamard_vj_for_every_pair()
    {
        using var scope = NewDisposeScope();
        const int b = 2, f = 3, d = 2;
        using var bilinear = new BilinearInteraction(f, d, "all");
        Set(bilinear, "weight", 1f, 2f, -1f, 0.5f);                                // W = [[1, 2], [−1, 0.5]]
        var x = Normal(3, b, f, d);

        var output = Values(bilinear.forward(x));

        var v = Values(x);
        double[,] w = { { 1, 2 }, { -1, 0.5 } };
        var expected = new List<double>();
        for (var n = 0; n < b; n++)
        {
            foreach (var (i, j) in new[] { (0, 1), (0, 2), (1, 2) })
            {
                for (var e = 0; e < d; e++)
                {
                    var projected = Enumerable.Range(0, d).Sum(k => v[(n * f + i) * d + k] * w[k, e]);
                    expected.Add(projected * v[(n * f + j) * d + e]);
                }
            }
        }
        Close(expected, output);
    }

    [Theory]
    [InlineData("all", 1)]
    [InlineData("each", 3)]
    [InlineData("interaction", 6)]
    public void Bilinear_gives_one_vector_per_field_pair(string type, int matrices)
    {
        using var scope = NewDisposeScope();
        using var bilinear = new BilinearInteraction(4, 5, type);

        Assert.Equal(6, bilinear.Pairs);
        Assert.Equal(new long[] { matrices, 5, 5 }, Parameter(bilinear, "weight").shape);
        Assert.Equal(new long[] { 2, 6, 5 }, bilinear.forward(Normal(1, 2, 4, 5)).shape);
    }
}
