namespace RecSys.Grains;

/// <summary>Names shared by every component that reports telemetry.</summary>
public static class Telemetry
{
    /// <summary>Our meter; Prometheus shows its instruments as recsys_*.</summary>
    public const string MeterName = "RecSys";
}
