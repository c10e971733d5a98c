using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RecSys.Api.Validation;

/// <summary>Validation shared by the endpoints; every failure names the offending field.</summary>
internal static class RequestValidation
{
    public const int MaxIdLength = 256;
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>400 application/problem+json with one error for <paramref name="field"/>.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "Invalid request");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "Invalid request");

    /// <summary>Null when <paramref name="id"/> is usable as a user or item id, else why not.</summary>
    public static string? CheckId(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            return $"{field} is required";
        }
        if (id.Length > MaxIdLength)
        {
            return $"{field} is longer than {MaxIdLength} characters";
        }
        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return $"{field} contains a control character";
            }
            if (c == '/')
            {
                // Every id must be addressable as one URL path segment.
                return $"{field} must not contain '/'";
            }
        }
        return null;
    }

    /// <summary>Parses an optional integer query parameter within [min, max].</summary>
    public static bool TryQueryInt(string? raw, string field, int defaultValue, int min, int max, out int value, out ValidationProblem? problem)
    {
        problem = null;
        if (raw is null)
        {
            value = defaultValue;
            return true;
        }
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            problem = Invalid(field, $"{field} must be an integer from {min} to {max}; got '{raw}'");
            return false;
        }
        return true;
    }

    /// <summary>An optional boolean query parameter ("true" or "false", any case); null when absent.</summary>
    public static bool TryQueryBool(string? raw, string field, out bool? value, out ValidationProblem? problem)
    {
        problem = null;
        value = null;
        if (raw is null)
        {
            return true;
        }
        if (!bool.TryParse(raw, out var parsed))
        {
            problem = Invalid(field, $"{field} must be true or false; got '{raw}'");
            return false;
        }
        value = parsed;
        return true;
    }

    /// <summary>
    /// Reads the body as JSON, enforcing the 4 MB limit (413) whatever the server (Kestrel's own limit does not
    /// apply under the test host) and reporting malformed JSON with its position (400, field "body").
    /// </summary>
    public static async Task<(JsonDocument? Document, IResult? Error)> ReadJsonBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: $"Content-Type '{contentType}' is not JSON; send application/json"));
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return (null, TooLarge());
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }

        if (buffer.Length == 0)
        {
            return (null, Invalid("body", "the request body is empty; send a JSON document"));
        }
        try
        {
            return (JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 32 }), null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
            return (null, Invalid("body", $"malformed JSON{where}"));
        }
    }

    private static IResult TooLarge() => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"the body exceeds {MaxBodyBytes / (1024 * 1024)} MB; split the batch");

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }
}
