using RecSys.Api.Validation;

namespace RecSys.Api.Services;

/// <summary>
/// The durable record of accepted events, written before any grain sees them. One implementation per storage
/// kind: PostgreSQL (<see cref="PostgresEventLog"/>) or none in memory mode (<see cref="NoEventLog"/>).
/// </summary>
internal interface IEventLog
{
    /// <summary>
    /// True when appended events survive the process. Only then does the ingestor give id-less events a server id:
    /// the id is the row's key and lets replay de-duplicate them; without a log it would only crowd the grains'
    /// remembered ids.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>
    /// Appends events (of users or sessions) that all carry an eventId; completes once they are committed (an
    /// eventId the log already holds for that user, or that session, is skipped, so retries are written once). Throws <see cref="EventLogUnavailableException"/>
    /// when the write failed: nothing of the call may be assumed durable and the client must retry.
    /// </summary>
    Task AppendAsync(IReadOnlyList<IngestEvent> events);
}

/// <summary>
/// Memory mode keeps no event log: it promises no durability (grain state is in memory too), so there is nothing
/// to replay from. Appends complete at once.
/// </summary>
internal sealed class NoEventLog : IEventLog
{
    public bool IsDurable => false;

    public Task AppendAsync(IReadOnlyList<IngestEvent> events) => Task.CompletedTask;
}

/// <summary>The event log could not commit a batch; the API answers 503 so the client retries.</summary>
internal sealed class EventLogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
