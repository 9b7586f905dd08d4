namespace Dsl.Runtime;

/// <summary>
/// Adaptive average pooling of NCHW data to a fixed (outHeight, outWidth), with PyTorch's bins: output row i averages
/// input rows [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉), and likewise for columns. Bins may overlap when H is not a multiple of outH.
/// </summary>
/// <remarks>Planes are independent, so they are split over <see cref="Parallelism"/>.</remarks>
public static unsafe class AdaptiveAvgPool2d
{
    /// <summary>First input index of output bin <paramref name="index"/> of <paramref name="outSize"/> over <paramref name="inSize"/>.</summary>
    public static int BinStart(int index, int inSize, int outSize) => (int)((long)index * inSize / outSize);

    /// <summary>One past the last input index of the bin: ⌈(index + 1)·inSize/outSize⌉.</summary>
    public static int BinEnd(int index, int inSize, int outSize) => (int)(((long)(index + 1) * inSize + outSize - 1) / outSize);

    public static void Forward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth,
        ReadOnlySpan<float> x, Span<float> y)
    {
        ValidateShape(batch, channels, inHeight, inWidth, outHeight, outWidth);
        Validate.Length(x.Length, (long)batch * channels * inHeight * inWidth, nameof(x));
        Validate.Length(y.Length, (long)batch * channels * outHeight * outWidth, nameof(y));
        if (batch == 0) return;
        fixed (float* xPtr = x, yPtr = y)
        {
            var work = new Work
            {
                Source = xPtr, Destination = yPtr, Planes = batch * channels,
                InHeight = inHeight, InWidth = inWidth, OutHeight = outHeight, OutWidth = outWidth, Backward = false,
            };
            KernelParallel.Run(ref work, work.Planes, (long)inHeight * inWidth);
        }
    }

    /// <summary>dx overwritten; where bins overlap, an input receives the share of every bin that contains it.</summary>
    public static void Backward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth,
        ReadOnlySpan<float> dy, Span<float> dx)
    {
        ValidateShape(batch, channels, inHeight, inWidth, outHeight, outWidth);
        Validate.Length(dy.Length, (long)batch * channels * outHeight * outWidth, nameof(dy));
        Validate.Length(dx.Length, (long)batch * channels * inHeight * inWidth, nameof(dx));
        if (batch == 0) return;
        fixed (float* dyPtr = dy, dxPtr = dx)
        {
            var work = new Work
            {
                Source = dyPtr, Destination = dxPtr, Planes = batch * channels,
                InHeight = inHeight, InWidth = inWidth, OutHeight = outHeight, OutWidth = outWidth, Backward = true,
            };
            KernelParallel.Run(ref work, work.Planes, (long)inHeight * inWidth);
        }
    }

    private static void ValidateShape(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(channels, nameof(channels));
        Validate.Positive(inHeight, nameof(inHeight));
        Validate.Positive(inWidth, nameof(inWidth));
        Validate.Positive(outHeight, nameof(outHeight));
        Validate.Positive(outWidth, nameof(outWidth));
    }

    private struct Work : IParallelWork
    {
        public float* Source, Destination;
        public int Planes, InHeight, InWidth, OutHeight, OutWidth;
        public bool Backward;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Planes, part, parts);
            int inPlane = InHeight * InWidth, outPlane = OutHeight * OutWidth;
            for (int p = begin; p < end; p++)
            {
                if (Backward)
                {
                    float* dy = Source + (long)p * outPlane, dx = Destination + (long)p * inPlane;
                    NormRows.Fill(dx, inPlane, 0f);
                    for (int oh = 0; oh < OutHeight; oh++)
                    {
                        int h0 = BinStart(oh, InHeight, OutHeight), h1 = BinEnd(oh, InHeight, OutHeight);
                        for (int ow = 0; ow < OutWidth; ow++)
                        {
                            int w0 = BinStart(ow, InWidth, OutWidth), w1 = BinEnd(ow, InWidth, OutWidth);
                            float share = dy[oh * OutWidth + ow] / ((h1 - h0) * (w1 - w0));
                            for (int h = h0; h < h1; h++)
                                for (int w = w0; w < w1; w++) dx[h * InWidth + w] += share;
                        }
                    }
                }
                else
                {
                    float* x = Source + (long)p * inPlane, y = Destination + (long)p * outPlane;
                    for (int oh = 0; oh < OutHeight; oh++)
                    {
                        int h0 = BinStart(oh, InHeight, OutHeight), h1 = BinEnd(oh, InHeight, OutHeight);
                        for (int ow = 0; ow < OutWidth; ow++)
                        {
                            int w0 = BinStart(ow, InWidth, OutWidth), w1 = BinEnd(ow, InWidth, OutWidth);
                            float sum = 0;
                            for (int h = h0; h < h1; h++) sum += NormRows.Sum(x + h * InWidth + w0, w1 - w0);
                            y[oh * OutWidth + ow] = sum / ((h1 - h0) * (w1 - w0));
                        }
                    }
                }
            }
        }
    }
}
