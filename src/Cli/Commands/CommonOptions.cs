using System.Globalization;

namespace RecSys.Cli.Commands;

/// <summary>The --seed, --device and --out switches every training command reads the same way, and --url of the API.</summary>
internal static class CommonOptions
{
    /// <summary>--url (required): the RecSys API's http(s) base address.</summary>
    public static Uri ApiUrl(Arguments arguments)
    {
        var text = arguments.Require("--url");
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"--url '{text}' is not an http(s) address such as http://127.0.0.1:5080");
    }

    /// <summary>--seed: a non-negative integer, 42 by default.</summary>
    public static ulong Seed(Arguments arguments)
    {
        var text = arguments.Optional("--seed") ?? "42";
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new UsageException($"--seed must be a non-negative integer; got '{text}'");
    }

    /// <summary>--device: auto (CUDA when present), cpu or cuda[:N].</summary>
    public static string Device(Arguments arguments)
    {
        var device = arguments.Optional("--device") ?? "auto";
        return device is "auto" or "cpu" || device.StartsWith("cuda", StringComparison.Ordinal)
            ? device
            : throw new UsageException($"--device '{device}' is not auto, cpu or cuda[:N]");
    }

    /// <summary>
    /// --out for a report: created before any work (a run must not train for minutes and then fail to write its
    /// report); null when not given.
    /// </summary>
    public static string? ReportFolder(Arguments arguments)
    {
        var folder = arguments.Optional("--out");
        if (folder is null)
        {
            return null;
        }
        if (File.Exists(folder))
        {
            throw new UsageException($"--out '{folder}' is a file; give a folder for report.md and report.json");
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out '{folder}' cannot be created: {ex.Message}");
        }
        return folder;
    }

    /// <summary>Writes report.md and report.json into <paramref name="folder"/> (when given) and says so.</summary>
    public static void WriteReport(string? folder, string markdown, string json, TextWriter error)
    {
        if (folder is null)
        {
            return;
        }
        File.WriteAllText(Path.Combine(folder, "report.md"), markdown);
        File.WriteAllText(Path.Combine(folder, "report.json"), json);
        error.WriteLine($"wrote {Path.Combine(folder, "report.md")} and report.json");
    }
}
