using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// Time-decayed popularity of every item (dataset baseline + live engagement). Live engagement is a derived
/// aggregate (the user grains hold the events), so it is persisted on a timer and on deactivation rather than
/// on every batch; a crash loses at most one flush interval of trending signal, never an event.
/// </summary>
public sealed class PopularityGrain(
    [PersistentState("popularity", StorageNames.Aggregates)] IPersistentState<PopularityState> state,
    IOptions<ServingOptions> options,
    TimeProvider clock) : Grain, IPopularityGrain
{
    private readonly ServingOptions _options = options.Value;
    private bool _dirty;
    private ImmutableArray<PopularItem> _ranking = [];
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
        _ranking = [];
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
        await state.WriteStateAsync();
        _dirty = false;
    }

    public Task<ImmutableArray<PopularItem>> GetTopAsync(int count)
    {
        var now = clock.GetUtcNow();
        if (_ranking.IsDefaultOrEmpty || now - _rankedAt > _options.PopularityCacheDuration || _ranking.Length < count)
        {
            _ranking = Rank(now, Math.Max(count, 1000));
            _rankedAt = now;
        }
        return Task.FromResult(_ranking.Length <= count ? _ranking : _ranking[..count]);
    }

    private ImmutableArray<PopularItem> Rank(DateTimeOffset now, int count)
    {
        var halfLife = _options.PopularityHalfLife;
        var totals = new Dictionary<string, double>(state.State.Baseline.Count + state.State.Live.Count, StringComparer.Ordinal);
        foreach (var source in new[] { state.State.Baseline, state.State.Live })
        {
            foreach (var (itemId, score) in source)
            {
                totals[itemId] = totals.GetValueOrDefault(itemId) + TimeDecay.Decay(score.Value, score.AsOf, now, halfLife);
            }
        }
        return
        [
            .. totals
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Take(count)
                .Select(kv => new PopularItem(kv.Key, kv.Value)),
        ];
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true; // retried on the next tick
            throw;
        }
    }
}
