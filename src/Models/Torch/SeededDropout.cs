using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Torch;

/// <summary>
/// Inverted dropout drawing its masks from a generator of its own, so a model's training is reproducible for its
/// seed whatever else in the process uses torch's global generator (nn.Dropout cannot take a generator).
/// </summary>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    private readonly ulong _seed;
    private Generator? _generator;

    public SeededDropout(double probability, ulong seed)
        : base("dropout")
    {
        if (probability is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1)");
        }
        _probability = probability;
        _seed = seed;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
        {
            return input;
        }
        _generator ??= new Generator(_seed, input.device);
        var keep = rand(input.shape, generator: _generator, device: input.device).ge(_probability.Held());
        return (input * keep.to(input.dtype)).div((1 - _probability).Held());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _generator?.Dispose();
        }
        base.Dispose(disposing);
    }
}
