using System.Globalization;

namespace RecSys.Models.Data;

/// <summary>Shape of a generated dataset. Every default lives here.</summary>
public sealed record SyntheticOptions
{
    /// <summary>(int) Number of users.</summary>
    public int Users { get; init; } = 2000;

    /// <summary>(int) Number of items.</summary>
    public int Items { get; init; } = 1000;

    /// <summary>(int) Number of item categories (at most <see cref="SyntheticDataset.CategoryNames"/>.Length).</summary>
    public int Categories { get; init; } = 12;

    /// <summary>(ulong) Seed; equal seeds and options give identical datasets.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>(double) Exponent of the Zipf law behind item popularity within a category.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>(double) Mean number of sessions per user (geometric).</summary>
    public double MeanSessionsPerUser { get; init; } = 3.0;

    /// <summary>(double) Mean events per session (geometric, capped at 50).</summary>
    public double MeanSessionLength { get; init; } = 7.0;

    /// <summary>(double) Probability that the next event in a session follows the current item's series.</summary>
    public double SequentialProbability { get; init; } = 0.45;

    /// <summary>(double) Share of category choices that ignore the user's taste (exploration).</summary>
    public double ExplorationRate { get; init; } = 0.1;

    /// <summary>(DateTimeOffset) Time of the first possible event.</summary>
    public DateTimeOffset Start { get; init; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>(int) Days the events span.</summary>
    public int Days { get; init; } = 90;

    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive");
            }
        }

        Positive(Users, nameof(Users));
        Positive(Items, nameof(Items));
        Positive(Days, nameof(Days));
        if (Users > 5_000_000 || Items > 5_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Users), "at most 5,000,000 users and 5,000,000 items");
        }
        if (Days > 36_500)
        {
            throw new ArgumentOutOfRangeException(nameof(Days), Days, "at most 36,500 days");
        }
        if (Categories < 1 || Categories > SyntheticDataset.CategoryNames.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(Categories), Categories, $"Categories must be in 1..{SyntheticDataset.CategoryNames.Length}");
        }
        if (Items < Categories)
        {
            throw new ArgumentOutOfRangeException(nameof(Items), Items, "need at least one item per category");
        }
        if (SequentialProbability is < 0 or > 1 || ExplorationRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SequentialProbability), "probabilities must be in [0, 1]");
        }
        if (MeanSessionsPerUser < 1 || MeanSessionLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MeanSessionLength), "means must be at least 1");
        }
    }
}

/// <summary>
/// Deterministic synthetic interaction data that has the structure recommenders exploit:
/// users with latent tastes over categories, Zipf-like item popularity, items grouped into series that users
/// consume in order within a session, ratings that follow taste, and realistic timestamps.
/// </summary>
public static class SyntheticDataset
{
    internal static readonly string[] CategoryNames =
    [
        "Action", "Comedy", "Drama", "Documentary", "Sci-Fi", "Romance", "Thriller", "Animation",
        "Horror", "Fantasy", "Music", "Sports", "Travel", "Cooking", "History", "Nature",
    ];

    private static readonly string[] Adjectives =
    [
        "Silent", "Crimson", "Hidden", "Golden", "Broken", "Electric", "Midnight", "Lost", "Frozen", "Wild",
        "Distant", "Burning", "Hollow", "Velvet", "Iron", "Secret", "Restless", "Quiet", "Northern", "Paper",
    ];

    private static readonly string[] Nouns =
    [
        "Harbor", "Orchard", "Empire", "Garden", "Signal", "Horizon", "Station", "River", "Kingdom", "Mirror",
        "Engine", "Voyage", "Lantern", "Canyon", "Archive", "Circus", "Frontier", "Island", "Machine", "Season",
    ];

    private static readonly string[] TagWords =
    [
        "classic", "indie", "award-winning", "family", "dark", "feel-good", "based-on-true-story", "cult",
        "slow-burn", "fast-paced", "visual", "dialogue-driven", "ensemble", "short", "long", "new-release",
        "remastered", "foreign", "experimental", "mainstream", "quirky", "epic", "intimate", "witty",
    ];

    /// <summary>Generates the dataset described by <paramref name="options"/>.</summary>
    public static InteractionDataset Generate(SyntheticOptions? options = null)
    {
        options ??= new SyntheticOptions();
        options.Validate();
        var random = new DeterministicRandom(options.Seed);
        var categories = options.Categories;

        // Items: a primary category, sometimes a second, a title, tags and a Zipf popularity weight.
        var itemIds = new IdVocabulary();
        var itemInfos = new ItemInfo[options.Items];
        var primary = new int[options.Items];
        var popularity = new double[options.Items];
        var rankOrder = Enumerable.Range(0, options.Items).ToArray();
        random.Shuffle(rankOrder);
        for (var rank = 0; rank < rankOrder.Length; rank++)
        {
            popularity[rankOrder[rank]] = 1.0 / Math.Pow(rank + 1, options.ZipfExponent);
        }

        var titles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Items; i++)
        {
            var id = "i" + (i + 1).ToString(CultureInfo.InvariantCulture);
            itemIds.GetOrAdd(id);
            primary[i] = i < categories ? i : random.Next(categories); // every category gets an item
            var itemCategories = new List<string> { CategoryNames[primary[i]] };
            if (categories > 1 && random.NextDouble() < 0.3)
            {
                var second = random.Next(categories - 1);
                itemCategories.Add(CategoryNames[second >= primary[i] ? second + 1 : second]);
            }

            var tags = new SortedSet<string>(StringComparer.Ordinal);
            var tagCount = 1 + random.Next(3);
            while (tags.Count < tagCount)
            {
                // Tags lean towards the category's own slice of the vocabulary so they carry signal.
                var slice = random.NextDouble() < 0.7 ? primary[i] * 3 % TagWords.Length : random.Next(TagWords.Length);
                tags.Add(TagWords[(slice + random.Next(3)) % TagWords.Length]);
            }

            var year = 1970 + random.Next(55);
            var title = "";
            for (var attempt = 0; attempt < 10; attempt++)
            {
                title = $"The {Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]}";
                if (random.NextDouble() < 0.3)
                {
                    title += " " + (2 + random.Next(3)).ToString(CultureInfo.InvariantCulture);
                }
                title += $" ({year.ToString(CultureInfo.InvariantCulture)})";
                if (titles.Add(title))
                {
                    break;
                }
                if (attempt == 9)
                {
                    // Large catalogues exhaust the word combinations; the id keeps titles unique.
                    title = $"{title} #{id}";
                    titles.Add(title);
                }
            }

            itemInfos[i] = new ItemInfo(id, title, itemCategories, [.. tags], year);
        }

        // Series: within each category, items are chained so that a session tends to continue along the chain.
        var byCategory = Enumerable.Range(0, categories).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < options.Items; i++)
        {
            byCategory[primary[i]].Add(i);
        }
        var successor = new int[options.Items];
        Array.Fill(successor, -1);
        var categoryCumulative = new double[categories][];
        var categoryWeight = new double[categories];
        for (var c = 0; c < categories; c++)
        {
            var members = byCategory[c].ToArray();
            random.Shuffle(members);
            byCategory[c] = [.. members];
            const int seriesLength = 5;
            for (var k = 0; k + 1 < members.Length; k++)
            {
                if ((k + 1) % seriesLength != 0)
                {
                    successor[members[k]] = members[k + 1];
                }
            }

            var cumulative = new double[members.Length];
            var total = 0.0;
            for (var k = 0; k < members.Length; k++)
            {
                total += popularity[members[k]];
                cumulative[k] = total;
            }
            categoryCumulative[c] = cumulative;
            categoryWeight[c] = total;
        }
        var globalCategoryCumulative = Cumulative(categoryWeight);

        // Users: a taste distribution concentrated on one to three favourite categories.
        var userIds = new IdVocabulary();
        var userInfos = new UserInfo[options.Users];
        var interactions = new List<Interaction>((int)Math.Min(64_000_000, (long)options.Users * (long)(options.MeanSessionsPerUser * options.MeanSessionLength)));
        var start = options.Start.ToUnixTimeSeconds();
        var span = (long)options.Days * 86_400;
        var taste = new double[categories];
        var seen = new HashSet<int>();
        var sessionStarts = new List<long>();
        for (var u = 0; u < options.Users; u++)
        {
            var userId = "u" + (u + 1).ToString(CultureInfo.InvariantCulture);
            userIds.GetOrAdd(userId);
            userInfos[u] = new UserInfo(
                userId,
                Age: 16 + random.Next(55),
                Gender: random.NextDouble() < 0.5 ? "F" : "M",
                Occupation: null);

            Array.Fill(taste, 0.02);
            var favourites = 1 + random.Next(Math.Min(3, categories));
            for (var f = 0; f < favourites; f++)
            {
                taste[random.Next(categories)] += 1.0 / (f + 1);
            }
            var tasteCumulative = Cumulative(taste);

            seen.Clear();
            sessionStarts.Clear();
            var sessions = random.NextGeometric(options.MeanSessionsPerUser);
            for (var s = 0; s < sessions; s++)
            {
                sessionStarts.Add(start + (long)(random.NextDouble() * span));
            }
            sessionStarts.Sort();

            foreach (var sessionStart in sessionStarts)
            {
                var time = sessionStart;
                var length = Math.Min(50, random.NextGeometric(options.MeanSessionLength));
                var current = -1;
                for (var e = 0; e < length; e++)
                {
                    var next = -1;
                    for (var attempt = 0; attempt < 8 && next < 0; attempt++)
                    {
                        int candidate;
                        if (current >= 0 && successor[current] >= 0 && random.NextDouble() < options.SequentialProbability)
                        {
                            candidate = successor[current];
                        }
                        else
                        {
                            var c = random.NextDouble() < options.ExplorationRate
                                ? random.SampleCumulative(globalCategoryCumulative)
                                : random.SampleCumulative(tasteCumulative);
                            candidate = byCategory[c][random.SampleCumulative(categoryCumulative[c])];
                        }
                        if (seen.Add(candidate))
                        {
                            next = candidate;
                        }
                    }
                    if (next < 0)
                    {
                        break;
                    }

                    // Ratings follow taste: favourite categories get higher ratings, with noise, clamped to 1..5.
                    var affinity = taste[primary[next]] / taste.Max();
                    var rating = Math.Clamp(Math.Round(2.2 + 2.6 * affinity + 0.8 * random.NextGaussian()), 1, 5);
                    interactions.Add(new Interaction(u, next, (float)rating, time));
                    current = next;
                    time += 30 + random.Next(600);
                }
            }
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"synthetic(users={options.Users},items={options.Items},seed={options.Seed})");
        return new InteractionDataset(name, userIds, itemIds, userInfos, itemInfos, [.. interactions]);
    }

    private static double[] Cumulative(double[] weights)
    {
        var cumulative = new double[weights.Length];
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            total += weights[i];
            cumulative[i] = total;
        }
        return cumulative;
    }
}
