using Microsoft.Extensions.Diagnostics.HealthChecks;
using RecSys.Models.Data;

namespace RecSys.Silo.StartupTasks;

/// <summary>Whether this host can answer requests: models loaded and the catalogue seeded (or, for a client, connected).</summary>
public sealed class ServingReadiness
{
    private volatile string _status = "starting";
    private volatile bool _ready;

    public bool IsReady => _ready;

    public string Status => _status;

    /// <summary>
    /// What start-up did about a model version: "pending" until it decided, then "active &lt;version&gt;", "none" (nothing
    /// to train or activate: ItemCF and popularity serve) or "failed: &lt;why&gt;" (ItemCF and popularity keep serving).
    /// </summary>
    public string ModelStatus { get; private set; } = "pending";

    /// <summary>True once <see cref="ModelStatus"/> is final.</summary>
    public bool ModelStatusKnown => ModelStatus != "pending";

    public void ReportModels(string status) => ModelStatus = status;

    /// <summary>Why start-up failed, if it did.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Process exit code after the host stops: 2 when the data was bad (a user error), 1 otherwise.</summary>
    public int ExitCode => Failure switch
    {
        null => 0,
        DataFormatException or FileNotFoundException or DirectoryNotFoundException or FormatException => 2,
        _ => 1,
    };

    public void Report(string status) => _status = status;

    public void MarkReady(string status)
    {
        _status = status;
        _ready = true;
    }

    /// <summary>Not able to serve for now (e.g. a client lost its gateways); may become ready again.</summary>
    public void MarkUnready(string status)
    {
        _ready = false;
        _status = status;
    }

    public void MarkFailed(Exception failure)
    {
        Failure = failure;
        _status = "failed: " + failure.Message;
    }
}

/// <summary>/health/ready: healthy once <see cref="ServingReadiness"/> says so.</summary>
public sealed class ServingReadinessCheck(ServingReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy(readiness.Status)
            : HealthCheckResult.Unhealthy(readiness.Status));
}
