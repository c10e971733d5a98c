using System.Text.Json;
using System.Text.RegularExpressions;

namespace RecSys.TestSupport;

/// <summary>
/// The Grafana dashboard shipped in deploy/grafana/dashboards: its panels (rows' nested panels included), the checks
/// an import relies on, and the metric series its queries name, so tests can hold them against a real /metrics scrape.
/// </summary>
public sealed partial class GrafanaDashboard
{
    /// <summary>
    /// Series of the PostgreSQL event log: only a process in PostgreSQL mode exports them, so they are checked
    /// against such a process (Integration.Tests) and every other series against a memory-mode one.
    /// </summary>
    public const string EventLogSeriesPrefix = "recsys_ingest_";

    private const int GridColumns = 24;

    // Panels inside a collapsed row keep the grid positions they take when it opens: they may share cells with
    // the panels below the row, so only top-level panels are checked for overlaps.
    private readonly IReadOnlyList<bool> _inCollapsedRow;

    private GrafanaDashboard(JsonElement root, IReadOnlyList<JsonElement> panels, IReadOnlyList<bool> inCollapsedRow, string datasourceUid)
    {
        Root = root;
        Panels = panels;
        _inCollapsedRow = inCollapsedRow;
        DatasourceUid = datasourceUid;
    }

    public static string FilePath { get; } = System.IO.Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "dashboards", "recsys-overview.json");

    public JsonElement Root { get; }

    /// <summary>Every panel, rows and the panels inside collapsed rows included, in file order.</summary>
    public IReadOnlyList<JsonElement> Panels { get; }

    /// <summary>The uid of the Prometheus datasource Grafana is provisioned with (deploy/grafana/provisioning).</summary>
    public string DatasourceUid { get; }

    /// <summary>The PromQL of every query target.</summary>
    public IReadOnlyList<string> Expressions => [.. Panels.Where(HasTargets).SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!)];

    /// <summary>The distinct recsys_* and orleans_* series the queries read (e.g. recsys_rank_duration_seconds_bucket).</summary>
    public IReadOnlyList<string> Series => [.. Expressions.SelectMany(e => SeriesName().Matches(e).Select(m => m.Value)).Distinct().Order(StringComparer.Ordinal)];

    public static GrafanaDashboard Load()
    {
        // Parsed into a document that outlives this call: the elements are handed out.
        var root = JsonDocument.Parse(File.ReadAllText(FilePath)).RootElement;
        var panels = new List<JsonElement>();
        var inCollapsedRow = new List<bool>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            panels.Add(panel);
            inCollapsedRow.Add(false);
            if (panel.TryGetProperty("panels", out var nested))
            {
                panels.AddRange(nested.EnumerateArray());
                inCollapsedRow.AddRange(nested.EnumerateArray().Select(_ => true));
            }
        }
        var provisioning = File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml"));
        var uid = DatasourceUidLine().Match(provisioning) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidDataException("deploy/grafana/provisioning/datasources/prometheus.yml names no datasource uid");
        return new GrafanaDashboard(root, panels, inCollapsedRow, uid);
    }

    /// <summary>
    /// What would make Grafana reject or mis-draw the dashboard: missing identity fields, duplicate panel ids,
    /// panels off the 24-column grid or on top of each other, queries without a refId or PromQL, refIds repeated in
    /// a panel, a datasource other than the provisioned one, and bucket series read without histogram_quantile.
    /// Empty when the dashboard is fine.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var field in new[] { "uid", "title", "schemaVersion", "panels" })
        {
            if (!Root.TryGetProperty(field, out _))
            {
                problems.Add($"the dashboard has no {field}");
            }
        }

        var ids = new HashSet<int>();
        var cells = new Dictionary<(int X, int Y), string>();
        for (var index = 0; index < Panels.Count; index++)
        {
            var panel = Panels[index];
            var title = panel.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            var name = $"panel '{title}'";
            if (!panel.TryGetProperty("id", out var id) || !id.TryGetInt32(out var number))
            {
                problems.Add($"{name} has no integer id");
            }
            else if (!ids.Add(number))
            {
                problems.Add($"{name} repeats id {number}");
            }
            if (title.Length == 0 || !panel.TryGetProperty("type", out _))
            {
                problems.Add($"{name} needs a title and a type");
            }
            if (!panel.TryGetProperty("gridPos", out var grid))
            {
                problems.Add($"{name} has no gridPos");
                continue;
            }
            var (x, y, w, h) = (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > GridColumns)
            {
                problems.Add($"{name} lies off the {GridColumns}-column grid ({x},{y} {w}x{h})");
            }
            for (var column = x; column < x + w && !_inCollapsedRow[index]; column++)
            {
                for (var row = y; row < y + h; row++)
                {
                    if (!cells.TryAdd((column, row), title))
                    {
                        problems.Add($"{name} overlaps panel '{cells[(column, row)]}' at {column},{row}");
                        column = x + w; // one report per pair of panels is enough
                        break;
                    }
                }
            }

            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }
            if (!HasTargets(panel))
            {
                problems.Add($"{name} has no queries");
                continue;
            }
            if (!panel.TryGetProperty("datasource", out var datasource) || datasource.GetProperty("uid").GetString() != DatasourceUid)
            {
                problems.Add($"{name} does not query the provisioned datasource '{DatasourceUid}'");
            }
            var refIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var refId = target.TryGetProperty("refId", out var r) ? r.GetString() : null;
                var expr = target.TryGetProperty("expr", out var e) ? e.GetString() : null;
                if (string.IsNullOrEmpty(refId) || !refIds.Add(refId))
                {
                    problems.Add($"{name} has a query without a refId of its own ('{refId}')");
                }
                if (string.IsNullOrWhiteSpace(expr))
                {
                    problems.Add($"{name} has a query without PromQL");
                }
                else if (expr.Contains("_bucket", StringComparison.Ordinal)
                         && (!expr.Contains("histogram_quantile(", StringComparison.Ordinal) || !LeGrouping().IsMatch(expr)))
                {
                    // A bucket series summed without le gives meaningless numbers, not an error: the kind of slip
                    // no one notices on a dashboard.
                    problems.Add($"{name} reads buckets without histogram_quantile over sum by (le, ...): {expr}");
                }
            }
        }
        return problems;
    }

    /// <summary>The series of <see cref="Series"/> (filtered by <paramref name="include"/>) that <paramref name="metrics"/> (a /metrics scrape) lacks.</summary>
    public IReadOnlyList<string> MissingFrom(string metrics, Func<string, bool> include) =>
        [.. Series.Where(include).Where(name => !metrics.Contains(name + "{", StringComparison.Ordinal) && !metrics.Contains(name + " ", StringComparison.Ordinal))];

    private static bool HasTargets(JsonElement panel) =>
        panel.TryGetProperty("targets", out var targets) && targets.ValueKind == JsonValueKind.Array && targets.GetArrayLength() > 0;

    [GeneratedRegex(@"\b(?:recsys|orleans)_[a-z_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"^\s*uid:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DatasourceUidLine();

    [GeneratedRegex(@"by \(le\b")]
    private static partial Regex LeGrouping();
}
