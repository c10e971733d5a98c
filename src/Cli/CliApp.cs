using RecSys.Cli.Commands;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Cli;

/// <summary>
/// Parses the command line and runs a command. Exit codes: 0 success, 1 failure while running,
/// 2 bad arguments or bad input data (with a message on standard error).
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    private static readonly string Help = $"""
        usage: recsys <command> [options]

        commands:
          data stats --data <spec>        users, items, interactions, density, rating histogram
          eval --data <spec>              train and evaluate models; prints a comparison table
               [--protocol msr|ratio|loo|temporal|ctr|two-stage|session]
                                                         (default msr: 75/25 per item, as Microsoft Recommenders;
                                                          ctr: rankers lr,fm on a random 8:1:1 split, auc/gauc/logloss;
                                                          two-stage: leave-one-out, --recall <model> (default sasrec)
                                                          top --candidates 200 re-ranked by each ranker in --models,
                                                          rankers trained on --ranker-data impressions (the recall
                                                          lists at the validation step, with recall scores) or
                                                          interactions (--negatives 4 sampled per interaction,
                                                          --recall-negatives 0.5 of them from the user's candidates);
                                                          session: each user is a session, the latest --test-share 0.2
                                                          of sessions by first event (or --test-days N: those ending in
                                                          the last N days) are test sessions; every next item of each
                                                          is predicted from its prefix, hit/mrr/ndcg/coverage@20 over
                                                          all training items; models {string.Join(',', SessionModelCatalog.Names)}
                                                          (default {string.Join(',', SessionModelCatalog.Baselines)}); --exclude-seen
                                                          removes the prefix's items; --export-split <folder> writes
                                                          train.tsv and test.tsv (SessionId ItemId Time); --ties
                                                          pessimistic (default) or optimistic (the reference script's
                                                          rule: items tied with the target do not count above it))
               [--models {string.Join(',', EvalCommand.DefaultModels)}]
               [--k 10] [--seed 42] [--out <folder>]  (writes report.md and report.json)
               [--set model.option=value]...           (e.g. --set itemcf.k=200; see 'recsys models')
               [--sampled N]                           (rank test items among N sampled negatives; labelled)
               [--device auto|cpu|cuda]
          train --data <spec> --models gru4rec,sasrec --out <folder>
                                          train on all but each user's last item (early stopping on it) and
                                          write one artifact folder per model: manifest.json, weights, vectors
                                          (rankers such as lr,fm: 90/10 random split, weights + feature map)
          models                          every model option with its default (also the session models)
          loadtest --url <api>            open-loop load against a running API: [--rps 100] [--duration 10]
                                          [--users 1000] [--write-ratio 0.1] [--like-ratio 0] (share of writes
                                          that are likes, not clicks) [--count 10] [--max-in-flight 1024]
                                          [--json]; prints p50/p95/p99/max latency, throughput and errors
          replay-eval --data <spec>       served (prequential) evaluation of the whole serving path: the data split by
                                          [--protocol temporal|loo|session] (default temporal, --test-share 0.2;
                                          session: later sessions replayed as anonymous sessions, --test-share 0.2
                                          or --test-days N, K 20), the service
                                          started on the training part in this process (or --url <api> started on
                                          the part --export-train <folder> writes), the held-out events replayed in
                                          time order: recommendations (--k 10) before each, the event after; prints
                                          HR, MRR, nDCG, coverage, degraded answers, errors and latency.
                                          [--variant "name: key=value; ..."]... serving configurations compared in
                                          one run (e.g. "no ranker: RecSys:Serving:Ranker=none"), [--set key=value]...
                                          for all of them, [--artifacts <folder>] (keep and reuse trained versions),
                                          [--parallel 4] [--limit N] [--ready-timeout 60] (minutes) [--out <folder>];
                                          --validation replays the same protocol inside the training part instead
                                          (tune settings there, never on the test part)
          import --url <api> --data <spec>
                                          post a dataset's interactions into a running service as events, in time
                                          order, batched (--batch 5000), each with a stable id (re-imports and data
                                          the service loaded count once), resumable from --checkpoint <file>
                                          (default .recsys-import-<fingerprint>; --restart ignores it);
                                          [--as users|sessions] (default users)
          replay --url <api> --connection <npgsql>
                                          rebuild user and session state from the PostgreSQL event log
                                          (recsys_events) through POST /v1/admin/replay, in seq order: [--user <id>
                                          | --session <id> | --only users|sessions] (default: everything) [--since
                                          <seq>] (rows after that seq; default 0 = all) [--batch 1000] (events per
                                          request, max 10000); prints counts and the last seq to resume from

        data options (data stats, eval):
          --skip-bad-lines                count and report malformed lines instead of stopping
          --min-rating <r>                keep interactions rated at least r
          --sessions <gap>                split each user's interactions into sessions where two consecutive
                                          ones are more than gap apart (30m, 1h, 1d); each session becomes a
                                          user <user>#<n> (applied after --min-rating, before --k-core)
          --k-core <n>                    keep users and items with at least n interactions

        data specs:
          synthetic[:users=N,items=N,categories=N,days=N,seed=N]   generated, deterministic
          movielens-100k:<folder>         u.data (+ u.item, u.user)
          movielens-1m:<folder>           ratings.dat (+ movies.dat, users.dat)
          movielens-25m:<folder>          ratings.csv (+ movies.csv, tags.csv); also 20m, latest
          csv:<file>, tsv:<file>, jsonl:<file>   interaction logs, optionally followed by
                                          #user=col,item=col,rating=col,timestamp=col,sep=semicolon,items=<catalogue>,encoding=latin1
                                          (session-rec's SessionId/ItemId/Time files load as they are;
                                          fractional unix times order events within a second)
          diginetica:<file>               DIGINETICA (CIKM Cup 2016) train-item-views.csv: each session a user,
                                          time = eventdate (UTC) + timeframe ms

        The API and silos are separate programs: dotnet run --project src/Api (or src/Silo).
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.Write(Help);
            return args.Length == 0 ? Usage : Success;
        }

        try
        {
            return args switch
            {
                ["data", "stats", .. var rest] => DataStatsCommand.Run(rest, output, error),
                ["eval", .. var rest] => EvalCommand.Run(rest, output, error),
                ["train", .. var rest] => TrainCommand.Run(rest, output, error),
                ["loadtest", .. var rest] => LoadTestCommand.Run(rest, output, error),
                ["replay", .. var rest] => ReplayCommand.Run(rest, output, error),
                ["replay-eval", .. var rest] => ReplayEvalCommand.Run(rest, output, error),
                ["import", .. var rest] => ImportCommand.Run(rest, output, error),
                ["models"] => Models(output),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args.Take(2))}'; run 'recsys --help'"),
            };
        }
        catch (UsageException ex)
        {
            error.WriteLine("recsys: " + ex.Message);
            return Usage;
        }
        catch (Exception ex) when (ex is FormatException or DataFormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine("recsys: " + ex.Message);
            return Usage;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not the user's input: say what failed instead of crashing with a stack trace.
            var cause = ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : ex;
            error.WriteLine($"recsys: failed: {cause.GetType().Name}: {cause.Message}");
            if (Environment.GetEnvironmentVariable("RECSYS_TRACE") == "1")
            {
                error.WriteLine(cause.ToString()); // the stack, for bug reports
            }
            return Failure;
        }
    }

    private static int Models(TextWriter output)
    {
        void Write(IEnumerable<(string Model, string Option, string Default, string Description)> options)
        {
            foreach (var group in options.GroupBy(o => o.Model))
            {
                output.WriteLine(group.Key);
                foreach (var (_, option, value, description) in group)
                {
                    output.WriteLine($"  {$"{group.Key}.{option}={value}",-28} {description}");
                }
            }
        }

        Write(RecommenderCatalog.Options().Concat(RankerCatalog.Options()));
        output.WriteLine();
        output.WriteLine("session models (eval --protocol session; gru4rec and sasrec take their options above):");
        foreach (var name in SessionModelCatalog.Names.Where(n => !RecommenderCatalog.Contains(n) || n == "pop"))
        {
            output.WriteLine($"{name,-8} {SessionModelCatalog.Summary(name)}");
            foreach (var (_, option, value, description) in SessionModelCatalog.Options().Where(o => o.Model == name))
            {
                output.WriteLine($"  {$"{name}.{option}={value}",-28} {description}");
            }
        }
        return Success;
    }
}
