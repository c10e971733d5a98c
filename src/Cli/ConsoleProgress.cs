using System.Diagnostics;
using RecSys.Models.Recall;

namespace RecSys.Cli;

/// <summary>
/// A progress bar on standard error. On a terminal it redraws one line; when redirected (CI, logs) it prints a
/// line at 0%, every 25% and at the end, so logs stay readable.
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>, IDisposable
{
    private const int Width = 28;
    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly bool _live;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _lastQuarter = -1;
    private int _lastPercent = -1;
    private string _lastStage = "";

    public ConsoleProgress(TextWriter writer, string label)
    {
        _writer = writer;
        _label = label;
        _live = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
        Report(new TrainingProgress("", 0));
    }

    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            var fraction = Math.Clamp(value.Fraction, 0, 1);
            var percent = (int)(fraction * 100);
            _lastStage = value.Stage.Length > 0 ? value.Stage : _lastStage;
            if (_live)
            {
                if (percent == _lastPercent && fraction < 1)
                {
                    return;
                }
                _lastPercent = percent;
                var filled = (int)(fraction * Width);
                _writer.Write($"\r{_label,-22} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%  {_watch.Elapsed.TotalSeconds,6:0.0}s  {Trim(_lastStage),-40}");
                _writer.Flush();
            }
            else
            {
                var quarter = (int)(fraction * 4);
                if (quarter == _lastQuarter)
                {
                    return;
                }
                _lastQuarter = quarter;
                _writer.WriteLine($"{_label}: {percent,3}%  {_watch.Elapsed.TotalSeconds:0.0}s  {_lastStage}");
            }
        }
    }

    public void Dispose()
    {
        if (_live)
        {
            lock (_gate)
            {
                _writer.WriteLine();
            }
        }
    }

    private static string Trim(string text) => text.Length <= 40 ? text : text[..37] + "...";
}

/// <summary>Shows ranking progress on a model's bar after its training finished.</summary>
internal sealed class ScoringProgress(IProgress<TrainingProgress> inner) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => inner.Report(new TrainingProgress($"ranking {value.Fraction:P0}", 1));
}
