using System.Diagnostics;
using System.Globalization;
using RecSys.Ann.Benchmarks;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using static TorchSharp.torch;

// Scores synthetic serving requests (one user, H history items, C candidates each) with a saved ranker, R requests
// per forward pass as the serving batcher gathers them, and prints candidate rows per CPU second for the whole call
// (encoding + forward) and for the forward pass alone.
const string Usage = "usage: Ranking.Benchmarks --ranker <artifact folder> [--candidates 150] [--history 50] [--requests 1,4,8] [--passes 100] [--liked 0.6] [--threads 1] [--seed 42]";
string? folder = null;
var candidates = 150;
var historyLength = 50;
var likedShare = 0.6;
int[] requestsPerPass = [1, 4, 8];
var passes = 100;
var threads = 1;
ulong seed = 42;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        var name = args[i];
        var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
        switch (name)
        {
            case "--ranker": folder = value; break;
            case "--candidates": candidates = Positive(name, value); break;
            case "--history": historyLength = Positive(name, value); break;
            case "--requests": requestsPerPass = [.. value.Split(',').Select(v => Positive(name, v))]; break;
            case "--liked": likedShare = double.Parse(value, CultureInfo.InvariantCulture); break;
            case "--passes": passes = Positive(name, value); break;
            case "--threads": threads = Positive(name, value); break;
            case "--seed": seed = ulong.Parse(value, CultureInfo.InvariantCulture); break;
            default: throw new ArgumentException($"unknown option {name}");
        }
    }
    if (folder is null)
    {
        throw new ArgumentException("--ranker is required");
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

set_num_threads(threads);
var (manifest, ranker, features, _, items) = RankerArtifact.Load(folder, "cpu");
using var _ranker = ranker;
var scorer = new CandidateScorer(ranker, features);
var random = new DeterministicRandom(seed);
candidates = Math.Min(candidates, items.Count);
Console.WriteLine($"{manifest.Model} ({ranker.Describe()}), {items.Count} items; {candidates} candidates and {historyLength} history items per request, {likedShare:P0} of them liked; torch threads {threads}");
Console.WriteLine();
Console.WriteLine("| requests/pass | rows/pass | call ms | forward ms | rows/s (call) | rows/s (forward) |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
foreach (var perPass in requestsPerPass)
{
    var batches = Enumerable.Range(0, passes + 5).Select(_ => Enumerable.Range(0, perPass).Select(_ => Request()).ToArray()).ToArray();
    for (var w = 0; w < 5; w++)
    {
        scorer.Score(batches[w]);
    }
    var call = TimeSpan.Zero;
    var forward = TimeSpan.Zero;
    long rows = 0;
    for (var p = 5; p < batches.Length; p++)
    {
        var started = ThreadClock.Now();
        scorer.Score(batches[p]);
        call += ThreadClock.Now() - started;
        rows += batches[p].Sum(r => r.Candidates.Count);
    }
    // The forward pass alone, on batches the scorer encoded beforehand.
    for (var p = 5; p < batches.Length; p++)
    {
        using var scope = NewDisposeScope();
        var batch = scorer.Encode(batches[p]);
        var started = ThreadClock.Now();
        ranker.Predict(batch);
        forward += ThreadClock.Now() - started;
    }
    var rowsPerPass = rows / (double)passes;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {perPass} | {rowsPerPass:0} | {call.TotalMilliseconds / passes:0.00} | {forward.TotalMilliseconds / passes:0.00} | {rows / call.TotalSeconds:0} | {rows / forward.TotalSeconds:0} |"));
}
return 0;

RankingRequest Request()
{
    var user = random.Next(features.Users.Count);
    var history = Distinct(historyLength);
    var liked = history.Where(_ => random.NextDouble() < likedShare).ToArray();
    var disliked = history.Except(liked).ToArray();
    var pool = Distinct(candidates + historyLength).Except(history).Take(candidates).ToArray();
    return new RankingRequest(features.User(user), history, pool, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), liked, disliked,
        features.Map.Contains(FeatureNames.RecallScore) ? [.. pool.Select(_ => (float)random.NextDouble())] : null);
}

int[] Distinct(int count)
{
    var chosen = new HashSet<int>();
    count = Math.Min(count, items.Count);
    while (chosen.Count < count)
    {
        chosen.Add(random.Next(items.Count));
    }
    return [.. chosen];
}

static int Positive(string name, string value) =>
    int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name} must be a positive integer; got '{value}'");
