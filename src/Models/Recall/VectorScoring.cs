using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RecSys.Models.Recall;

/// <summary>Scores of embedding models: the user vector against every item row (plus an optional item bias).</summary>
public static class VectorScoring
{
    /// <summary>
    /// scores[i] = bias[i] + user · items[i], with <paramref name="items"/> row-major [scores.Length × user.Length].
    /// </summary>
    public static void Dot(ReadOnlySpan<float> user, ReadOnlySpan<float> items, ReadOnlySpan<float> bias, Span<float> scores)
    {
        var d = user.Length;
        if (items.Length < scores.Length * d)
        {
            throw new ArgumentException($"{items.Length} item values for {scores.Length} items of size {d}", nameof(items));
        }
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(user, items.Slice(i * d, d));
        }
        if (!bias.IsEmpty)
        {
            TensorPrimitives.Add(scores, bias[..scores.Length], scores);
        }
    }

    /// <summary>The user's row of a row-major [users × size] array.</summary>
    public static ReadOnlySpan<float> Row(float[] rows, int index, int size) => rows.AsSpan(index * size, size);
}
