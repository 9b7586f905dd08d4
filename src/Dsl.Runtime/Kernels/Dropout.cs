namespace Dsl.Runtime;

/// <summary>Inverted dropout (training only; inference is the identity and calls nothing).</summary>
public static class Dropout
{
    /// <summary>mask[i] = 0 with probability p, else 1/(1-p); y = x·mask. x and y may alias.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float p, ref Rng rng) => throw new NotImplementedException();
    /// <summary>dx = dy·mask. dx and dy may alias.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx) => throw new NotImplementedException();
}
