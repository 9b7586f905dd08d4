namespace Dsl.Runtime;

/// <summary>Element-wise activations. Input and output may be the same span (in place). Backward kernels read the
/// forward output where it suffices, so the input need not be kept; dx may alias dy.</summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
    /// <summary>Parametric ReLU with a single slope <c>alpha[0]</c>. Not in place: backward needs x.</summary>
    public static void PRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> y) => throw new NotImplementedException();
    /// <summary>dx = dy·(x &gt; 0 ? 1 : a); dAlpha[0] = Σ dy·x over x ≤ 0 (overwritten).</summary>
    public static void PReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dAlpha) => throw new NotImplementedException();
}
