using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecSys.Silo.Options;
using RecSys.Silo.StartupTasks;

namespace RecSys.Silo;

/// <summary>Runs a RecSys host and turns how it ended into a process exit code and a one-line message.</summary>
public static class HostRunner
{
    /// <returns>0 after a normal shutdown; 2 for bad configuration or bad data; 1 for any other failure.</returns>
    public static async Task<int> RunAsync(WebApplication app, string program)
    {
        // Resolved before running: RunAsync disposes the container when the host stops.
        var readiness = app.Services.GetRequiredService<ServingReadiness>();
        try
        {
            await app.RunAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"{program}: could not start: {Describe(ex)}");
            return ex is RecSysConfigurationException ? 2 : 1;
        }

        if (readiness.Failure is { } failure)
        {
            await Console.Error.WriteLineAsync($"{program}: {Describe(failure)}");
        }
        return readiness.ExitCode;
    }

    private static string Describe(Exception ex) => ex is AggregateException { InnerExceptions.Count: 1 } aggregate
        ? Describe(aggregate.InnerExceptions[0])
        : ex.Message;
}
