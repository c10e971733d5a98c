using RecSys.Silo.Options;
using RecSys.Silo.StartupTasks;
using Microsoft.Extensions.DependencyInjection;

namespace RecSys.Silo;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        try
        {
            var app = SiloApplication.Build(args);
            // Resolved before running: RunAsync disposes the container when the host stops.
            var readiness = app.Services.GetRequiredService<ServingReadiness>();
            await app.RunAsync();
            if (readiness.Failure is { } failure)
            {
                await Console.Error.WriteLineAsync("recsys-silo: " + failure.Message);
            }
            return readiness.ExitCode;
        }
        catch (RecSysConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("recsys-silo: " + ex.Message);
            return 2;
        }
    }
}
