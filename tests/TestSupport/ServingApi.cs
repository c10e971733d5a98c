using System.Net.Http.Json;
using System.Text.Json;

namespace RecSys.TestSupport;

/// <summary>An Api serving the trained test models: their artifacts, and waiting until it answers from them.</summary>
public static class ServingApi
{
    /// <summary>A private copy of the trained test versions (v1, v2), so a test may activate or add versions freely.</summary>
    public static string CopyOfTrainedModels(string prefix)
    {
        var copy = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        TrainedModels.CopyFolder(TrainedModels.Folder(), copy);
        return copy;
    }

    /// <summary>The registry's active version, or null.</summary>
    public static async Task<string?> ActiveVersionAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/admin/models"));
        var active = doc.RootElement.GetProperty("status").GetProperty("active");
        return active.ValueKind == JsonValueKind.Null ? null : active.GetString();
    }

    /// <summary>
    /// Waits until a version is active (the newest compatible one on disk is activated at start-up) and the Api
    /// answers from it (the silo swaps on its next poll of the registry).
    /// </summary>
    public static async Task WaitUntilServingAsync(HttpClient client)
    {
        await Eventually.TrueAsync(async () => (await ActiveVersionAsync(client)) is not null, TimeSpan.FromSeconds(60), "a version is active");
        await Eventually.TrueAsync(
            async () => (await client.GetFromJsonAsync<JsonElement>("/v1/users/nobody/recommendations")).GetProperty("modelVersion").GetString() == await ActiveVersionAsync(client),
            TimeSpan.FromSeconds(30),
            "answers from the active version");
    }
}
