namespace RecSys.Models.Data;

/// <summary>Catalogue metadata of one item.</summary>
/// <param name="Id">External item id.</param>
/// <param name="Title">Display title (may be empty when the source has none).</param>
/// <param name="Categories">Categories or genres.</param>
/// <param name="Tags">Free-form tags.</param>
/// <param name="Year">Release year when the source knows it.</param>
public sealed record ItemInfo(string Id, string Title, IReadOnlyList<string> Categories, IReadOnlyList<string> Tags, int? Year = null);

/// <summary>Demographic attributes of one user, when the source has them.</summary>
public sealed record UserInfo(string Id, int? Age = null, string? Gender = null, string? Occupation = null);
