using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Tests.Recall;

public sealed class SessionModelTests
{
    // Five items (4 never occurs), three sessions started at 10, 20, 30. Popularity: 0→2, 1→3, 2→2, 3→1, 4→0.
    private static readonly int[][] Sessions = [[0, 1, 2], [1, 2, 1], [0, 3]];
    private static readonly long[] Starts = [10, 20, 30];
    private const int Items = 5;

    private static float[] Dense(ISessionScorer model, params int[] prefix)
    {
        var scores = new float[Items];
        Array.Fill(scores, float.NaN); // every entry must be written
        model.Score(prefix, scores);
        return scores;
    }

    private static void AssertScores(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"item {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void Popularity_counts_every_occurrence_and_ignores_the_prefix()
    {
        var model = SessionPopularityModel.Build(Sessions, Items);

        AssertScores([2, 3, 2, 1, 0], Dense(model, 3));
        Assert.Equal([0, 2, 3], model.Recommend([0], 5, exclude: i => i == 1).Select(s => s.Item)); // 0 and 2 tie: smaller index; 4 never occurs
        Assert.Equal([2, 3, 2, 1, 0], model.Popularity);
    }

    [Fact]
    public void S_pop_puts_the_prefix_items_first_by_count_then_popularity()
    {
        var model = InSessionPopularityModel.Build(Sessions, Items);

        // count in prefix + pop/(pop+1): item 2 → 2 + 2/3, item 3 → 1 + 1/2, item 1 → 3/4, item 0 → 2/3.
        AssertScores([2 / 3.0, 0.75, 2 + 2 / 3.0, 1.5, 0], Dense(model, 2, 3, 2));
        Assert.Equal([2, 3, 1, 0], model.Recommend([2, 3, 2], 10).Select(s => s.Item));
        Assert.Equal([3, 1], model.Recommend([2, 3, 2], 2, exclude: i => i == 2).Select(s => s.Item));
    }

    [Fact]
    public void Association_rules_count_position_pairs_of_different_items()
    {
        var model = AssociationRulesModel.Build(Sessions, Items);

        // a→b over position pairs with a ≠ b: session [1, 2, 1] adds 2 to 1→2 and 2 to 2→1; 1→1 is not counted.
        AssertScores([1, 0, 3, 0, 0], Dense(model, 0, 1));   // rules of the last item, 1: 1→0 = 1, 1→2 = 1 + 2
        AssertScores([1, 3, 0, 0, 0], Dense(model, 2));
        AssertScores([0, 1, 1, 1, 0], Dense(model, 3, 0));
        Assert.Equal(0, model.Weight(1, 1));
        Assert.Equal([1, 2, 3], model.Recommend([0], 3).Select(s => s.Item)); // equal weights: 1 (pop 3), 2 (pop 2), 3 (pop 1)
        AssertScores([0, 0, 0, 0, 0], Dense(model, 4)); // no rules
        AssertScores([0, 0, 0, 0, 0], Dense(model, 99)); // unknown index
    }

    [Fact]
    public void Sequential_rules_weigh_followers_within_the_window_by_one_over_the_gap()
    {
        var model = SequentialRulesModel.Build(Sessions, Items);

        // 0→1 (gap 1) = 1, 0→2 (gap 2) = 1/2, 0→3 = 1; 1→2 = 1 + 1; 2→1 = 1; 1→1 (gap 2 in [1, 2, 1]) is skipped.
        AssertScores([0, 1, 0.5, 1, 0], Dense(model, 2, 0));
        AssertScores([0, 0, 2, 0, 0], Dense(model, 1));
        AssertScores([0, 1, 0, 0, 0], Dense(model, 2));
        Assert.Equal([1, 3, 2], model.Recommend([0], 5).Select(s => s.Item)); // 1 and 3 tie at 1: the more popular first
        Assert.Equal([new ScoredItem(3, 1), new ScoredItem(2, 0.5f)], model.Recommend([0], 5, exclude: i => i == 1));

        var oneStep = SequentialRulesModel.Build(Sessions, Items, new SequentialRulesOptions { Steps = 1 });
        AssertScores([0, 1, 0, 1, 0], Dense(oneStep, 0));
        var same = SequentialRulesModel.Build(Sessions, Items, new SequentialRulesOptions { Weighting = RuleStepWeighting.Same });
        AssertScores([0, 1, 1, 1, 0], Dense(same, 0));
    }

    [Fact]
    public void Rules_keep_only_the_strongest_per_item_when_capped()
    {
        var capped = AssociationRulesModel.Build(Sessions, Items, new AssociationRulesOptions { MaxRules = 1 });

        AssertScores([0, 0, 3, 0, 0], Dense(capped, 1));
        Assert.Equal(4, capped.RuleCount); // one for each of items 0..3; 0's three equal rules keep the most popular target, 1
        Assert.Equal([1], capped.Recommend([0], 5).Select(s => s.Item));
    }

    [Fact]
    public void Session_knn_sums_binary_cosine_similarities_of_the_neighbours()
    {
        var model = SessionKnnModel.Build(Sessions, Items, new SessionKnnOptions(), Starts);

        // Prefix {0}: S0 = {0,1,2} → 1/√3, S2 = {0,3} → 1/√2.
        var (s0, s2) = (1 / Math.Sqrt(3), 1 / Math.Sqrt(2));
        AssertScores([s0 + s2, s0, s0, s2, 0], Dense(model, 0));
        // Prefix {1, 0}: S0 → 2/√6, S1 = {1,2} → 1/√4, S2 → 1/√4.
        var (a, b) = (2 / Math.Sqrt(6), 0.5);
        AssertScores([a + b, a + b, a + b, b, 0], Dense(model, 1, 0));
        var neighbours = model.Neighbours([0]);
        Assert.Equal([2, 0], neighbours.Select(n => n.Session));
        Assert.Equal(1 / Math.Sqrt(2), neighbours[0].Similarity, 12);
        Assert.Equal([1, 2, 3], model.Recommend([1, 0], 3, exclude: i => i == 0).Select(s => s.Item));
        AssertScores([0, 0, 0, 0, 0], Dense(model, 4)); // an item nobody trained on finds no neighbours
    }

    [Fact]
    public void V_sknn_weighs_prefix_items_linearly_by_position_taking_the_largest_for_repeats()
    {
        var model = SessionKnnModel.Build(Sessions, Items, new SessionKnnOptions { Weighting = PrefixWeighting.Linear }, Starts);

        // Prefix [1, 0]: weights 1 → 1/2, 0 → 1; |prefix| = 2. S0: 1.5/√6, S1: 0.5/√4, S2: 1/√4.
        var (s0, s1, s2) = (1.5 / Math.Sqrt(6), 0.25, 0.5);
        AssertScores([s0 + s2, s0 + s1, s0 + s1, s2, 0], Dense(model, 1, 0));
        // Prefix [0, 1, 0]: 0 → max(1/3, 3/3) = 1, 1 → 2/3. S0: (5/3)/√6, S1: (2/3)/√4, S2: 1/√4.
        var (r0, r1, r2) = (5 / 3.0 / Math.Sqrt(6), 1 / 3.0, 0.5);
        AssertScores([r0 + r2, r0 + r1, r0 + r1, r2, 0], Dense(model, 0, 1, 0));
        // Unknown items do not count as positions: [99, 1, 0] is [1, 0].
        AssertScores([s0 + s2, s0 + s1, s0 + s1, s2, 0], Dense(model, 99, 1, 0));
    }

    [Fact]
    public void Session_knn_samples_the_most_recent_sessions_and_keeps_the_k_most_similar()
    {
        // The most recent session holding item 0 is S2 (start 30).
        var sampled = SessionKnnModel.Build(Sessions, Items, new SessionKnnOptions { Sample = 1 }, Starts);
        var s2 = 1 / Math.Sqrt(2);
        AssertScores([s2, 0, 0, s2, 0], Dense(sampled, 0));

        // Dated the other way round, S0 is the most recent.
        var reversed = SessionKnnModel.Build(Sessions, Items, new SessionKnnOptions { Sample = 1 }, [30, 20, 10]);
        var s0 = 1 / Math.Sqrt(3);
        AssertScores([s0, s0, s0, 0, 0], Dense(reversed, 0));

        // k = 1 over prefix {1, 0} (S-KNN): S0 (2/√6) beats S1 and S2 (1/2 each).
        var nearest = SessionKnnModel.Build(Sessions, Items, new SessionKnnOptions { Neighbours = 1 }, Starts);
        var a = 2 / Math.Sqrt(6);
        AssertScores([a, a, a, 0, 0], Dense(nearest, 1, 0));

        // Equal similarity: the more recent neighbour wins; without times, list order (later = more recent).
        var tie = SessionKnnModel.Build([[0, 1], [0, 2]], 3, new SessionKnnOptions { Neighbours = 1 });
        Assert.Equal([2], tie.Recommend([0], 5, exclude: i => i == 0).Select(s => s.Item));
    }

    [Fact]
    public void Built_models_are_thread_safe_and_their_sparse_and_dense_answers_agree()
    {
        var data = Planted(seed: 3);
        ISessionRecommender[] models =
        [
            SessionPopularityModel.Build(data.Sessions, data.ItemCount),
            InSessionPopularityModel.Build(data.Sessions, data.ItemCount),
            AssociationRulesModel.Build(data.Sessions, data.ItemCount),
            SequentialRulesModel.Build(data.Sessions, data.ItemCount),
            SessionKnnModel.Build(data.Sessions, data.ItemCount, new SessionKnnOptions { Weighting = PrefixWeighting.Linear }, [.. data.StartTimes]),
        ];
        var prefixes = data.Sessions.Take(60).Select(s => s[..Math.Max(1, s.Length - 1)]).ToArray();
        foreach (var model in models)
        {
            var sequential = prefixes.Select(p => model.Recommend(p, 10)).ToArray();
            var parallel = new ScoredItem[prefixes.Length][];
            Parallel.For(0, prefixes.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, n => parallel[n] = model.Recommend(prefixes[n], 10));
            for (var n = 0; n < prefixes.Length; n++)
            {
                Assert.Equal(sequential[n], parallel[n]);
                var dense = new float[data.ItemCount];
                model.Score(prefixes[n], dense);
                var expected = Enumerable.Range(0, data.ItemCount).Where(i => dense[i] > 0)
                    .OrderByDescending(i => dense[i]).ThenByDescending(i => model.Popularity[i]).ThenBy(i => i).Take(10).ToArray();
                Assert.True(expected.SequenceEqual(sequential[n].Select(s => s.Item)), $"{model.GetType().Name}, prefix {n}");
            }
        }
    }

    [Fact]
    public void A_planted_follower_is_ranked_first_by_rules_and_neighbours_but_not_by_popularity()
    {
        var data = Planted(seed: 5);
        var (a, b, hub) = (PlantedA, PlantedB, PlantedHub);
        var pop = SessionPopularityModel.Build(data.Sessions, data.ItemCount);
        var sr = SequentialRulesModel.Build(data.Sessions, data.ItemCount);
        var ar = AssociationRulesModel.Build(data.Sessions, data.ItemCount);
        var sknn = SessionKnnModel.Build(data.Sessions, data.ItemCount, new SessionKnnOptions(), [.. data.StartTimes]);
        var vsknn = SessionKnnModel.Build(data.Sessions, data.ItemCount, new SessionKnnOptions { Weighting = PrefixWeighting.Linear }, [.. data.StartTimes]);

        int[] prefix = [7, a];
        bool Seen(int item) => prefix.Contains(item);
        Assert.Equal(hub, pop.Recommend(prefix, 1)[0].Item);
        Assert.Equal(b, sr.Recommend(prefix, 1)[0].Item);
        Assert.Equal(b, ar.Recommend(prefix, 1)[0].Item);
        Assert.Equal(b, sknn.Recommend(prefix, 1, Seen)[0].Item);
        Assert.Equal(b, vsknn.Recommend(prefix, 1, Seen)[0].Item);
    }

    [Fact]
    public void The_catalogue_binds_options_and_builds_the_named_model()
    {
        var vsknn = SessionModelCatalog.Create("vsknn", new Dictionary<string, string> { ["k"] = "50" });
        var data = Planted(seed: 1);
        vsknn.Fit(data, new TrainingContext());

        Assert.Equal("vsknn", vsknn.Name);
        Assert.Contains("k=50", vsknn.Describe());
        Assert.Contains("weighting=linear", vsknn.Describe());
        var built = Assert.IsType<SessionKnnModel>(Assert.IsType<BuiltSessionModel>(vsknn).Model);
        Assert.Equal(50, built.Options.Neighbours);
        Assert.Throws<FormatException>(() => SessionModelCatalog.Create("sr", new Dictionary<string, string> { ["steps"] = "0" }));
        Assert.Throws<FormatException>(() => SessionModelCatalog.Create("sknn", new Dictionary<string, string> { ["neighbours"] = "5" }));
        Assert.Throws<FormatException>(() => SessionModelCatalog.Create("itemcf"));
        Assert.Contains(SessionModelCatalog.Options(), o => o is ("vsknn", "weighting", "linear", _));
        Assert.Contains(SessionModelCatalog.Options(), o => o is ("gru4rec", "loss", "crossentropy", _));
    }

    private const int PlantedA = 40;
    private const int PlantedB = 41;
    private const int PlantedHub = 42;

    /// <summary>
    /// 600 generated sessions over 40 noise items: half hold a directly followed by b somewhere after the first
    /// position; 300 more start with the hub item, which makes it the most popular.
    /// </summary>
    internal static SessionData Planted(ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var sessions = new List<int[]>();
        for (var s = 0; s < 600; s++)
        {
            var items = Enumerable.Range(0, 4).Select(_ => random.Next(40)).ToList();
            if (s % 2 == 0)
            {
                var at = 1 + random.Next(items.Count);
                items.InsertRange(at, [PlantedA, PlantedB]);
            }
            if (s % 2 == 1 && random.Next(2) == 0)
            {
                items.Insert(0, PlantedHub);
            }
            sessions.Add([.. items]);
        }
        for (var s = 0; s < 300; s++)
        {
            sessions.Add([PlantedHub, random.Next(40)]);
        }
        return new SessionData(sessions, 43, [.. Enumerable.Range(0, sessions.Count).Select(s => (long)s * 60)]);
    }
}

public sealed class NeuralSessionModelTests
{
    private static SessionSplit Split()
    {
        // The planted sessions as a dataset: users are sessions, one minute apart.
        var data = SessionModelTests.Planted(seed: 8);
        var rows = data.Sessions.SelectMany((s, n) => s.Select((item, p) => ($"s{n}", $"i{item}", 1f, (long)n * 60 + p))).ToArray();
        return SessionSplit.Create(TestData.Dataset(rows));
    }

    [Theory]
    [InlineData("gru4rec", "crossentropy")]
    [InlineData("gru4rec", "bprmax")]
    [InlineData("sasrec", "")]
    public void Sequence_models_tune_epochs_on_validation_sessions_then_retrain_and_score_prefixes(string name, string loss)
    {
        var split = Split();
        var settings = name == "gru4rec"
            ? new Dictionary<string, string> { ["epochs"] = "2", ["hidden"] = "16", ["embedding"] = "8", ["patience"] = "1", ["loss"] = loss }
            : new Dictionary<string, string> { ["epochs"] = "2", ["hidden"] = "16", ["max_len"] = "10", ["patience"] = "1", ["eval_every"] = "1" };
        using var model = Assert.IsType<NeuralSessionModel>(SessionModelCatalog.Create(name, settings));

        var result = new SessionEvaluator(split).Run(model, new TrainingContext(Seed: 3, Device: "cpu"));

        Assert.NotNull(split.Train.Validation);
        Assert.NotNull(model.ValidationMrr);
        Assert.InRange(model.Epochs!.Value, 1, 2);
        Assert.Contains("validation mrr@20", result.Options);
        if (loss.Length > 0)
        {
            Assert.Contains($"loss={loss}", result.Options);
        }
        Assert.InRange(result.Metrics["hit@20"], 0.0, 1.0);
        Assert.Equal(0, result.NanScores);
        var scores = new float[split.Train.ItemCount];
        model.Score(split.Test.Sessions[0].AsSpan(0, 1), scores);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void Scoring_consecutive_prefixes_steps_the_gru_state_and_agrees_with_reading_each_prefix()
    {
        using var gru = new Gru4RecRecommender(new Gru4RecOptions { Epochs = 1, HiddenSize = 12, EmbeddingSize = 6, Patience = 0 });
        var data = SessionModelTests.Planted(seed: 4);
        gru.Fit(new RecSys.Models.Data.UserItemMatrix(data.Count, data.ItemCount, [.. data.Sessions.SelectMany((s, n) => s.Select((i, p) => new RecSys.Models.Data.Interaction(n, i, 1, p)))]), new TrainingContext(Device: "cpu"));
        var stepping = new ArtifactSessionScorer(gru, data.ItemCount);
        int[] session = [3, 40, 41, 7, 7, 12];

        for (var i = 1; i <= session.Length; i++)
        {
            var stepped = new float[data.ItemCount];
            var fresh = new float[data.ItemCount];
            stepping.Score(session.AsSpan(0, i), stepped);
            new ArtifactSessionScorer(gru, data.ItemCount).Score(session.AsSpan(0, i), fresh);
            Assert.True(stepped.Zip(fresh).Max(p => Math.Abs(p.First - p.Second)) < 1e-4, $"prefix {i}");
        }
    }

    [Fact]
    public void Without_patience_a_sequence_model_trains_once_for_its_epochs()
    {
        using var model = Assert.IsType<NeuralSessionModel>(SessionModelCatalog.Create("gru4rec",
            new Dictionary<string, string> { ["epochs"] = "1", ["hidden"] = "8", ["embedding"] = "4", ["patience"] = "0" }));

        model.Fit(Split().Train, new TrainingContext(Seed: 1, Device: "cpu"));

        Assert.Null(model.ValidationMrr);
        Assert.Equal(1, model.Epochs);
    }
}
