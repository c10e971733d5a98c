using System.Net;
using RecSys.Models.Data;

namespace RecSys.Silo.Options;

/// <summary>Where grain state and cluster membership live.</summary>
public enum StorageKind
{
    /// <summary>In-memory grain storage and localhost clustering: one process, nothing to install.</summary>
    Memory,

    /// <summary>Orleans ADO.NET clustering and grain storage on PostgreSQL (invariant Npgsql).</summary>
    Postgres,
}

/// <summary>How this process takes part in the cluster.</summary>
public enum HostRole
{
    /// <summary>Runs a silo in this process (the embedded default).</summary>
    Silo,

    /// <summary>Connects to silos elsewhere as an Orleans client (Api only).</summary>
    Client,
}

/// <summary>
/// Host settings, bound from configuration section "RecSys" (appsettings, RecSys__* environment variables,
/// or the command-line switches in <see cref="CommandLine"/>). Every default lives here.
/// </summary>
public sealed class RecSysOptions
{
    public const string Section = "RecSys";

    /// <summary>(string) Dataset to load: "synthetic[:users=N,items=N,seed=N]" or "movielens-100k:&lt;dir&gt;".</summary>
    public string Data { get; set; } = DatasetSpec.SyntheticKind;

    /// <summary>(string) "memory" or "postgres".</summary>
    public string Storage { get; set; } = "memory";

    /// <summary>(string) Npgsql connection string; required for postgres storage.</summary>
    public string? Connection { get; set; }

    /// <summary>(string) "silo" (default) or "client" (Api only: connect to separately running silos).</summary>
    public string Role { get; set; } = "silo";

    /// <summary>(string) Orleans cluster id: silos with the same id and storage form one cluster.</summary>
    public string ClusterId { get; set; } = "recsys";

    /// <summary>(string) Orleans service id: keys persisted grain state; keep it stable across deployments.</summary>
    public string ServiceId { get; set; } = "recsys";

    /// <summary>(int) Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>(int) Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// (string) IP address other silos and clients reach this silo on (postgres clustering), or "auto" for this
    /// host's first non-loopback IPv4 address (containers).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>(bool) Print the listening address and two commands to try once ready (an embedding host turns it off).</summary>
    public bool Banner { get; set; } = true;

    /// <summary>The address to advertise, with "auto" resolved from the network interfaces.</summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        if (!AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Parse(AdvertisedAddress);
        }
        var candidates = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return candidates.FirstOrDefault()
            ?? throw new RecSysConfigurationException("--advertised-address auto found no non-loopback IPv4 address; pass one explicitly");
    }

    public StorageKind StorageKind => Storage.Trim().ToLowerInvariant() switch
    {
        "postgres" or "postgresql" => StorageKind.Postgres,
        _ => StorageKind.Memory,
    };

    public HostRole HostRole => Role.Trim().ToLowerInvariant() == "client" ? HostRole.Client : HostRole.Silo;

    private static string? ConnectionProblem(string connection)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connection);
            return string.IsNullOrWhiteSpace(builder.Host) ? "it names no Host" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Every problem with these settings, phrased for the person who set them.</summary>
    public IEnumerable<string> Validate()
    {
        var storage = Storage.Trim().ToLowerInvariant();
        if (storage is not ("memory" or "postgres" or "postgresql"))
        {
            yield return $"--storage '{Storage}' is not supported; use 'memory' or 'postgres'";
        }
        if (StorageKind == StorageKind.Postgres && string.IsNullOrWhiteSpace(Connection))
        {
            yield return "--storage postgres needs --connection \"Host=...;Database=...;Username=...\" (or RecSys__Connection)";
        }
        else if (StorageKind == StorageKind.Postgres && ConnectionProblem(Connection!) is { } problem)
        {
            yield return "--connection is not a valid Npgsql connection string: " + problem;
        }
        if (Role.Trim().ToLowerInvariant() is not ("silo" or "client"))
        {
            yield return $"--role '{Role}' is not supported; use 'silo' or 'client'";
        }
        string? dataError = null;
        try
        {
            var spec = DatasetSpec.Parse(Data);
            var isFile = spec.Kind is DatasetSpec.FileKind or DatasetSpec.DigineticaKind;
            if (isFile ? !File.Exists(spec.Path) : spec.Path is { } folder && !Directory.Exists(folder))
            {
                dataError = $"--data: {(isFile ? "file" : "folder")} not found: {spec.Path}";
            }
        }
        catch (FormatException ex)
        {
            dataError = $"--data: {ex.Message}";
        }
        if (dataError is not null)
        {
            yield return dataError;
        }
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            yield return "--cluster-id must not be empty";
        }
        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            yield return "RecSys:ServiceId must not be empty";
        }
        if (SiloPort is < 1 or > 65535)
        {
            yield return $"--silo-port {SiloPort} is not a TCP port";
        }
        if (GatewayPort is < 1 or > 65535)
        {
            yield return $"--gateway-port {GatewayPort} is not a TCP port";
        }
        if (!IPAddress.TryParse(AdvertisedAddress, out _) && !AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"--advertised-address '{AdvertisedAddress}' is not an IP address or 'auto'";
        }
    }
}
