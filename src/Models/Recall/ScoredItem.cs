namespace RecSys.Models.Recall;

/// <summary>An item index with a score; higher is better.</summary>
public readonly record struct ScoredItem(int Item, float Score);
