using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RecSys.Models.Ann;

/// <summary>Argument checks and scoring shared by the indexes.</summary>
internal static class VectorMath
{
    /// <summary>Throws unless the vector has the index's dimension and only finite values.</summary>
    public static void CheckVector(ReadOnlySpan<float> vector, int dimension, string paramName)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"expected a vector of dimension {dimension}, got {vector.Length}", paramName);
        }
        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentException("vector values must be finite (no NaN or infinity)", paramName);
            }
        }
    }

    public static void CheckMetric(VectorMetric metric)
    {
        if (metric is not (VectorMetric.InnerProduct or VectorMetric.Cosine or VectorMetric.L2))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric");
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/>, normalised to unit length for
    /// <see cref="VectorMetric.Cosine"/> (a zero vector stays zero and scores 0 against everything).
    /// </summary>
    public static void Prepare(VectorMetric metric, ReadOnlySpan<float> source, Span<float> destination)
    {
        source.CopyTo(destination);
        if (metric == VectorMetric.Cosine)
        {
            var norm = TensorPrimitives.Norm(source);
            if (norm > 0f)
            {
                TensorPrimitives.Divide(destination, norm, destination);
            }
        }
    }

    /// <summary>The score (higher is better) of a prepared query against a prepared stored vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Score(bool l2, ReadOnlySpan<float> query, ReadOnlySpan<float> vector) =>
        l2 ? -TensorPrimitives.Distance(query, vector) : TensorPrimitives.Dot(query, vector);
}
