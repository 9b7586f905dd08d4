namespace Dsl.Runtime;

/// <summary>
/// Converts between the batch-major layout data arrives in (<c>[batch, steps, width]</c>, as D2L's iterators yield tokens)
/// and the time-major layout the recurrent kernels use (<c>[steps, batch, width]</c>, one contiguous block per step).
/// </summary>
public static class TimeMajor
{
    /// <summary><c>destination[t, b, :] = source[b, t, :]</c>. Source and destination must not overlap.</summary>
    public static void FromBatchMajor<T>(ReadOnlySpan<T> source, Span<T> destination, int batch, int steps, int width = 1)
    {
        Check(source.Length, destination.Length, batch, steps, width);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                source.Slice((b * steps + t) * width, width).CopyTo(destination.Slice((t * batch + b) * width, width));
    }

    /// <summary><c>destination[b, t, :] = source[t, b, :]</c>, the inverse of <see cref="FromBatchMajor{T}"/>.</summary>
    public static void ToBatchMajor<T>(ReadOnlySpan<T> source, Span<T> destination, int batch, int steps, int width = 1)
    {
        Check(source.Length, destination.Length, batch, steps, width);
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                source.Slice((t * batch + b) * width, width).CopyTo(destination.Slice((b * steps + t) * width, width));
    }

    private static void Check(int source, int destination, int batch, int steps, int width)
    {
        if (batch <= 0 || steps <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(batch), $"batch ({batch}), steps ({steps}) and width ({width}) must be positive.");
        int expected = batch * steps * width;
        if (source != expected || destination != expected)
            throw new ArgumentException($"source and destination must have {expected} elements (batch {batch}, steps {steps}, width {width}) but have {source} and {destination}.");
    }
}
