using System.Text.Json;

namespace RecSys.Api.Validation;

/// <summary>Reads JSON strings that may be invalid UTF-16 (an escaped lone surrogate such as "\ud800").</summary>
internal static class JsonText
{
    /// <summary>
    /// The string value, or null when the element is not a string or does not decode to valid text
    /// (<see cref="JsonElement.GetString"/> throws for those, which must be a 400, not a 500).
    /// </summary>
    public static string? Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
