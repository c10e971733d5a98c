using System.Collections.Immutable;
using RecSys.Grains.Contracts;
using RecSys.Models.Data;

namespace RecSys.Grains.Serving;

/// <summary>
/// The query vectors of one history for the vector models of one version, kept in a grain activation (derived
/// from the persisted history, so never stored). A recurrent model (GRU4Rec) advances its state by one step per
/// event; the others recompute from the history once per accepted batch. A version change recomputes everything.
/// </summary>
internal sealed class LiveVectors
{
    private string? _version;
    private ImmutableArray<ChannelVector> _vectors = [];

    public string? Version => _version;

    /// <summary>The vectors for <paramref name="models"/>, recomputed from <paramref name="recent"/> if they belong to another version.</summary>
    public ImmutableArray<ChannelVector> Get(ServingModelSet? models, IReadOnlyList<UserEvent> recent)
    {
        if (models is null)
        {
            return [];
        }
        if (_version != models.Version)
        {
            Recompute(models, recent);
        }
        return _vectors;
    }

    /// <summary>Brings the vectors up to date after <paramref name="accepted"/> was appended to the history.</summary>
    public void Advance(ServingModelSet? models, IReadOnlyList<UserEvent> recent, IReadOnlyList<UserEvent> accepted)
    {
        if (models is null || accepted.Count == 0)
        {
            return;
        }
        if (_version != models.Version)
        {
            Recompute(models, recent);
            return;
        }
        var next = ImmutableArray.CreateBuilder<ChannelVector>(models.Vectors.Count);
        foreach (var model in models.Vectors)
        {
            var previous = Find(model.Name);
            if (model.IsRecurrent && previous is not null)
            {
                var vector = previous;
                foreach (var e in accepted)
                {
                    if (InHistory(e) && model.Items.TryGetIndex(e.ItemId, out var item))
                    {
                        vector = model.Step(vector, item);
                    }
                }
                next.Add(new ChannelVector(model.Name, vector));
            }
            else
            {
                next.Add(new ChannelVector(model.Name, model.UserVector(History(model.Items, recent))));
            }
        }
        _vectors = next.MoveToImmutable();
    }

    /// <summary>Item indices of the history in <paramref name="items"/>, oldest first (skips and unknown items left out).</summary>
    public static List<int> History(IdVocabulary items, IReadOnlyList<UserEvent> recent)
    {
        var history = new List<int>(recent.Count);
        foreach (var e in recent)
        {
            if (InHistory(e) && items.TryGetIndex(e.ItemId, out var item))
            {
                history.Add(item);
            }
        }
        return history;
    }

    // A skip says the user did not want the item: it is not part of the sequence the models read.
    private static bool InHistory(UserEvent e) => e.Type != EventType.Skip;

    private float[]? Find(string channel)
    {
        foreach (var v in _vectors)
        {
            if (v.Channel == channel)
            {
                return v.Vector;
            }
        }
        return null;
    }

    private void Recompute(ServingModelSet models, IReadOnlyList<UserEvent> recent)
    {
        var next = ImmutableArray.CreateBuilder<ChannelVector>(models.Vectors.Count);
        foreach (var model in models.Vectors)
        {
            next.Add(new ChannelVector(model.Name, model.UserVector(History(model.Items, recent))));
        }
        _vectors = next.MoveToImmutable();
        _version = models.Version;
    }
}
