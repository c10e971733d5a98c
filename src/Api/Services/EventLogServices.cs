using RecSys.Silo.Extensions;
using RecSys.Silo.Options;

namespace RecSys.Api.Services;

/// <summary>Chooses the event log for the storage mode.</summary>
internal static class EventLogServices
{
    /// <summary>
    /// PostgreSQL mode logs every event to recsys_events (in both roles: the Api is the one writer whatever hosts
    /// the grains); memory mode keeps none. The schema is applied by the silos at start-up, which a client-role Api
    /// waits for before it serves.
    /// </summary>
    public static IHostApplicationBuilder AddRecSysEventLog(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetRecSysOptions();
        if (options.StorageKind == StorageKind.Postgres)
        {
            var connection = options.Connection!;
            builder.Services.AddSingleton<IEventLog>(sp => new PostgresEventLog(connection, sp.GetRequiredService<ILogger<PostgresEventLog>>()));
        }
        else
        {
            builder.Services.AddSingleton<IEventLog, NoEventLog>();
        }
        return builder;
    }
}
