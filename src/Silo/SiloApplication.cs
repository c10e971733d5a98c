using Microsoft.AspNetCore.Builder;
using RecSys.Silo.Extensions;

namespace RecSys.Silo;

/// <summary>A standalone silo: Orleans plus /metrics and /health/*, no public API.</summary>
public static class SiloApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddRecSysCommandLine(args);
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8081");
        }
        builder.AddRecSysSilo();
        builder.AddRecSysTelemetry();
        var app = builder.Build();
        app.MapRecSysOperations();
        return app;
    }
}
