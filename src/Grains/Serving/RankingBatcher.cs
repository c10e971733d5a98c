using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RecSys.Grains.Diagnostics;
using RecSys.Models.Ranking;

namespace RecSys.Grains.Serving;

/// <summary>
/// Gathers the ranking requests of one silo into batches: a worker takes the first waiting request, keeps taking
/// requests for up to <see cref="ServingOptions.RankBatchDelay"/> (or until <see cref="ServingOptions.RankMaxBatchRows"/>
/// candidate rows), and scores each ranker's share in one forward pass. <see cref="ServingOptions.RankConcurrency"/>
/// workers run, so at most that many forward passes run at once. Workers are plain threads, not grain turns: a
/// forward pass never holds up the grain scheduler, and its dispose scope stays on one thread.
/// </summary>
public sealed class RankingBatcher : IDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly ServingOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private long _forwardPasses;

    public RankingBatcher(IOptions<ServingOptions> options)
    {
        _options = options.Value;
        // Report the drop counter at 0 from the start: Prometheus' rate() misses the first increase of a series that
        // only appears with it, so the first overload would go unseen on the dashboard and by alerts.
        GrainMetrics.RankDropped.Add(0);
        _workers = [.. Enumerable.Range(0, _options.RankConcurrency).Select(_ => Task.Factory.StartNew(() => Work(_stop.Token), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())];
    }

    /// <summary>Batches scored so far (each a forward pass per ranker in it).</summary>
    public long Batches => Interlocked.Read(ref _forwardPasses);

    /// <summary>Task-0 probabilities of each candidate of <paramref name="request"/>, in order.</summary>
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
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(RankingBatcher));
        }
        return pending.Done.Task;
    }

    private async Task Work(CancellationToken stop)
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!await reader.WaitToReadAsync(stop))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            batch.Clear();
            var rows = 0;
            var deadline = Stopwatch.GetTimestamp() + (long)(_options.RankBatchDelay.TotalSeconds * Stopwatch.Frequency);
            while (rows < _options.RankMaxBatchRows)
            {
                if (reader.TryRead(out var next))
                {
                    if (Stopwatch.GetTimestamp() > next.Expires)
                    {
                        GrainMetrics.RankDropped.Add(1);
                        next.Done.TrySetCanceled();
                        continue;
                    }
                    batch.Add(next);
                    rows += next.Request.Candidates.Count;
                    continue;
                }
                var remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0 || batch.Count == 0)
                {
                    break;
                }
                // Wait for more requests, but not past the deadline.
                var wait = reader.WaitToReadAsync(stop).AsTask();
                var delay = Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), stop);
                try
                {
                    if (await Task.WhenAny(wait, delay) == delay)
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (batch.Count > 0)
            {
                Score(batch, rows);
            }
        }
    }

    private void Score(List<Pending> batch, int rows)
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
                var scores = group.Key.Scorer.Score([.. requests.Select(p => p.Request)]);
                var tasks = group.Key.Scorer.Features.Map.Tasks.Count;
                for (var r = 0; r < requests.Count; r++)
                {
                    var first = new float[requests[r].Request.Candidates.Count];
                    for (var n = 0; n < first.Length; n++)
                    {
                        first[n] = scores[r][n * tasks];
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
        _queue.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            Task.WaitAll(_workers, TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Workers end by cancellation.
        }
        while (_queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetCanceled();
        }
        _stop.Dispose();
    }

    private sealed record Pending(RankerModel Ranker, RankingRequest Request, TaskCompletionSource<float[]> Done, long Enqueued, long Expires);
}
