namespace Dsl.Runtime;

/// <summary>Shape of a 2-D pooling window over NCHW data; everything but the batch.</summary>
public readonly record struct Pool2dGeometry(
    int Channels, int InHeight, int InWidth, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth, int PadHeight, int PadWidth)
{
    public int OutHeight => (InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    public int InSize => Channels * InHeight * InWidth;
    public int OutSize => Channels * OutHeight * OutWidth;
}

/// <summary>Max pooling. Padding never wins the max (PyTorch semantics).</summary>
public static class MaxPool2d
{
    public static void Forward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    /// <summary>Routes each output gradient to the first input position in its window that equals the output (dx overwritten).</summary>
    public static void Backward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
}

/// <summary>Average pooling; padded positions count as zeros in the divisor (PyTorch's count_include_pad default).</summary>
public static class AvgPool2d
{
    public static void Forward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y) => throw new NotImplementedException();
    /// <summary>dx overwritten.</summary>
    public static void Backward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> dy, Span<float> dx) => throw new NotImplementedException();
}
