using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Torch;

public class TorchRuntimeTests
{
    [Fact]
    public void Module_forward_runs_on_the_selected_device()
    {
        // Loads libLibTorchSharp: on Debian 12 this only works with the build's GLIBCXX patch.
        var device = TorchRuntime.SelectDevice("auto");
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        using var model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device);
        model.eval();
        using var noGrad = no_grad();
        var input = ones(3, 4, device: device);
        var output = model.forward(input);

        Assert.Equal(new long[] { 3, 2 }, output.shape);
        Assert.Equal(device.type, output.device.type);
        Assert.True(output.isfinite().all().item<bool>());
        // Same input rows give the same output rows.
        Assert.True(output[0].allclose(output[2]));
    }

    [Fact]
    public void Device_names_are_resolved_or_rejected_clearly()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.SelectDevice("cpu").type);
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, TorchRuntime.SelectDevice(null).type);
        Assert.Throws<ArgumentException>(() => TorchRuntime.SelectDevice("tpu"));
        if (!cuda.is_available())
        {
            var error = Assert.Throws<InvalidOperationException>(() => TorchRuntime.SelectDevice("cuda"));
            Assert.Contains("CUDA is not available", error.Message);
            Assert.Equal(DeviceType.CPU, TorchRuntime.SelectDevice("auto").type);
        }
    }
}
