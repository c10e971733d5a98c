using System.Globalization;
using RecSys.Models.Data;
using RecSys.Models.Torch;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>What the deep rankers share besides the layers: layer-size options and seeded initialisation.</summary>
internal static class RankerParts
{
    /// <summary>"256,128" → [256, 128]; "" or "none" → []; null when a part is not a positive integer.</summary>
    public static int[]? ParseSizes(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        var sizes = text.Split(',', StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .ToArray();
        return sizes.All(n => n > 0) ? sizes : null;
    }

    /// <summary>The parsed sizes of a validated option (validation has rejected anything else).</summary>
    public static int[] Sizes(string text) =>
        ParseSizes(text) ?? throw new FormatException($"'{text}' is not a list of comma-separated positive sizes");

    /// <summary>A problem with a sizes option, or null: 1 to 10 sizes from 1 to 4096 (none allowed if <paramref name="allowEmpty"/>).</summary>
    public static string? SizesProblem(string option, string text, bool allowEmpty, string example)
    {
        var sizes = ParseSizes(text);
        var ok = sizes is not null && sizes.Length <= 10 && sizes.All(n => n <= 4096) && (allowEmpty || sizes.Length > 0);
        return ok
            ? null
            : allowEmpty
                ? $"{option} must be up to 10 comma-separated sizes from 1 to 4096, or none (e.g. {example}); got '{text}'"
                : $"{option} must be 1 to 10 comma-separated sizes from 1 to 4096 (e.g. {example}); got '{text}'";
    }

    /// <summary>
    /// Seeds every parameter of <paramref name="modules"/> with <see cref="TorchInit.Seeded"/>, in order. The
    /// embeddings are not among them: <see cref="FeatureEmbeddings"/> initialises itself and keeps row 0 at zero.
    /// </summary>
    public static void Seed(DeterministicRandom random, params nn.Module?[] modules)
    {
        foreach (var module in modules)
        {
            if (module is not null)
            {
                TorchInit.Seeded(module, random);
            }
        }
    }
}
