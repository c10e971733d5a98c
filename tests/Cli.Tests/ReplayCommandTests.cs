using System.Net;
using System.Net.Sockets;

namespace RecSys.Cli.Tests;

/// <summary><c>recsys replay</c>'s arguments (replay against PostgreSQL and the API is in Integration.Tests).</summary>
public sealed class ReplayCommandTests
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Theory]
    [InlineData("replay")]
    [InlineData("replay", "--connection", "Host=127.0.0.1")]
    [InlineData("replay", "--url", "ftp://x/", "--connection", "Host=127.0.0.1")]
    [InlineData("replay", "--url", "http://127.0.0.1:1")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Database=recsys")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "NoSuchKeyword=1")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--since", "-1")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--since", "abc")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--batch", "0")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--batch", "10001")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--user", " ")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--users", "a")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--session", " ")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--user", "a", "--session", "b")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--only", "users", "--user", "a")]
    [InlineData("replay", "--url", "http://127.0.0.1:1", "--connection", "Host=127.0.0.1", "--only", "everyone")]
    public void Bad_arguments_exit_with_code_2_and_a_message(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString());
        Assert.Equal("", _output.ToString());
    }

    [Fact]
    public void An_unreachable_database_is_a_clear_error_naming_the_server_not_the_password()
    {
        var port = FreePort();

        var exitCode = Run("replay", "--url", "http://127.0.0.1:1", "--connection", $"Host=127.0.0.1;Port={port};Database=events;Password=secret-pw;Timeout=2");

        Assert.Equal(2, exitCode);
        Assert.Contains($"cannot connect to PostgreSQL at 127.0.0.1:{port}, database 'events'", _error.ToString());
        Assert.DoesNotContain("secret-pw", _error.ToString());
    }

    [Fact]
    public void Help_lists_the_command()
    {
        Run("--help");
        Assert.Contains("replay --url <api> --connection <npgsql>", _output.ToString());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
