namespace RecSys.Silo.Options;

/// <summary>
/// Command-line switches of the Api and Silo hosts, mapped onto configuration keys. Anything else of the form
/// --Section:Key=value still works as plain configuration; an unknown plain switch is an error, not a silent no-op.
/// </summary>
public static class CommandLine
{
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data"] = "RecSys:Data",
        ["--storage"] = "RecSys:Storage",
        ["--connection"] = "RecSys:Connection",
        ["--role"] = "RecSys:Role",
        ["--cluster-id"] = "RecSys:ClusterId",
        ["--silo-port"] = "RecSys:SiloPort",
        ["--gateway-port"] = "RecSys:GatewayPort",
        ["--advertised-address"] = "RecSys:AdvertisedAddress",
        ["--artifacts"] = "RecSys:Models:Artifacts",
        ["--train"] = "RecSys:Models:Train",
    };

    // Switches ASP.NET Core's own host understands.
    private static readonly HashSet<string> HostSwitches = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "environment", "contentRoot", "applicationName", "http_ports", "https_ports",
    };

    /// <summary>Returns a message for the first argument that is not a known switch, or null.</summary>
    public static string? FindUnknownSwitch(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return $"unexpected argument '{arg}'";
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg : arg[..eq];
            // Configuration paths (--Section:Key=value) and empty section entries (--Section=, which hosting tools
            // such as WebApplicationFactory pass along) are configuration, not switches.
            var isConfiguration = name.Contains(':', StringComparison.Ordinal) || (eq > 0 && eq == arg.Length - 1);
            if (!SwitchMappings.ContainsKey(name) && !HostSwitches.Contains(name[2..]) && !isConfiguration)
            {
                return $"unknown option '{name}'; known options: {string.Join(", ", SwitchMappings.Keys)}, --urls";
            }
            if (eq < 0)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return $"option '{name}' needs a value";
                }
                i++;
            }
        }
        return null;
    }
}
