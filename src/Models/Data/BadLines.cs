namespace RecSys.Models.Data;

/// <summary>
/// What a loader does with a malformed line: stop with <see cref="DataFormatException"/> (the default), or,
/// with <c>--skip-bad-lines</c>, count it, keep the first few messages, and go on.
/// </summary>
public sealed class BadLines
{
    private const int KeptExamples = 5;
    private readonly List<string> _examples = [];

    public BadLines(bool skip = false)
    {
        Skip = skip;
    }

    public bool Skip { get; }

    /// <summary>Lines skipped so far.</summary>
    public int Count { get; private set; }

    /// <summary>The first few skipped lines as "file:line: reason".</summary>
    public IReadOnlyList<string> Examples => _examples;

    /// <summary>Reports a malformed line: throws unless skipping.</summary>
    public void Report(string file, int line, string reason)
    {
        var error = new DataFormatException(file, line, reason);
        if (!Skip)
        {
            throw error;
        }
        Count++;
        if (_examples.Count < KeptExamples)
        {
            _examples.Add(error.Message);
        }
    }

    /// <summary>One line for people, e.g. "skipped 3 malformed lines (first: u.data:7: ...)".</summary>
    public string Summary => Count == 0
        ? "no malformed lines"
        : $"skipped {Count} malformed line{(Count == 1 ? "" : "s")} (first: {_examples[0]})";
}
