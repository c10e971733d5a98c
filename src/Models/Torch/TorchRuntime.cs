using TorchSharp;

namespace RecSys.Models.Torch;

/// <summary>
/// Chooses the torch device at run time (CUDA when the native CUDA backend is present and a GPU is visible,
/// else CPU) and fixes intra-op threads once, before any operation runs (TorchSharp applies the setting only to
/// threads that have not run an op yet).
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    /// <summary>Resolves "auto", "cpu", "cuda" or "cuda:N" to a device; "auto" prefers CUDA.</summary>
    public static torch.Device SelectDevice(string? preference = "auto")
    {
        var wanted = string.IsNullOrWhiteSpace(preference) ? "auto" : preference.Trim().ToLowerInvariant();
        if (wanted == "cpu")
        {
            return torch.CPU;
        }
        var cudaAvailable = torch.cuda.is_available();
        if (wanted == "auto")
        {
            return cudaAvailable ? torch.CUDA : torch.CPU;
        }
        if (wanted.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cudaAvailable)
            {
                throw new InvalidOperationException($"device '{preference}' requested but CUDA is not available (this build uses TorchSharp-cpu or no GPU is visible)");
            }
            return torch.device(wanted);
        }
        throw new ArgumentException($"unknown device '{preference}'; expected auto, cpu, cuda or cuda:N", nameof(preference));
    }

    /// <summary>Sets the intra-op thread count once per process; later calls are ignored.</summary>
    public static void ConfigureThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }
            torch.set_num_threads(threads);
            _configured = true;
        }
    }
}
