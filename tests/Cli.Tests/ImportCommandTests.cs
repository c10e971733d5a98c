using System.Net.Http.Json;
using System.Text.Json;
using RecSys.Cli.Commands;
using RecSys.Cli.Replay;
using RecSys.Models.Data;

namespace RecSys.Cli.Tests;

/// <summary>recsys import: a dataset posted into a running service, idempotent by event id and resumable.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Imported_users_are_live_and_a_repeated_or_resumed_import_counts_each_event_once()
    {
        var served = SyntheticDataset.Generate(new SyntheticOptions { Users = 60, Items = 40, Seed = 1 });
        var imported = SyntheticDataset.Generate(new SyntheticOptions { Users = 70, Items = 40, Seed = 2 });
        var events = ImportCommand.Events(imported);
        var checkpoint = Path.Combine(_folder, "checkpoint");
        await using var host = await ReplayHost.StartAsync(served, new Dictionary<string, string> { ["train"] = "none" }, Path.Combine(_folder, "artifacts"), TimeSpan.FromMinutes(2), TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = host.Address };

        // An interrupted import (the first 100 events), resumed from its checkpoint, then repeated from the start.
        var first = await ImportCommand.RunAsync(http, events.Take(100).ToList(), 0, 40, sessions: false, checkpoint, null);
        var resumed = await ImportCommand.RunAsync(http, events, int.Parse(File.ReadAllText(checkpoint)), 40, sessions: false, checkpoint, null);
        var repeated = await ImportCommand.RunAsync(http, events, 0, 500, sessions: false, checkpoint, null);

        Assert.Equal((100L, 0L), first);
        Assert.Equal((events.Count - 100L, 0L), resumed);
        Assert.Equal((events.Count, (long)events.Count), repeated);
        Assert.Equal(events.Count.ToString(), File.ReadAllText(checkpoint));
        var user = imported.Users[65]; // not a user of the served dataset, so all its history is the import
        var profile = await http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}");
        Assert.Equal(imported.Interactions.Count(i => imported.Users[i.User] == user), profile.GetProperty("totalEvents").GetInt32());
    }

    [Fact]
    public void A_checkpoint_beyond_the_dataset_is_a_usage_error()
    {
        var checkpoint = Path.Combine(_folder, "checkpoint");
        File.WriteAllText(checkpoint, "99999999");
        var error = new StringWriter();

        var exitCode = CliApp.Run(["import", "--url", "http://127.0.0.1:1", "--data", "synthetic:users=50,items=30", "--checkpoint", checkpoint], new StringWriter(), error);

        Assert.Equal(2, exitCode);
        Assert.Contains("--restart", error.ToString());
    }
}
