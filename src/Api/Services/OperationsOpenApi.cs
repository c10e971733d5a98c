using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RecSys.Api.Services;

/// <summary>
/// Adds the operational endpoints to the OpenAPI document. They are mapped by middleware-based helpers
/// (Prometheus exporter, health checks) that API Explorer does not see, but clients and probes use them too.
/// </summary>
internal sealed class OperationsOpenApi : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= [];
        Add(document, "/metrics", "GetMetrics", "Prometheus metrics: meters Microsoft.Orleans (orleans_*) and RecSys (recsys_*)",
            ("200", "Prometheus text exposition format"));
        Add(document, "/health/live", "GetLiveness", "Liveness: the process answers",
            ("200", "Healthy"));
        Add(document, "/health/ready", "GetReadiness", "Readiness: models loaded and catalogue seeded (or client connected)",
            ("200", "Healthy"), ("503", "Not ready yet, or start-up failed"));
        return Task.CompletedTask;
    }

    private static void Add(OpenApiDocument document, string path, string operationId, string summary, params (string Status, string Description)[] responses)
    {
        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
            Responses = [],
        };
        foreach (var (status, description) in responses)
        {
            operation.Responses.Add(status, new OpenApiResponse { Description = description });
        }
        document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
    }
}
