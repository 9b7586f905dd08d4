namespace Dsl.Runtime;

/// <summary>Fully connected layer kernels. Weight <c>[outFeatures, inFeatures]</c> (PyTorch layout), bias <c>[outFeatures]</c>.</summary>
public static class Dense
{
    /// <summary><c>y[batch, out] = x[batch, in] · Wᵀ + b</c>. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inFeatures, int outFeatures) => throw new NotImplementedException();

    /// <summary>
    /// Gradients of <see cref="Forward"/>: <c>dx = dy · W</c> (skipped when <paramref name="dx"/> is empty),
    /// <c>dW = dyᵀ · x</c>, <c>db = Σ_batch dy</c> (skipped when empty). Parameter gradients are overwritten, not accumulated.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dWeight, Span<float> dBias, int batch, int inFeatures, int outFeatures) => throw new NotImplementedException();
}
