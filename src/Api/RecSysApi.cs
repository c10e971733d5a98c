using Microsoft.AspNetCore.Http.Json;
using RecSys.Api.Apis;
using RecSys.Api.Diagnostics;
using RecSys.Api.Services;
using RecSys.Api.Validation;
using RecSys.Silo;
using RecSys.Silo.Extensions;
using RecSys.Silo.Options;

namespace RecSys.Api;

/// <summary>Composition of the Api host.</summary>
public static class RecSysApi
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Runs the Api; returns the process exit code (2 for bad arguments or data).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (RecSysConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("recsys: " + ex.Message);
            return 2;
        }
        return await HostRunner.RunAsync(app, "recsys");
    }

    /// <summary>
    /// The Api host for <paramref name="args"/>, not yet started. <paramref name="configure"/> runs last, so it may
    /// replace services (an evaluation host serves a dataset already in memory). Throws
    /// <see cref="RecSysConfigurationException"/> for bad arguments.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddRecSysCommandLine(args);
        var options = builder.Configuration.GetRecSysOptions();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        if (options.HostRole == HostRole.Client)
        {
            builder.AddRecSysClient();
        }
        else
        {
            builder.AddRecSysSilo();
        }
        builder.AddRecSysTelemetry();
        builder.AddRecSysApi();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseRecSysApi();
        return app;
    }

    /// <summary>Services of the HTTP surface.</summary>
    public static IHostApplicationBuilder AddRecSysApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<GrainFailureExceptionHandler>();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<OperationsOpenApi>());
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.WriteIndented = false);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = RequestValidation.MaxBodyBytes);
        builder.Services.AddSingleton<EventIngestor>();
        builder.AddRecSysEventLog();
        if (builder.Configuration.GetRecSysOptions().Banner)
        {
            builder.Services.AddHostedService<StartupBanner>();
        }
        return builder;
    }

    /// <summary>Middleware and endpoints.</summary>
    public static WebApplication UseRecSysApi(this WebApplication app)
    {
        app.UseRequestMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapRecSysOperations();
        app.MapEventsApi();
        app.MapAdminApi();
        app.MapUsersApi();
        app.MapItemsApi();
        app.MapSessionsApi();
        app.MapModelAdminApi();
        return app;
    }
}
