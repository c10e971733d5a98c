namespace RecSys.TestSupport;

/// <summary>Polls a condition instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for: {what}");
            }
            await Task.Delay(100);
        }
    }
}
