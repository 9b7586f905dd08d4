namespace Dsl.Runtime;

/// <summary>Global average pooling, (N, C, H, W) → (N, C): each plane becomes its mean (the head of NiN, GoogLeNet, ResNet).</summary>
/// <remarks>Planes are independent, so they are split over <see cref="Parallelism"/>.</remarks>
public static unsafe class GlobalAvgPool2d
{
    public static void Forward(int batch, int channels, int height, int width, ReadOnlySpan<float> x, Span<float> y)
    {
        int plane = ValidatePlanes(batch, channels, height, width);
        Validate.Length(x.Length, (long)batch * channels * plane, nameof(x));
        Validate.Length(y.Length, (long)batch * channels, nameof(y));
        if (batch == 0) return;
        fixed (float* xPtr = x, yPtr = y)
        {
            var work = new Work { Planes = batch * channels, Plane = plane, Source = xPtr, Destination = yPtr, Backward = false };
            KernelParallel.Run(ref work, work.Planes, plane);
        }
    }

    /// <summary>dx overwritten: every position of a plane receives dy/(H·W).</summary>
    public static void Backward(int batch, int channels, int height, int width, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int plane = ValidatePlanes(batch, channels, height, width);
        Validate.Length(dy.Length, (long)batch * channels, nameof(dy));
        Validate.Length(dx.Length, (long)batch * channels * plane, nameof(dx));
        if (batch == 0) return;
        fixed (float* dyPtr = dy, dxPtr = dx)
        {
            var work = new Work { Planes = batch * channels, Plane = plane, Source = dyPtr, Destination = dxPtr, Backward = true };
            KernelParallel.Run(ref work, work.Planes, plane);
        }
    }

    private static int ValidatePlanes(int batch, int channels, int height, int width)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(channels, nameof(channels));
        Validate.Positive(height, nameof(height));
        Validate.Positive(width, nameof(width));
        return height * width;
    }

    private struct Work : IParallelWork
    {
        public float* Source, Destination;
        public int Planes, Plane;
        public bool Backward;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Planes, part, parts);
            float scale = 1f / Plane;
            for (int p = begin; p < end; p++)
            {
                if (Backward) NormRows.Fill(Destination + (long)p * Plane, Plane, Source[p] * scale);
                else Destination[p] = NormRows.Sum(Source + (long)p * Plane, Plane) * scale;
            }
        }
    }
}
