namespace Dsl.Runtime;

/// <summary>Shape of a 2-D convolution over NCHW data; everything but the batch.</summary>
public readonly record struct Conv2dGeometry(
    int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadHeight, int PadWidth)
{
    public int OutHeight => (InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    /// <summary>Elements of one input example, C·H·W.</summary>
    public int InSize => InChannels * InHeight * InWidth;
    /// <summary>Elements of one output example.</summary>
    public int OutSize => OutChannels * OutHeight * OutWidth;
    /// <summary>Elements of the weight, out·in·kh·kw.</summary>
    public int WeightSize => OutChannels * InChannels * KernelHeight * KernelWidth;
}

/// <summary>2-D convolution kernels. Weight <c>[out, in, kh, kw]</c> and bias <c>[out]</c>, PyTorch layout; data NCHW.</summary>
public static class Conv2d
{
    /// <summary>Scratch floats that <see cref="Forward"/> and <see cref="Backward"/> need for <paramref name="batch"/> examples.</summary>
    public static int WorkspaceLength(in Conv2dGeometry g, int batch) => throw new NotImplementedException();

    /// <summary>Forward pass; an empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace) => throw new NotImplementedException();

    /// <summary>Backward pass: <paramref name="dx"/> (skipped when empty), weight and bias gradients (overwritten; bias skipped when empty).</summary>
    public static void Backward(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> workspace) => throw new NotImplementedException();
}
