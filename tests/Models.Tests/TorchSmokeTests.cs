using TorchSharp;
using static TorchSharp.torch;
namespace RecSys.Models.Tests;
public class TorchSmokeTests
{
    [Fact]
    public void LinearForward()
    {
        using var scope = NewDisposeScope();
        var lin = nn.Linear(4, 2);
        var y = lin.forward(randn(3, 4));
        Assert.Equal(new long[] { 3, 2 }, y.shape);
    }
}
