using Xunit;

namespace RecSys.TestSupport;

/// <summary>
/// A test that needs the PostgreSQL server test.sh provides. Without RECSYS_TEST_POSTGRES it is skipped on a
/// developer machine, but in CI (CI=true) it runs and fails, so integration tests never skip silently there.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (PostgresTestDatabase.ServerConnectionString is null && !inCi)
        {
            Skip = $"{PostgresTestDatabase.EnvironmentVariable} is not set; run ./test.sh to start a throwaway PostgreSQL";
        }
    }
}
