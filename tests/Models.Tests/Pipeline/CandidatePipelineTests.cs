using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Pipeline;

/// <summary>The recall stage's shared policy: merge, candidate features, local channels, and the ranker's lists.</summary>
public sealed class CandidatePipelineTests
{
    private static ChannelHits List(string channel, params (int Item, float Score)[] hits) =>
        new(channel, [.. hits.Select(h => new ScoredItem(h.Item, h.Score))]);

    [Fact]
    public void Merge_takes_each_item_once_credits_the_channel_that_ranked_it_highest_and_takes_turns()
    {
        var a = List("a", (1, 9), (2, 8), (3, 7), (4, 6));
        var b = List("b", (3, 5), (5, 4), (1, 3));

        var merged = CandidateMerge.Merge([a, b], limit: 4);

        // Turn 0: a's 1, b's 3 (b ranked it 0th, a 2nd); turn 1: a's 2, b's 5.
        Assert.Equal([1, 3, 2, 5], merged.Select(c => c.Item));
        Assert.Equal(["a", "b", "a", "b"], merged.Select(c => c.Channel));
        Assert.Equal([9f, 5f, 8f, 4f], merged.Select(c => c.Score));
        Assert.Equal(5, CandidateMerge.Merge([a, b], limit: 100).Count);
    }

    [Fact]
    public void Candidate_features_hold_every_channels_opinion_and_the_history_by_hand()
    {
        var features = new CandidateFeatures(["a", "b"]);
        var a = new ChannelHits("a", [new ScoredItem(7, 2f), new ScoredItem(8, 1f)], new MapScorer(new Dictionary<int, float> { [7] = 2f, [8] = 1f, [9] = 0.5f }));
        var b = List("b", (9, 4f));
        HistoryEvent[] history = [new(9, 1, true), new(3, 1, true), new(9, 1, true), new(8, 1, true)];

        var values = features.Compute([7, 8, 9], [a, b], history);

        var width = features.Names.Count;
        Assert.Equal(4 * 2 + 3, width);
        float[] Row(int n) => values[(n * width)..((n + 1) * width)];
        var unlisted = MathF.Log(101);
        // a: in, log(1 + position), score, score − best; b the same; then recency, log(1 + count), last.
        Assert.Equal([1, 0, 2, 0, 0, unlisted, 0, -4, 0, 0, 0], Row(0));
        Assert.Equal([1, MathF.Log(2), 1, -1, 0, unlisted, 0, -4, 1, MathF.Log(2), 1], Row(1));
        Assert.Equal([0, unlisted, 0.5f, -1.5f, 1, 0, 4, 0, 1f / 2, MathF.Log(3), 0], Row(2));
        Assert.Equal(["a", "b"], CandidateFeatures.ChannelsOf(features.Names));
    }

    [Fact]
    public void A_channel_missing_from_the_request_reads_not_found()
    {
        var features = new CandidateFeatures(["a", "late"]);

        var values = features.Compute([1], [List("a", (1, 3f))], []);

        Assert.Equal([1, 0, 3, 0, 0, MathF.Log(101), 0, 0, 0, 0, 0], values);
    }

    [Fact]
    public void The_history_channel_offers_repeatable_items_most_recent_first_and_exclusion_keeps_the_rest_out()
    {
        HistoryEvent[] history = [new(1, 1, true), new(2, 4, false), new(3, 1, true), new(1, 1, true), new(4, 0, true)];

        var excluded = LocalChannels.Excluded(history, allowRepeats: true, more: [4]);
        var hits = LocalChannels.History(history, quota: 10, excluded.Contains);

        Assert.Equal([2, 4], excluded.Order());
        Assert.Equal([1, 3], hits.Hits.Select(h => h.Item)); // 4 is excluded, 2 not repeatable
        Assert.Equal([1f / 2, 1f / 3], hits.Hits.Select(h => h.Score));
        Assert.Equal([1, 2, 3, 4], LocalChannels.Excluded(history, allowRepeats: false).Order());
    }

    [Fact]
    public void The_rankers_lists_come_from_the_pipeline_at_each_subjects_last_interaction_with_one_pick_each()
    {
        var dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 120, Items = 60, Seed = 4 });
        var pipeline = new CandidatePipelineOptions { Channels = ["itemcf", "popularity"], MaxCandidates = 30 };

        var lists = RankerTrainingLists.Build(dataset, [], pipeline, new RankerTrainingListsOptions { NegativesPerList = 0 });

        var (known, held) = RankerTrainingLists.WithoutLastInteractions(dataset);
        Assert.Equal(dataset.Interactions.Length, known.Length + held.Length);
        var map = lists.Features.Map;
        Assert.False(map.Contains(FeatureNames.UserId));
        Assert.Equal(new CandidateFeatures(["itemcf", "popularity"]).Names, map.CandidateFeatureNames);
        var rows = lists.Train.Count + lists.Validation.Count;
        var positives = lists.Train.LabelsOf(0).Sum() + lists.Validation.LabelsOf(0).Sum();
        // Only lists holding the picked item are kept, each with all its candidates.
        Assert.InRange(positives, 1, held.Length);
        Assert.InRange(rows, positives * 2, positives * 30);
        foreach (var part in new[] { lists.Train, lists.Validation })
        {
            foreach (var group in Enumerable.Range(0, part.Count).GroupBy(n => part.Users[n]))
            {
                Assert.Equal(1, group.Count(n => part.Labels[n * part.TaskCount] == 1));
            }
        }
    }

    [Fact]
    public void A_list_equals_what_the_pipeline_gives_for_that_history_with_the_same_data()
    {
        var dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 80, Items = 50, Seed = 9 });
        var pipeline = new CandidatePipelineOptions { Channels = ["itemcf", "popularity"], MaxCandidates = 20 };
        var (known, held) = RankerTrainingLists.WithoutLastInteractions(dataset);
        var knownData = new InteractionDataset(dataset.Name, dataset.Users, dataset.Items, dataset.UserInfos, dataset.ItemInfos, known);
        var local = new LocalRecallData(ItemCfModel.Build(knownData), PopularityModel.Build(knownData).Top(pipeline.PopularList));
        var lists = RankerTrainingLists.Build(dataset, [], pipeline, new RankerTrainingListsOptions { NegativesPerList = 0, ValidationShare = 0.0001 });

        var user = lists.Train.Users[0];
        var history = RankerTrainingLists.ToHistory([.. known.Where(i => i.User == user).OrderBy(i => i.Timestamp)], explicitRatings: dataset.Interactions.Any(i => i.Rating != 1f));
        var excluded = LocalChannels.Excluded(history, allowRepeats: true);
        var expected = CandidateRequest.Merge(pipeline, CandidateRequest.InPriorityOrder(pipeline, CandidateRequest.LocalLists(pipeline, local, history, true, excluded.Contains)));

        var rows = Enumerable.Range(0, lists.Train.Count).Where(n => lists.Train.Users[n] == user).Select(n => lists.Train.Items[n]).ToList();
        Assert.Equal(expected.Select(c => c.Item), rows);
    }
}
