using RecSys.Silo.Options;

namespace RecSys.Silo;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        try
        {
            return await HostRunner.RunAsync(SiloApplication.Build(args), "recsys-silo");
        }
        catch (RecSysConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("recsys-silo: " + ex.Message);
            return 2;
        }
    }
}
