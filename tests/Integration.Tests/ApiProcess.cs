using System.Diagnostics;
using System.Text;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>
/// The built RecSys.Api started as a real child process (`dotnet RecSys.Api.dll ...`), or, through
/// <see cref="StartSilo"/>, the standalone RecSys.Silo: both answer /health/ready on their --urls.
/// </summary>
internal sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApiProcess(Process process)
    {
        _process = process;
    }

    /// <summary>src/Api's own build output, in the configuration these tests were built in.</summary>
    public static string ApiDll => BuiltDll("Api", "RecSys.Api.dll");

    /// <summary>src/Silo's own build output (this project references it, so it is built with the tests).</summary>
    public static string SiloDll => BuiltDll("Silo", "RecSys.Silo.dll");

    public static ApiProcess Start(IEnumerable<string> args) => Start(ApiDll, args);

    public static ApiProcess StartSilo(IEnumerable<string> args) => Start(SiloDll, args);

    /// <summary>The operating-system process id (to name it in failure messages).</summary>
    public int Id => _process.Id;

    private static string BuiltDll(string project, string dll)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;               // net10.0
        var configuration = testOutput.Parent!.Name;   // Debug or Release
        return Path.Combine(RepositoryRoot.Path, "src", project, "bin", configuration, framework, dll);
    }

    private static ApiProcess Start(string dll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
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
                throw new InvalidOperationException($"the process exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                return (await client.GetAsync("/health/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(90), $"process {_process.Id} ({Path.GetFileName(_process.StartInfo.ArgumentList[0])}) to report ready");
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
