using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using RecSys.Grains.Diagnostics;
using RecSys.Models.Ranking;
using RecSys.Models.Torch;

namespace RecSys.Grains.Serving;

/// <summary>
/// Gathers the ranking requests of one silo into batches: a worker takes the first waiting request, keeps taking
/// requests for up to <see cref="ServingOptions.RankBatchDelay"/> (or until <see cref="ServingOptions.RankMaxBatchRows"/>
/// candidate rows), and scores each ranker's share in one forward pass with its own copy of the ranker.
/// <see cref="ServingOptions.RankConcurrency"/> workers run, so at most that many forward passes run at once.
/// <para>
/// Workers are dedicated threads that block while they wait, never thread-pool threads or grain turns: a forward pass
/// takes milliseconds of CPU, and on a two-core silo the pool has two threads at first; a pass running on one of them
/// left Kestrel and every grain one thread until the pool grew, which showed as tail latency on requests that never
/// reached the ranker. A dispose scope also stays on one thread this way.
/// </para>
/// </summary>
public sealed class RankingBatcher : IDisposable
{
    private readonly BlockingCollection<Pending> _queue = new(new ConcurrentQueue<Pending>());
    private readonly ServingOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _workers;
    private long _forwardPasses;

    public RankingBatcher(IOptions<ServingOptions> options)
    {
        _options = options.Value;
        TorchRuntime.ConfigureThreads(_options.TorchThreads);
        // Report the drop counter at 0 from the start: Prometheus' rate() misses the first increase of a series that
        // only appears with it, so the first overload would go unseen on the dashboard and by alerts.
        GrainMetrics.RankDropped.Add(0);
        _workers = [.. Enumerable.Range(0, _options.RankConcurrency).Select(worker => new Thread(() => Work(worker, _stop.Token))
        {
            IsBackground = true,
            Name = $"recsys-rank-{worker}",
        })];
        foreach (var thread in _workers)
        {
            thread.Start();
        }
    }

    /// <summary>Batches scored so far (each a forward pass per ranker in it).</summary>
    public long Batches => Interlocked.Read(ref _forwardPasses);

    /// <summary>The ranker's serving task's probabilities (<see cref="RankerModel.Task"/>) of each candidate of <paramref name="request"/>, in order.</summary>
    /// <param name="ranker">The ranker to score with.</param>
    /// <param name="request">The candidates and their context.</param>
    /// <param name="deadline">
    /// When the caller stops waiting: a request still queued then is dropped (cancelled) rather than scored, so an
    /// overload sheds the work nobody waits for instead of building a backlog that delays every later request.
    /// </param>
    public Task<float[]> ScoreAsync(RankerModel ranker, RankingRequest request, TimeSpan? deadline = null)
    {
        if (request.Candidates.Count == 0)
        {
            return Task.FromResult(Array.Empty<float>());
        }
        var now = Stopwatch.GetTimestamp();
        var expires = deadline is { } d ? now + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var pending = new Pending(ranker, request, new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously), now, expires);
        try
        {
            _queue.Add(pending);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(RankingBatcher));
        }
        return pending.Done.Task;
    }

    private void Work(int worker, CancellationToken stop)
    {
        var batch = new List<Pending>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                batch.Clear();
                var rows = 0;
                var deadline = long.MaxValue; // set when the first live request is taken
                while (rows < _options.RankMaxBatchRows)
                {
                    // The first request is awaited; more are awaited until the gathering delay is over, and after
                    // it only those already queued are taken (a backlog is scored in full passes).
                    var wait = Timeout.Infinite;
                    if (batch.Count > 0)
                    {
                        var remaining = deadline - Stopwatch.GetTimestamp();
                        wait = remaining <= 0 ? 0 : (int)Math.Ceiling(remaining * 1000.0 / Stopwatch.Frequency);
                    }
                    if (!_queue.TryTake(out var next, wait, stop))
                    {
                        break; // nothing more within the delay, or the queue was closed
                    }
                    if (Stopwatch.GetTimestamp() > next.Expires)
                    {
                        GrainMetrics.RankDropped.Add(1);
                        next.Done.TrySetCanceled();
                        continue;
                    }
                    if (batch.Count == 0)
                    {
                        deadline = Stopwatch.GetTimestamp() + (long)(_options.RankBatchDelay.TotalSeconds * Stopwatch.Frequency);
                    }
                    batch.Add(next);
                    rows += next.Request.Candidates.Count;
                }
                if (batch.Count > 0)
                {
                    Score(batch, rows, worker);
                }
                else if (_queue.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: Dispose cancels whatever is still queued.
        }
        foreach (var p in batch)
        {
            p.Done.TrySetCanceled();
        }
    }

    private void Score(List<Pending> batch, int rows, int worker)
    {
        Interlocked.Increment(ref _forwardPasses);
        var started = Stopwatch.GetTimestamp();
        GrainMetrics.RankBatchRequests.Record(batch.Count);
        GrainMetrics.RankBatchRows.Record(rows);
        foreach (var group in batch.GroupBy(p => p.Ranker))
        {
            var requests = group.ToList();
            try
            {
                var scores = group.Key.ScorerFor(worker).Score([.. requests.Select(p => p.Request)]);
                var tasks = group.Key.Scorer.Features.Map.Tasks.Count;
                for (var r = 0; r < requests.Count; r++)
                {
                    var first = new float[requests[r].Request.Candidates.Count];
                    for (var n = 0; n < first.Length; n++)
                    {
                        first[n] = scores[r][n * tasks + group.Key.Task];
                    }
                    requests[r].Done.TrySetResult(first);
                }
            }
            catch (Exception ex)
            {
                foreach (var p in requests)
                {
                    p.Done.TrySetException(ex);
                }
            }
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        GrainMetrics.RankForwardSeconds.Record(seconds);
        foreach (var p in batch)
        {
            GrainMetrics.RankQueueSeconds.Record(Stopwatch.GetElapsedTime(p.Enqueued, started).TotalSeconds);
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _stop.Cancel();
        foreach (var thread in _workers)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
        while (_queue.TryTake(out var left))
        {
            left.Done.TrySetCanceled();
        }
        _stop.Dispose();
        _queue.Dispose();
    }

    private sealed record Pending(RankerModel Ranker, RankingRequest Request, TaskCompletionSource<float[]> Done, long Enqueued, long Expires);
}
