namespace RecSys.Grains;

/// <summary>Names of the grain storage providers; the silo registers exactly these.</summary>
public static class StorageNames
{
    /// <summary>User state: recent interactions, seen set, counters.</summary>
    public const string Users = "users";

    /// <summary>Item state (metadata, counters) and the catalogue index.</summary>
    public const string Items = "items";

    /// <summary>Aggregates such as decayed popularity.</summary>
    public const string Aggregates = "aggregates";
}
