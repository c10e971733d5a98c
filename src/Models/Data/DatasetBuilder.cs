namespace RecSys.Models.Data;

/// <summary>
/// Accumulates users, items and interactions for a loader. Catalogue entries declared with
/// <see cref="AddItem"/>/<see cref="AddUser"/> may be made mandatory: interactions then must refer to them.
/// </summary>
public sealed class DatasetBuilder(string name)
{
    private readonly IdVocabulary _users = new();
    private readonly IdVocabulary _items = new();
    private readonly List<UserInfo> _userInfos = [];
    private readonly List<ItemInfo> _itemInfos = [];
    private readonly List<Interaction> _interactions = [];

    private string? _userFile;
    private string? _itemFile;

    /// <summary>From now on interactions must name a user declared with <see cref="AddUser"/> (read from <paramref name="file"/>).</summary>
    public void RequireUsersFrom(string file) => _userFile = Path.GetFileName(file);

    /// <summary>From now on interactions must name an item declared with <see cref="AddItem"/> (read from <paramref name="file"/>).</summary>
    public void RequireItemsFrom(string file) => _itemFile = Path.GetFileName(file);

    public int InteractionCount => _interactions.Count;

    /// <summary>Declares an item; false if it was already declared (the caller reports the duplicate).</summary>
    public bool AddItem(ItemInfo item)
    {
        if (_items.Contains(item.Id))
        {
            return false;
        }
        _items.GetOrAdd(item.Id);
        _itemInfos.Add(item);
        return true;
    }

    /// <summary>Declares a user; false if it was already declared.</summary>
    public bool AddUser(UserInfo user)
    {
        if (_users.Contains(user.Id))
        {
            return false;
        }
        _users.GetOrAdd(user.Id);
        _userInfos.Add(user);
        return true;
    }

    public bool HasItem(string id) => _items.Contains(id);

    /// <summary>
    /// Gives a user its index now, in order of first appearance, without an interaction (loaders that add rows in
    /// another order than the file's keep the file's id order this way). No effect when users come from a file.
    /// </summary>
    public void DeclareUser(string id)
    {
        if (_userFile is null && !_users.Contains(id))
        {
            _users.GetOrAdd(id);
            _userInfos.Add(new UserInfo(id));
        }
    }

    /// <summary>Likewise for an item (no effect if it is declared already or items come from a file).</summary>
    public void DeclareItem(string id)
    {
        if (_itemFile is null && !_items.Contains(id))
        {
            _items.GetOrAdd(id);
            _itemInfos.Add(new ItemInfo(id, "", [], []));
        }
    }

    /// <summary>Replaces a declared item's metadata (e.g. to attach tags read from a second file).</summary>
    public bool TryUpdateItem(string id, Func<ItemInfo, ItemInfo> update)
    {
        if (!_items.TryGetIndex(id, out var index))
        {
            return false;
        }
        _itemInfos[index] = update(_itemInfos[index]);
        return true;
    }

    /// <summary>Adds an interaction, or returns why it cannot (an unknown user or item when those are required).</summary>
    public string? TryAddInteraction(string userId, string itemId, float rating, long timestamp)
    {
        int user;
        if (_userFile is not null)
        {
            if (!_users.TryGetIndex(userId, out user))
            {
                return $"user {userId} is not listed in {_userFile}";
            }
        }
        else
        {
            user = _users.GetOrAdd(userId);
            if (user == _userInfos.Count)
            {
                _userInfos.Add(new UserInfo(userId));
            }
        }

        int item;
        if (_itemFile is not null)
        {
            if (!_items.TryGetIndex(itemId, out item))
            {
                return $"item {itemId} is not listed in {_itemFile}";
            }
        }
        else
        {
            item = _items.GetOrAdd(itemId);
            if (item == _itemInfos.Count)
            {
                _itemInfos.Add(new ItemInfo(itemId, "", [], []));
            }
        }

        _interactions.Add(new Interaction(user, item, rating, timestamp));
        return null;
    }

    public InteractionDataset Build() => new(name, _users, _items, _userInfos, _itemInfos, [.. _interactions]);
}
