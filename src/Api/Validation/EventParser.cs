using System.Globalization;
using System.Text.Json;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Validation;

/// <summary>An event that passed validation, with the subject it belongs to.</summary>
/// <param name="Kind">Whether <paramref name="SubjectId"/> names a user or an anonymous session (separate id spaces).</param>
/// <param name="SubjectId">The user or session id.</param>
internal sealed record IngestEvent(SubjectKind Kind, string SubjectId, UserEvent Event);

/// <summary>
/// Turns the body of POST /v1/events, POST /v1/sessions/{sessionId}/events or POST /v1/admin/replay (one object or an
/// array) into events, or into errors keyed by field path ("userId" for a single object, "[3].type" inside an array).
/// The whole batch is checked before anything is recorded, so a bad element never leaves the batch half-applied.
/// </summary>
internal static class EventParser
{
    public const int MaxBatch = 10_000;
    public const int MaxEventIdLength = 128;
    private const int MaxReportedErrors = 50;

    private static readonly Dictionary<string, EventType> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["view"] = EventType.View,
        ["click"] = EventType.Click,
        ["like"] = EventType.Like,
        ["rating"] = EventType.Rating,
        ["purchase"] = EventType.Purchase,
        ["skip"] = EventType.Skip,
    };

    public static string TypeList => string.Join(", ", Types.Keys);

    /// <param name="root">One event object or an array of them.</param>
    /// <param name="now">Server time, for events without a timestamp.</param>
    /// <param name="session">
    /// The session every event belongs to when the route names it: the body then carries no userId.
    /// </param>
    /// <param name="replay">
    /// Replay of the event log: every event must carry the id it was logged with, and names its subject itself,
    /// by userId (a user event) or sessionId (a session event).
    /// </param>
    public static (List<IngestEvent>? Events, Dictionary<string, string[]>? Errors) Parse(JsonElement root, DateTimeOffset now, string? session = null, bool replay = false)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var events = new List<IngestEvent>();
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                ParseOne(root, "", now, session, replay, events, errors);
                break;
            case JsonValueKind.Array:
                var length = root.GetArrayLength();
                if (length == 0)
                {
                    errors["body"] = ["the batch is empty; send at least one event"];
                    break;
                }
                if (length > MaxBatch)
                {
                    errors["body"] = [$"a batch holds at most {MaxBatch} events; this one has {length}"];
                    break;
                }
                var index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    ParseOne(element, $"[{index}].", now, session, replay, events, errors);
                    if (errors.Count >= MaxReportedErrors)
                    {
                        break;
                    }
                    index++;
                }
                break;
            default:
                errors["body"] = ["expected an event object or an array of event objects"];
                break;
        }
        return errors.Count > 0 ? (null, errors) : (events, null);
    }

    private static void ParseOne(JsonElement element, string prefix, DateTimeOffset now, string? session, bool replay, List<IngestEvent> events, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors[prefix.Length == 0 ? "body" : prefix.TrimEnd('.')] = ["expected an event object"];
            return;
        }
        var before = errors.Count;
        void Fail(string field, string message) => errors[prefix + field] = [message];

        var (kind, subjectId) = (SubjectKind.User, session);
        if (session is not null)
        {
            kind = SubjectKind.Session;
            if (element.TryGetProperty("userId", out _))
            {
                Fail("userId", "session events carry no userId: the session id in the path is the subject");
            }
        }
        else if (replay && HasValue(element, "sessionId"))
        {
            kind = SubjectKind.Session;
            subjectId = ReadId(element, "sessionId", Fail);
            if (HasValue(element, "userId"))
            {
                Fail("userId", "a replayed event names one subject: a userId or a sessionId, not both");
            }
        }
        else if (replay && !HasValue(element, "userId"))
        {
            Fail("userId", "userId or sessionId is required: a replayed event names the user or session it was logged for");
        }
        else
        {
            subjectId = ReadId(element, "userId", Fail);
        }
        var itemId = ReadId(element, "itemId", Fail);

        EventType type = default;
        if (!element.TryGetProperty("type", out var typeElement) || typeElement.ValueKind == JsonValueKind.Null)
        {
            Fail("type", $"type is required: one of {TypeList}");
        }
        else if (JsonText.Read(typeElement) is not { } typeName || !Types.TryGetValue(typeName, out type))
        {
            Fail("type", $"type {typeElement.GetRawText()} is not one of {TypeList}");
        }

        double? value = null;
        if (element.TryGetProperty("value", out var valueElement) && valueElement.ValueKind != JsonValueKind.Null)
        {
            if (valueElement.ValueKind != JsonValueKind.Number || !valueElement.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                Fail("value", "value must be a number");
            }
            else
            {
                value = number;
            }
        }
        if (type == EventType.Rating)
        {
            if (value is null && !errors.ContainsKey(prefix + "value"))
            {
                Fail("value", "value is required for type rating (0 to 5)");
            }
            else if (value is < 0 or > 5)
            {
                Fail("value", $"rating value {value.Value.ToString(CultureInfo.InvariantCulture)} is outside 0 to 5");
            }
        }

        var timestamp = now;
        if (element.TryGetProperty("timestamp", out var timeElement) && timeElement.ValueKind != JsonValueKind.Null)
        {
            if (!TryReadTimestamp(timeElement, out timestamp))
            {
                Fail("timestamp", "timestamp must be an ISO-8601 date-time or unix seconds");
            }
            else if (timestamp > now.AddDays(1))
            {
                Fail("timestamp", $"timestamp {timestamp:O} is more than a day in the future");
            }
        }

        string? eventId = null;
        if (element.TryGetProperty("eventId", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
        {
            eventId = JsonText.Read(idElement);
            if (string.IsNullOrEmpty(eventId) || eventId.Length > MaxEventIdLength)
            {
                Fail("eventId", $"eventId must be a string of 1 to {MaxEventIdLength} characters");
            }
        }
        else if (replay)
        {
            Fail("eventId", "eventId is required here: replayed events keep the id they were logged with");
        }

        if (errors.Count == before)
        {
            events.Add(new IngestEvent(kind, subjectId!, new UserEvent(itemId!, type, value, timestamp, eventId)));
        }
    }

    // An explicit null counts as absent, as it does for the optional fields.
    private static bool HasValue(JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    private static string? ReadId(JsonElement element, string field, Action<string, string> fail)
    {
        string? id = null;
        if (element.TryGetProperty(field, out var idElement))
        {
            id = idElement.ValueKind switch
            {
                JsonValueKind.String => JsonText.Read(idElement) ?? "\0invalid",
                // Numeric ids are common in event pipelines; accept integers and use their text.
                JsonValueKind.Number when idElement.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
                JsonValueKind.Null => null,
                _ => "\0invalid",
            };
        }
        if (id == "\0invalid")
        {
            fail(field, $"{field} must be a valid string or an integer");
            return null;
        }
        var problem = RequestValidation.CheckId(id, field);
        if (problem is not null)
        {
            fail(field, problem);
            return null;
        }
        return id;
    }

    private static bool TryReadTimestamp(JsonElement element, out DateTimeOffset timestamp)
    {
        timestamp = default;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return DateTimeOffset.TryParse(JsonText.Read(element), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
            case JsonValueKind.Number when element.TryGetDouble(out var seconds) && seconds >= 0 && seconds < 253_402_300_800:
                timestamp = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
                return true;
            default:
                return false;
        }
    }
}
