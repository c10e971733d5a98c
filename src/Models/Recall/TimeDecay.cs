namespace RecSys.Models.Recall;

/// <summary>
/// Exponential time decay with a half-life: a unit of weight observed at time t is worth
/// 2^(-(now - t) / halfLife) at time now. Values are kept "as of" a time and moved forward lazily.
/// </summary>
public static class TimeDecay
{
    /// <summary>Moves <paramref name="value"/> held as of <paramref name="from"/> to time <paramref name="to"/>.</summary>
    public static double Decay(double value, DateTimeOffset from, DateTimeOffset to, TimeSpan halfLife)
    {
        if (value == 0 || halfLife <= TimeSpan.Zero)
        {
            return value;
        }
        var elapsed = (to - from).TotalSeconds;
        return value * Math.Pow(2.0, -elapsed / halfLife.TotalSeconds);
    }

    /// <summary>
    /// Adds <paramref name="weight"/> observed at <paramref name="at"/> to a value held as of
    /// <paramref name="asOf"/>. Late events are discounted to the value's time instead of rewinding it, so the
    /// result does not depend on arrival order.
    /// </summary>
    public static (double Value, DateTimeOffset AsOf) Add(double value, DateTimeOffset asOf, double weight, DateTimeOffset at, TimeSpan halfLife)
    {
        if (value == 0 && asOf == default)
        {
            return (weight, at);
        }
        return at >= asOf
            ? (Decay(value, asOf, at, halfLife) + weight, at)
            : (value + Decay(weight, at, asOf, halfLife), asOf);
    }
}
