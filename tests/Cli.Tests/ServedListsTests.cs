using System.Net.Http.Json;
using System.Text.Json;
using RecSys.Cli.Replay;
using RecSys.Models.Data;
using RecSys.Models.Pipeline;

namespace RecSys.Cli.Tests;

/// <summary>The ranker learns from the lists serving produces: the same candidates for the same state.</summary>
public sealed class ServedListsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-served-lists-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_rankers_training_list_equals_the_candidates_the_service_serves_for_that_history()
    {
        var dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 150, Items = 80, Seed = 11 });
        var pipeline = new CandidatePipelineOptions { Channels = ["history", "sknn", "itemcf", "popularity"], MaxCandidates = 60 };
        var lists = RankerTrainingLists.Build(dataset, [], pipeline, new RankerTrainingListsOptions { NegativesPerList = 0 });
        // The service loads what the lists were built from: every interaction but each subject's last.
        var (known, _) = RankerTrainingLists.WithoutLastInteractions(dataset);
        var served = new InteractionDataset(dataset.Name, dataset.Users, dataset.Items, dataset.UserInfos, dataset.ItemInfos, known);
        var settings = new Dictionary<string, string>
        {
            ["train"] = "none",
            ["RecSys:Serving:Channels"] = string.Join(',', pipeline.Channels),
            ["RecSys:Serving:MaxCandidates"] = "60",
            ["RecSys:Serving:ChannelTimeout"] = "00:00:10",
        };
        await using var host = await ReplayHost.StartAsync(served, settings, Path.Combine(_folder, "artifacts"), TimeSpan.FromMinutes(2), TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Address };

        var users = lists.Train.Users.Distinct().Take(20).ToList();
        Assert.Equal(20, users.Count);
        foreach (var user in users)
        {
            var trained = Enumerable.Range(0, lists.Train.Count).Where(n => lists.Train.Users[n] == user).Select(n => dataset.Items[lists.Train.Items[n]]).ToList();
            var answer = await http.GetFromJsonAsync<JsonElement>($"/v1/users/{dataset.Users[user]}/recommendations?count=60&repeats=true");
            var servedItems = answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToList();

            Assert.Empty(answer.GetProperty("degraded").EnumerateArray());
            // Unranked, the candidates come first (personal channels, then popularity); more popular items may fill the rest.
            Assert.Equal(trained.Order(), servedItems.Take(trained.Count).Order());
        }
    }
}
