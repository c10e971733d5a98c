using System.Globalization;
using System.Reflection;

namespace RecSys.Models.Recall;

/// <summary>Names a model option on the command line (<c>--set model.name=value</c>) and says what it means.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;
}

/// <summary>Options that can say what is wrong with their values.</summary>
public interface IModelOptions
{
    /// <summary>Every problem, phrased as "name must be ..."; empty when the values are usable.</summary>
    IEnumerable<string> Validate();
}

/// <summary>
/// A model cannot run with these options on this data (e.g. EASE on a catalogue too large for its matrix). The
/// message says what to change.
/// </summary>
public sealed class RecommenderConfigurationException : Exception
{
    public RecommenderConfigurationException(string message)
        : base(message)
    {
    }

    public RecommenderConfigurationException()
    {
    }

    public RecommenderConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Applies <c>--set</c> values to an options record by its <see cref="OptionAttribute"/> names.</summary>
public static class ModelOptions
{
    /// <summary>
    /// A copy of <paramref name="defaults"/> with <paramref name="values"/> applied. Throws
    /// <see cref="FormatException"/> naming the model and option for unknown names or unparsable values.
    /// </summary>
    public static T Bind<T>(T defaults, IReadOnlyDictionary<string, string> values, string model)
        where T : class
    {
        var options = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(defaults, null)!;
        var properties = Describe(typeof(T)).ToDictionary(p => p.Name, p => p.Property, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, text) in values)
        {
            if (!properties.TryGetValue(name, out var property))
            {
                throw new FormatException($"{model} has no option '{name}'; it has {string.Join(", ", properties.Keys)}");
            }
            property.SetValue(options, Parse(text, property.PropertyType, $"{model}.{name}"));
        }
        if (options is IModelOptions validatable && validatable.Validate().ToList() is { Count: > 0 } problems)
        {
            throw new FormatException($"{model}: {string.Join("; ", problems)}");
        }
        return options;
    }

    /// <summary>"name=value" for every option of <paramref name="instance"/>.</summary>
    public static string Format(object instance) => string.Join(", ",
        Describe(instance.GetType()).Select(o => $"{o.Name}={Convert.ToString(o.Property.GetValue(instance), CultureInfo.InvariantCulture)?.ToLowerInvariant()}"));

    public static IEnumerable<(string Name, string Description, PropertyInfo Property)> Describe(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<OptionAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => (p.Attribute!.Name, p.Attribute.Description, p.Property));

    private static object Parse(string text, Type type, string name)
    {
        var invariant = CultureInfo.InvariantCulture;
        object? value = type switch
        {
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? d : null,
            _ when type == typeof(float) => float.TryParse(text, NumberStyles.Float, invariant, out var f) && float.IsFinite(f) ? f : null,
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ when type == typeof(string) => text,
            _ when type.IsEnum => Enum.TryParse(type, text, ignoreCase: true, out var e) && Enum.IsDefined(type, e!) ? e : null,
            _ => throw new InvalidOperationException($"option type {type} is not supported"),
        };
        return value ?? throw new FormatException(type.IsEnum
            ? $"{name}='{text}' is not one of {string.Join(", ", Enum.GetNames(type)).ToLowerInvariant()}"
            : $"{name}='{text}' is not a valid {type.Name.ToLowerInvariant()}");
    }
}
