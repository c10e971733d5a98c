namespace RecSys.Models.Data;

/// <summary>
/// Maps external string ids to dense indices 0..Count-1 and back, in first-seen order.
/// Not thread-safe while being built; read-only use after construction is safe.
/// </summary>
public sealed class IdVocabulary
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];

    public IdVocabulary()
    {
    }

    public IdVocabulary(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            GetOrAdd(id);
        }
    }

    public int Count => _ids.Count;

    public IReadOnlyList<string> Ids => _ids;

    public string this[int index] => _ids[index];

    public int GetOrAdd(string id)
    {
        if (!_index.TryGetValue(id, out var index))
        {
            index = _ids.Count;
            _index.Add(id, index);
            _ids.Add(id);
        }
        return index;
    }

    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);

    public bool Contains(string id) => _index.ContainsKey(id);
}
