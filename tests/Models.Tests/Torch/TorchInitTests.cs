using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Torch;

public sealed class TorchInitTests
{
    [Fact]
    public void A_bare_layer_is_seeded_not_left_to_torchs_global_generator()
    {
        using var scope = NewDisposeScope();
        using var a = nn.Linear(6, 3);
        using var b = nn.Linear(6, 3);
        random.manual_seed(1);
        using var other = nn.Linear(6, 3); // moves torch's generator, so a and b started from different weights

        TorchInit.Seeded(a, new DeterministicRandom(4));
        TorchInit.Seeded(b, new DeterministicRandom(4));

        Assert.Equal(a.weight!.data<float>().ToArray(), b.weight!.data<float>().ToArray());
        Assert.All(a.bias!.data<float>().ToArray(), v => Assert.Equal(0f, v));
    }
}
