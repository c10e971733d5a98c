using System.Diagnostics;
using System.Text;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>The built RecSys.Api started as a real child process (`dotnet RecSys.Api.dll ...`).</summary>
internal sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApiProcess(Process process)
    {
        _process = process;
    }

    /// <summary>src/Api's own build output, in the configuration these tests were built in.</summary>
    public static string ApiDll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testOutput.Name;               // net10.0
            var configuration = testOutput.Parent!.Name;   // Debug or Release
            return Path.Combine(RepositoryRoot.Path, "src", "Api", "bin", configuration, framework, "RecSys.Api.dll");
        }
    }

    public static ApiProcess Start(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ApiDll)!,
        };
        info.ArgumentList.Add(ApiDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        // No model training at start-up unless a test asks for it (ItemCF and popularity serve).
        info.Environment["RecSys__Models__Train"] = "none";
        var process = new Process { StartInfo = info };
        var api = new ApiProcess(process);
        process.OutputDataReceived += (_, e) => api.Append(e.Data);
        process.ErrorDataReceived += (_, e) => api.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task WaitReadyAsync(HttpClient client)
    {
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the Api exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                return (await client.GetAsync("/health/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(90), "the Api process to report ready");
    }

    /// <summary>SIGKILL: no shutdown code runs, so only what was persisted before answering survives.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
