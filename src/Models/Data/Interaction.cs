namespace RecSys.Models.Data;

/// <summary>
/// One user–item interaction with dense indices into a dataset's vocabularies.
/// </summary>
/// <param name="User">Index into <see cref="InteractionDataset.Users"/>.</param>
/// <param name="Item">Index into <see cref="InteractionDataset.Items"/>.</param>
/// <param name="Rating">Explicit rating, or 1 for implicit feedback.</param>
/// <param name="Timestamp">Unix time in seconds.</param>
public readonly record struct Interaction(int User, int Item, float Rating, long Timestamp);
