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
