using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RecSys.Cli.Tests;

/// <summary><c>recsys loadtest</c> against a small fake API (HttpListener) that counts what it receives.</summary>
public sealed class LoadTestCommandTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly CancellationTokenSource _stop = new();
    private int _reads;
    private int _writes;
    private int _catalogueRequests;
    private int _likes;

    public LoadTestCommandTests()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private int Port { get; }

    /// <summary>Status the fake API answers event posts with.</summary>
    private int WriteStatus { get; set; } = 202;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Fact]
    public void Sends_the_scheduled_requests_and_reports_latency_percentiles()
    {
        var exitCode = Run("loadtest", "--url", $"http://127.0.0.1:{Port}", "--rps", "100", "--duration", "0.5", "--write-ratio", "0.3", "--users", "20");

        Assert.True(exitCode == 0, _error.ToString());
        var table = _output.ToString();
        Assert.Contains("requests 50 in", table);
        Assert.Contains("errors 0", table);
        Assert.Matches(@"\nall\s+50\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d\s+0", table);
        Assert.Equal(50, _reads + _writes);
        Assert.InRange(_writes, 5, 25);   // 30 % of 50, seeded
        Assert.Equal(1, _catalogueRequests);
        Assert.Contains($"degraded reads {_reads / 3} of {_reads} ", table);
    }

    [Fact]
    public void Like_ratio_turns_that_share_of_the_writes_into_likes()
    {
        var exitCode = Run("loadtest", "--url", $"http://127.0.0.1:{Port}", "--rps", "200", "--duration", "0.5", "--write-ratio", "1", "--like-ratio", "0.5");

        Assert.True(exitCode == 0, _error.ToString());
        Assert.True(_writes == 100, _output.ToString() + _error.ToString());
        Assert.InRange(_likes, 30, 70);   // half of 100, seeded
    }

    [Fact]
    public void Failed_requests_are_counted_by_status_and_json_says_so()
    {
        WriteStatus = 500;

        var exitCode = Run("loadtest", "--url", $"http://127.0.0.1:{Port}", "--rps", "80", "--duration", "0.25", "--write-ratio", "1", "--json");

        Assert.True(exitCode == 0, _error.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(_output.ToString());
        Assert.Equal(20, json.RootElement.GetProperty("requests").GetInt32());
        Assert.Equal(20, json.RootElement.GetProperty("errors").GetInt32());
        Assert.Equal(20, json.RootElement.GetProperty("errorsByKind").GetProperty("500").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("kinds").GetProperty("write").GetProperty("p50").ValueKind);
    }

    [Theory]
    [InlineData("loadtest")]
    [InlineData("loadtest", "--url", "ftp://127.0.0.1/")]
    [InlineData("loadtest", "--url", "http://127.0.0.1:1", "--rps", "0")]
    [InlineData("loadtest", "--url", "http://127.0.0.1:1", "--write-ratio", "1.5")]
    [InlineData("loadtest", "--url", "http://127.0.0.1:1", "--like-ratio", "-0.1")]
    [InlineData("loadtest", "--url", "http://127.0.0.1:1", "--duration", "x")]
    public void Bad_arguments_exit_with_code_2(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString());
    }

    [Fact]
    public void An_unreachable_api_is_a_clear_error()
    {
        Assert.Equal(2, Run("loadtest", "--url", $"http://127.0.0.1:{FreePort()}", "--duration", "0.1"));
        Assert.Contains("cannot reach", _error.ToString());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        if (path == "/v1/events" && new StreamReader(context.Request.InputStream).ReadToEnd().Contains("\"type\":\"like\"", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _likes);
        }
        var (status, body) = path switch
        {
            "/v1/items" => (200, Count(ref _catalogueRequests, """{"total":2,"offset":0,"limit":500,"items":[{"itemId":"i1"},{"itemId":"i2"}]}""")),
            "/v1/events" => (WriteStatus, Count(ref _writes, "{}")),
            // Every third answer says a channel was late, as a loaded server's would.
            _ when path.EndsWith("/recommendations", StringComparison.Ordinal) => (200, Interlocked.Increment(ref _reads) % 3 == 0 ? """{"items":[],"degraded":["gru4rec"]}""" : """{"items":[],"degraded":[]}"""),
            _ => (404, "{}"),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    private static string Count(ref int counter, string body)
    {
        Interlocked.Increment(ref counter);
        return body;
    }
}
