using RecSys.Models.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

/// <summary>Deterministic inputs, parameter access and tolerant comparisons for the layer tests.</summary>
internal static class LayerTestKit
{
    /// <summary>A float tensor of N(0, 1) draws from our own generator, so inputs never depend on torch's.</summary>
    public static Tensor Normal(ulong seed, params long[] shape)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextGaussian();
        }
        return tensor(values, shape);
    }

    public static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    public static Tensor Parameter(nn.Module module, string name) =>
        module.named_parameters().Single(p => p.name == name).parameter;

    public static Tensor Buffer(nn.Module module, string name) =>
        module.named_buffers().Single(p => p.name == name).buffer;

    /// <summary>Overwrites a parameter with <paramref name="values"/> (row-major in its shape).</summary>
    public static void Set(nn.Module module, string name, params float[] values)
    {
        var parameter = Parameter(module, name);
        using var noGrad = no_grad();
        using var source = tensor(values, parameter.shape);
        parameter.copy_(source);
    }

    public static void Close(double expected, double actual, double tolerance = 1e-4) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Close(expected[i], actual[i], tolerance);
        }
    }
}
