using RecSys.Models.Data;

namespace RecSys.Cli;

/// <summary>
/// Parses the command line and runs a command. Exit codes: 0 success, 1 failure while running,
/// 2 bad arguments or bad input data (with a message on standard error).
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    private const string Help = """
        usage: recsys <command> [options]

        commands:
          data stats --data <spec>    users, items, interactions, density, rating histogram

        data specs:
          synthetic[:users=N,items=N,categories=N,days=N,seed=N]   generated, deterministic
          movielens-100k:<folder>                                 u.data (+ u.item, u.user)

        The API and silos are separate programs: dotnet run --project src/Api (or src/Silo).
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.Write(Help);
            return args.Length == 0 ? Usage : Success;
        }

        try
        {
            return args switch
            {
                ["data", "stats", .. var rest] => DataStats(Options.Parse(rest, "--data"), output),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args.Take(2))}'; run 'recsys --help'"),
            };
        }
        catch (UsageException ex)
        {
            error.WriteLine("recsys: " + ex.Message);
            return Usage;
        }
        catch (Exception ex) when (ex is FormatException or DataFormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine("recsys: " + ex.Message);
            return Usage;
        }
    }

    private static int DataStats(Options options, TextWriter output)
    {
        var spec = DatasetSpec.Parse(options.Require("--data"));
        output.Write(DatasetStatistics.Compute(spec.Load()).ToReport());
        return Success;
    }

    /// <summary>"--name value" pairs, each name allowed by the command.</summary>
    private sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public static Options Parse(IReadOnlyList<string> args, params string[] allowed)
        {
            var options = new Options();
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                if (!allowed.Contains(name))
                {
                    throw new UsageException($"unknown option '{name}'; expected {string.Join(", ", allowed)}");
                }
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option '{name}' needs a value");
                }
                options._values[name] = args[++i];
            }
            return options;
        }

        public string Require(string name) =>
            _values.TryGetValue(name, out var value) ? value : throw new UsageException($"missing {name} <value>");
    }

    private sealed class UsageException(string message) : Exception(message);
}
