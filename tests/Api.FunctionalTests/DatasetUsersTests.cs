using System.Net;
using System.Net.Http.Json;
using RecSys.Api.Contracts;
using RecSys.Grains.Contracts;
using RecSys.Models.Data;
using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>Users of the loaded dataset are live: their dataset history is their grain's history from the start.</summary>
public sealed class DatasetUsersTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private static readonly InteractionDataset Dataset = DatasetSpec.Parse(RecSysApiFactory.TestData).Load();

    private HttpClient Client => api.Client;

    [Fact]
    public async Task A_dataset_user_has_its_history_and_personal_recommendations_without_posting_anything()
    {
        var (userId, items) = DatasetUser(3);

        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{userId}");
        var recommendations = await Client.GetFromJsonAsync<RecommendationsResponse>($"/v1/users/{userId}/recommendations?count=10");

        Assert.Equal(items.Length, profile!.TotalEvents);
        Assert.Equal(items.TakeLast(profile.Recent.Count), profile.Recent.Select(e => e.ItemId));
        Assert.Contains(recommendations!.Items, r => r.Channel != Channels.Popularity);
        Assert.Empty(recommendations.Items.Select(r => r.ItemId).Intersect(items));
    }

    [Fact]
    public async Task Posting_the_dataset_history_again_does_not_double_it_but_a_new_event_counts()
    {
        var (userId, items) = DatasetUser(5);
        var user = Dataset.Users.TryGetIndex(userId, out var u) ? u : throw new InvalidOperationException();
        var history = Dataset.InteractionsByUser()[user];
        var again = history.Select(i => new
        {
            userId,
            itemId = Dataset.Items[i.Item],
            type = "rating",
            value = (double)i.Rating,
            timestamp = DateTimeOffset.FromUnixTimeSeconds(i.Timestamp),
        }).ToArray();

        var repost = await Client.PostAsJsonAsync("/v1/events", again);
        var fresh = await Client.PostAsJsonAsync("/v1/events", new[] { new { userId, itemId = Dataset.Items[0], type = "click" } });
        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{userId}");

        Assert.Equal(HttpStatusCode.Accepted, repost.StatusCode);
        Assert.Equal(again.Length, (await repost.Content.ReadFromJsonAsync<EventsAccepted>())!.Duplicates);
        Assert.Equal(0, (await fresh.Content.ReadFromJsonAsync<EventsAccepted>())!.Duplicates);
        Assert.Equal(items.Length + 1, profile!.TotalEvents);
    }

    [Fact]
    public async Task A_session_with_a_dataset_users_id_is_not_that_user()
    {
        var (userId, _) = DatasetUser(7);

        var session = await Client.GetAsync($"/v1/sessions/{userId}");

        Assert.Equal(HttpStatusCode.NotFound, session.StatusCode);
    }

    private static (string UserId, string[] Items) DatasetUser(int index)
    {
        var history = Dataset.InteractionsByUser()[index];
        return (Dataset.Users[index], [.. history.Select(i => Dataset.Items[i.Item])]);
    }
}
