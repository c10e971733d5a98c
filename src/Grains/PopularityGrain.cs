using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// Time-decayed popularity of every item (dataset baseline + live engagement). Live engagement is a derived
/// aggregate (user and item grains hold the events), so it is persisted on a timer and on deactivation rather
/// than on every batch: a crash loses at most one flush interval of trending signal, never an event.
/// </summary>
public sealed class PopularityGrain(
    [PersistentState("popularity", StorageNames.Aggregates)] IPersistentState<PopularityState> state,
    IOptions<ServingOptions> options,
    TimeProvider clock) : Grain, IPopularityGrain
{
    // Scores that decayed below this are dropped at flush time (a weight-1 event reaches it after ~10 half-lives).
    private const double ForgetBelow = 1e-3;

    // The ranking is computed for at least this many items, so most requests are served from it.
    private const int MinRankingSize = 1000;

    private readonly ServingOptions _options = options.Value;
    private bool _dirty;
    private ImmutableArray<PopularItem> _ranking = [];
    private int _rankedFor;
    private DateTimeOffset _rankedAt;
    private IGrainTimer? _flushTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _flushTimer = this.RegisterGrainTimer(FlushAsync, _options.PopularityFlushInterval, _options.PopularityFlushInterval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flushTimer?.Dispose();
        await FlushAsync(cancellationToken);
    }

    public Task RecordAsync(ImmutableArray<PopularityDelta> deltas)
    {
        foreach (var delta in deltas)
        {
            if (delta.Weight <= 0)
            {
                continue;
            }
            if (!state.State.Live.TryGetValue(delta.ItemId, out var score))
            {
                score = new DecayedScore();
                state.State.Live.Add(delta.ItemId, score);
            }
            (score.Value, score.AsOf) = TimeDecay.Add(score.Value, score.AsOf, delta.Weight, delta.Timestamp, _options.PopularityHalfLife);
            _dirty = true;
        }
        // The ranking is not invalidated here: it refreshes at most every PopularityCacheDuration, so a busy
        // stream of events does not force a re-rank of the whole catalogue per batch.
        return Task.CompletedTask;
    }

    public async Task SeedBaselineAsync(string fingerprint, ImmutableArray<PopularItem> scores)
    {
        if (state.State.BaselineFingerprint == fingerprint)
        {
            return;
        }
        // The dataset may be years old; its scores describe relative popularity at its own end, so they are
        // re-based to now and decay from here like live engagement.
        var now = clock.GetUtcNow();
        state.State.Baseline = scores
            .Where(s => s.Score > 0)
            .ToDictionary(s => s.ItemId, s => new DecayedScore { Value = s.Score, AsOf = now }, StringComparer.Ordinal);
        state.State.BaselineFingerprint = fingerprint;
        _ranking = [];
        _dirty = true;
        await FlushAsync(CancellationToken.None);
    }

    public Task<ImmutableArray<PopularItem>> GetTopAsync(int count)
    {
        var now = clock.GetUtcNow();
        var stale = _ranking.IsDefault || now - _rankedAt >= _options.PopularityCacheDuration;
        // A ranking shorter than it was asked to be already holds every item, whatever count comes next.
        var tooShort = _ranking.Length < count && _ranking.Length == _rankedFor;
        if (stale || tooShort || _ranking.IsEmpty)
        {
            _rankedFor = Math.Max(count, MinRankingSize);
            _ranking = Rank(now, _rankedFor);
            _rankedAt = now;
        }
        return Task.FromResult(_ranking.Length <= count ? _ranking : _ranking[..count]);
    }

    private ImmutableArray<PopularItem> Rank(DateTimeOffset now, int count)
    {
        var halfLife = _options.PopularityHalfLife;
        // Ordered by the scores decayed to one reference time, the baseline's: decay to "now" multiplies every score
        // by the same factor and cannot change the order, but rounding the products to float would merge neighbours
        // the dataset's own popularity tells apart (and the ranker's training lists rank by that).
        var reference = state.State.Baseline.Count > 0 ? state.State.Baseline.Values.Max(v => v.AsOf) : now;
        var totals = new Dictionary<string, double>(state.State.Baseline.Count + state.State.Live.Count, StringComparer.Ordinal);
        foreach (var source in new[] { state.State.Baseline, state.State.Live })
        {
            foreach (var (itemId, score) in source)
            {
                totals[itemId] = totals.GetValueOrDefault(itemId) + TimeDecay.Decay(score.Value, score.AsOf, reference, halfLife);
            }
        }

        // Partial selection over dense indices: O(n log k), not a sort of the whole catalogue.
        var ids = totals.Keys.ToArray();
        var top = new TopK(count);
        for (var i = 0; i < ids.Length; i++)
        {
            top.Offer(i, (float)totals[ids[i]]);
        }
        var toNow = TimeDecay.Decay(1.0, reference, now, halfLife);
        return [.. top.ToSortedArray().Select(s => new PopularItem(ids[s.Item], totals[ids[s.Item]] * toNow))];
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        Forget(state.State.Live);
        Forget(state.State.Baseline);
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (InconsistentStateException)
        {
            // Our ETag is stale (an earlier write committed but its answer was lost, or another activation
            // wrote). This grain's memory holds the freshest aggregate: take the stored ETag and write ours again.
            _dirty = true;
            var mine = state.State;
            await state.ReadStateAsync(cancellationToken);
            state.State = mine;
            await state.WriteStateAsync(cancellationToken);
            _dirty = false;
        }
        catch
        {
            _dirty = true; // retried on the next tick
            throw;
        }
    }

    private void Forget(Dictionary<string, DecayedScore> scores)
    {
        var now = clock.GetUtcNow();
        var faded = scores
            .Where(kv => TimeDecay.Decay(kv.Value.Value, kv.Value.AsOf, now, _options.PopularityHalfLife) < ForgetBelow)
            .Select(kv => kv.Key)
            .ToList();
        foreach (var itemId in faded)
        {
            scores.Remove(itemId);
        }
    }
}
