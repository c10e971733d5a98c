namespace RecSys.Models.Data;

/// <summary>A data file could not be parsed; names the file and the 1-based line.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, int line, string reason)
        : base($"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    public DataFormatException(string message)
        : base(message)
    {
        File = "";
        Reason = message;
    }

    public DataFormatException(string message, Exception inner)
        : base(message, inner)
    {
        File = "";
        Reason = message;
    }

    public DataFormatException()
        : this("invalid data")
    {
    }

    /// <summary>Path of the offending file.</summary>
    public string File { get; }

    /// <summary>1-based line number, or 0 when the problem is not tied to a line.</summary>
    public int Line { get; }

    /// <summary>What was wrong, without the location prefix.</summary>
    public string Reason { get; }
}
