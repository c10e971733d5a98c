namespace RecSys.Silo.Options;

/// <summary>The host cannot start because of how it was configured; the message is meant for the operator.</summary>
public sealed class RecSysConfigurationException : Exception
{
    public RecSysConfigurationException(string message)
        : base(message)
    {
    }

    public RecSysConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RecSysConfigurationException()
    {
    }
}

/// <summary>The host could not start for a reason outside its configuration (e.g. the database is unreachable).</summary>
public sealed class RecSysStartupException : Exception
{
    public RecSysStartupException(string message)
        : base(message)
    {
    }

    public RecSysStartupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RecSysStartupException()
    {
    }
}
