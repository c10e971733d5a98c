using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using RecSys.Grains;
using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Silo.Options;
using RecSys.Silo.Persistence;
using RecSys.Silo.StartupTasks;

namespace RecSys.Silo.Extensions;

/// <summary>Wiring shared by the standalone silo and the Api (co-hosted silo or Orleans client).</summary>
public static class RecSysHostingExtensions
{
    /// <summary>ADO.NET invariant of Npgsql, as Orleans names it.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Configuration section whose subsections bind Orleans' own options, for operators and tests that need other
    /// failure-detection or timeout settings (e.g. RecSys:Orleans:ClusterMembership:ProbeTimeout=00:00:02). Silos
    /// bind ClusterMembership (<see cref="ClusterMembershipOptions"/>) and Messaging (<see cref="SiloMessagingOptions"/>);
    /// clients bind Messaging (<see cref="ClientMessagingOptions"/>) and Gateway (<see cref="GatewayOptions"/>). Unset
    /// keys keep Orleans' defaults, which stay the right choice for production.
    /// </summary>
    public const string OrleansSection = "RecSys:Orleans";

    /// <summary>Where the Orleans dashboard (HTML page and its JSON endpoints) is served.</summary>
    public const string DashboardPath = "/dashboard";

    private static readonly string[] StorageProviders = [StorageNames.Users, StorageNames.Items, StorageNames.Aggregates];

    // Request latencies in seconds: 0.5 ms .. 10 s.
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Binds and validates "RecSys"; throws <see cref="RecSysConfigurationException"/> listing every problem.</summary>
    public static RecSysOptions GetRecSysOptions(this IConfiguration configuration)
    {
        var options = new RecSysOptions();
        var serving = new ServingOptions();
        var lifecycle = new ModelLifecycleOptions();
        try
        {
            configuration.GetSection(RecSysOptions.Section).Bind(options);
            configuration.GetSection(ServingOptions.Section).Bind(serving);
            configuration.GetSection(ModelLifecycleOptions.Section).Bind(lifecycle);
        }
        catch (InvalidOperationException ex)
        {
            // e.g. "Failed to convert configuration value 'abc' at 'RecSys:SiloPort' to type 'System.Int32'."
            throw new RecSysConfigurationException(ex.Message, ex);
        }
        var problems = options.Validate().Concat(serving.Validate()).Concat(lifecycle.Validate()).ToList();
        if (problems.Count > 0)
        {
            throw new RecSysConfigurationException(string.Join(Environment.NewLine, problems));
        }
        return options;
    }

    /// <summary>Adds the RecSys command-line switches (<see cref="CommandLine.SwitchMappings"/>) to configuration.</summary>
    public static IHostApplicationBuilder AddRecSysCommandLine(this IHostApplicationBuilder builder, string[] args)
    {
        var unknown = CommandLine.FindUnknownSwitch(args);
        if (unknown is not null)
        {
            throw new RecSysConfigurationException(unknown);
        }
        builder.Configuration.AddCommandLine(args, CommandLine.SwitchMappings.ToDictionary());
        return builder;
    }

    /// <summary>
    /// Runs a silo in this host: clustering and grain storage per <see cref="RecSysOptions.Storage"/>, the schema
    /// migration (PostgreSQL), model loading and catalogue seeding, and readiness.
    /// </summary>
    public static IHostApplicationBuilder AddRecSysSilo(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetRecSysOptions();
        AddServingServices(builder);

        if (options.StorageKind == StorageKind.Postgres)
        {
            // Registered before UseOrleans: hosted services start in order, and the providers need the schema.
            var connection = options.Connection!;
            builder.Services.AddHostedService(sp => new PostgresSchemaMigration(connection, sp.GetRequiredService<ILogger<PostgresSchemaMigration>>()));
            builder.Services.AddSingleton(sp => new DatasetEventLog(connection, sp.GetRequiredService<ILogger<DatasetEventLog>>()));
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(cluster => ConfigureCluster(cluster, options));

            if (options.StorageKind == StorageKind.Postgres)
            {
                silo.UseAdoNetClustering(adoNet =>
                {
                    adoNet.Invariant = NpgsqlInvariant;
                    adoNet.ConnectionString = options.Connection;
                });
                silo.ConfigureEndpoints(options.ResolveAdvertisedAddress(), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                foreach (var name in StorageProviders)
                {
                    silo.AddAdoNetGrainStorage(name, adoNet =>
                    {
                        adoNet.Invariant = NpgsqlInvariant;
                        adoNet.ConnectionString = options.Connection;
                    });
                }
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                foreach (var name in StorageProviders)
                {
                    silo.AddMemoryGrainStorage(name);
                }
            }

            // Chosen before any data exists: plain JSON, no $type names, so renaming a class never strands rows.
            silo.UseSystemTextJsonGrainStorageSerializer();

            // Every silo runs the dashboard's grains and call profiler, so a dashboard on any host (silo or
            // client) sees the whole cluster.
            silo.AddDashboard();

            // Last, so these override anything Orleans or the providers configured above.
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(OrleansSection + ":ClusterMembership"));
            silo.Services.Configure<SiloMessagingOptions>(builder.Configuration.GetSection(OrleansSection + ":Messaging"));
        });

        // After UseOrleans, so it starts once the silo is up.
        builder.Services.AddSingleton(DatasetSpec.Parse(options.Data));
        builder.Services.AddHostedService<ModelBootstrapper>();
        builder.Services.AddHostedService<ModelVersionWatcher>();
        return builder;
    }

    /// <summary>Connects this host to separately running silos as an Orleans client.</summary>
    public static IHostApplicationBuilder AddRecSysClient(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetRecSysOptions();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ServingReadiness>();
        builder.Services.AddSingleton<ClusterClientReadiness>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterClientReadiness>());
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster => ConfigureCluster(cluster, options));
            if (options.StorageKind == StorageKind.Postgres)
            {
                client.UseAdoNetClustering(adoNet =>
                {
                    adoNet.Invariant = NpgsqlInvariant;
                    adoNet.ConnectionString = options.Connection;
                });
            }
            else
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
            // Reads the cluster through the dashboard grains the silos run.
            client.AddDashboard();

            client.Services.Configure<ClientMessagingOptions>(builder.Configuration.GetSection(OrleansSection + ":Messaging"));
            client.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(OrleansSection + ":Gateway"));
        });
        // After UseOrleansClient: starts once the client has connected.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterClientReadiness>());
        return builder;
    }

    /// <summary>Meters (Microsoft.Orleans and RecSys) exported for Prometheus, and health checks.</summary>
    public static IHostApplicationBuilder AddRecSysTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans", Telemetry.MeterName)
            .AddView(instrument => instrument.Meter.Name == Telemetry.MeterName && instrument.Unit == "s"
                ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                : null)
            .AddPrometheusExporter());
        builder.Services.AddHealthChecks().AddCheck<ServingReadinessCheck>("serving", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Maps /metrics, /health/live (the process answers), /health/ready (it can serve) and the Orleans dashboard
    /// at <see cref="DashboardPath"/> (no authentication: expose it only where /metrics may be seen).
    /// </summary>
    public static WebApplication MapRecSysOperations(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        // The dashboard's JSON is the package's own, not part of our API contract: kept out of the OpenAPI document.
        app.MapOrleansDashboard(routePrefix: DashboardPath).ExcludeFromDescription();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    private static void ConfigureCluster(ClusterOptions cluster, RecSysOptions options)
    {
        cluster.ClusterId = options.ClusterId;
        cluster.ServiceId = options.ServiceId;
    }

    private static void AddServingServices(IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.Configure<ServingOptions>(builder.Configuration.GetSection(ServingOptions.Section));
        builder.Services.Configure<ModelLifecycleOptions>(builder.Configuration.GetSection(ModelLifecycleOptions.Section));
        builder.Services.AddSingleton<ServingModels>();
        builder.Services.AddSingleton<DatasetHistories>();
        builder.Services.AddSingleton<RankingBatcher>();
        builder.Services.AddSingleton<ServingReadiness>();
        builder.Services.AddBlockedItems();
    }
}
