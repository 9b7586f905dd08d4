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
/// <remarks>Planes (example, channel) are independent, so they are split over <see cref="Parallelism"/>.</remarks>
public static unsafe class MaxPool2d
{
    public static void Forward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        Pool2dChecks.Validate(g, batch);
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(y.Length, (long)batch * g.OutSize, nameof(y));
        if (batch == 0) return;
        fixed (float* xPtr = x, yPtr = y)
        {
            var work = new ForwardWork { Geometry = g, X = xPtr, Y = yPtr, Planes = batch * g.Channels };
            KernelParallel.Run(ref work, batch * g.Channels, g.InHeight * g.InWidth);
        }
    }

    /// <summary>Routes each output gradient to the first input position in its window that equals the output (dx overwritten).</summary>
    public static void Backward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx)
    {
        Pool2dChecks.Validate(g, batch);
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(y.Length, (long)batch * g.OutSize, nameof(y));
        Validate.Length(dy.Length, (long)batch * g.OutSize, nameof(dy));
        Validate.Length(dx.Length, (long)batch * g.InSize, nameof(dx));
        if (batch == 0) return;
        fixed (float* xPtr = x, yPtr = y, dyPtr = dy, dxPtr = dx)
        {
            var work = new BackwardWork { Geometry = g, X = xPtr, Y = yPtr, Dy = dyPtr, Dx = dxPtr, Planes = batch * g.Channels };
            KernelParallel.Run(ref work, batch * g.Channels, 2L * g.InHeight * g.InWidth);
        }
    }

    private struct ForwardWork : IParallelWork
    {
        public Pool2dGeometry Geometry;
        public float* X, Y;
        public int Planes;

        public readonly void Execute(int part, int parts)
        {
            Pool2dGeometry g = Geometry;
            int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
            (int begin, int end) = KernelParallel.Range(Planes, part, parts);
            for (int p = begin; p < end; p++)
            {
                float* x = X + (long)p * inPlane, y = Y + (long)p * outPlane;
                if (g.KernelHeight == 2 && g.KernelWidth == 2 && Pool2dChecks.IsTiling(g))
                    Forward2x2(x, y, g.InWidth, g.OutHeight, g.OutWidth);
                else
                    ForwardPlane(g, x, y);
            }
        }
    }

    private struct BackwardWork : IParallelWork
    {
        public Pool2dGeometry Geometry;
        public float* X, Y, Dy, Dx;
        public int Planes;

        public readonly void Execute(int part, int parts)
        {
            Pool2dGeometry g = Geometry;
            int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
            (int begin, int end) = KernelParallel.Range(Planes, part, parts);
            for (int p = begin; p < end; p++)
                BackwardPlane(g, X + (long)p * inPlane, Y + (long)p * outPlane, Dy + (long)p * outPlane, Dx + (long)p * inPlane);
        }
    }

    private static void Forward2x2(float* x, float* y, int inW, int outH, int outW)
    {
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            float* top = x + 2 * oh * inW;
            float* bottom = top + inW;
            for (int ow = 0; ow < outW; ow++)
                y[ow] = MathF.Max(MathF.Max(top[2 * ow], top[2 * ow + 1]), MathF.Max(bottom[2 * ow], bottom[2 * ow + 1]));
        }
    }

    private static void ForwardPlane(in Pool2dGeometry g, float* x, float* y)
    {
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int h0 = oh * g.StrideHeight - g.PadHeight;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelHeight, g.InHeight);
            for (int ow = 0; ow < g.OutWidth; ow++)
            {
                int w0 = ow * g.StrideWidth - g.PadWidth;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + g.KernelWidth, g.InWidth);
                float max = float.NegativeInfinity;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * g.InWidth;
                    for (int w = wBegin; w < wEnd; w++)
                        if (row[w] > max || float.IsNaN(row[w])) max = row[w];
                }
                y[oh * g.OutWidth + ow] = max;
            }
        }
    }

    private static void BackwardPlane(in Pool2dGeometry g, float* x, float* y, float* dy, float* dx)
    {
        VectorOps.Clear(dx, g.InHeight * g.InWidth);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int h0 = oh * g.StrideHeight - g.PadHeight;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelHeight, g.InHeight);
            for (int ow = 0; ow < g.OutWidth; ow++)
            {
                int w0 = ow * g.StrideWidth - g.PadWidth;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + g.KernelWidth, g.InWidth);
                int o = oh * g.OutWidth + ow;
                float target = y[o];
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * g.InWidth;
                    for (int w = wBegin; w < wEnd; w++)
                    {
                        if (row[w] == target || (float.IsNaN(target) && float.IsNaN(row[w])))
                        {
                            dx[h * g.InWidth + w] += dy[o];
                            goto Routed;
                        }
                    }
                }
            Routed:;
            }
        }
    }
}

/// <summary>Average pooling; padded positions count as zeros in the divisor (PyTorch's count_include_pad default).</summary>
/// <remarks>Planes (example, channel) are independent, so they are split over <see cref="Parallelism"/>.</remarks>
public static unsafe class AvgPool2d
{
    public static void Forward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        Pool2dChecks.Validate(g, batch);
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(y.Length, (long)batch * g.OutSize, nameof(y));
        if (batch == 0) return;
        fixed (float* xPtr = x, yPtr = y)
        {
            var work = new Work { Geometry = g, Source = xPtr, Destination = yPtr, Planes = batch * g.Channels, Backward = false };
            KernelParallel.Run(ref work, work.Planes, g.InHeight * g.InWidth);
        }
    }

    /// <summary>dx overwritten.</summary>
    public static void Backward(in Pool2dGeometry g, int batch, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Pool2dChecks.Validate(g, batch);
        Validate.Length(dy.Length, (long)batch * g.OutSize, nameof(dy));
        Validate.Length(dx.Length, (long)batch * g.InSize, nameof(dx));
        if (batch == 0) return;
        fixed (float* dyPtr = dy, dxPtr = dx)
        {
            var work = new Work { Geometry = g, Source = dyPtr, Destination = dxPtr, Planes = batch * g.Channels, Backward = true };
            KernelParallel.Run(ref work, work.Planes, g.InHeight * g.InWidth);
        }
    }

    private struct Work : IParallelWork
    {
        public Pool2dGeometry Geometry;
        public float* Source, Destination;
        public int Planes;
        public bool Backward;

        public readonly void Execute(int part, int parts)
        {
            Pool2dGeometry g = Geometry;
            int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
            (int begin, int end) = KernelParallel.Range(Planes, part, parts);
            bool fast = g.KernelHeight == 2 && g.KernelWidth == 2 && Pool2dChecks.IsTiling(g);
            for (int p = begin; p < end; p++)
            {
                if (Backward)
                {
                    float* dy = Source + (long)p * outPlane, dx = Destination + (long)p * inPlane;
                    if (fast) Backward2x2(dy, dx, g.InHeight, g.InWidth, g.OutHeight, g.OutWidth);
                    else BackwardPlane(g, dy, dx);
                }
                else
                {
                    float* x = Source + (long)p * inPlane, y = Destination + (long)p * outPlane;
                    if (fast) Forward2x2(x, y, g.InWidth, g.OutHeight, g.OutWidth);
                    else ForwardPlane(g, x, y);
                }
            }
        }
    }

    private static void Forward2x2(float* x, float* y, int inW, int outH, int outW)
    {
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            float* top = x + 2 * oh * inW;
            float* bottom = top + inW;
            for (int ow = 0; ow < outW; ow++)
                y[ow] = 0.25f * (top[2 * ow] + top[2 * ow + 1] + bottom[2 * ow] + bottom[2 * ow + 1]);
        }
    }

    private static void Backward2x2(float* dy, float* dx, int inH, int inW, int outH, int outW)
    {
        // Tiling windows cover each input once, so the gradient is assigned rather than accumulated; only an odd
        // trailing row or column, which no window reaches, needs clearing.
        for (int oh = 0; oh < outH; oh++, dy += outW)
        {
            float* top = dx + 2 * oh * inW;
            float* bottom = top + inW;
            for (int ow = 0; ow < outW; ow++)
            {
                float g = 0.25f * dy[ow];
                top[2 * ow] = g; top[2 * ow + 1] = g; bottom[2 * ow] = g; bottom[2 * ow + 1] = g;
            }
            for (int w = 2 * outW; w < inW; w++) { top[w] = 0; bottom[w] = 0; }
        }
        if (2 * outH < inH) VectorOps.Clear(dx + 2 * outH * inW, (inH - 2 * outH) * inW);
    }

    private static void ForwardPlane(in Pool2dGeometry g, float* x, float* y)
    {
        float scale = 1f / (g.KernelHeight * g.KernelWidth);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int h0 = oh * g.StrideHeight - g.PadHeight;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelHeight, g.InHeight);
            for (int ow = 0; ow < g.OutWidth; ow++)
            {
                int w0 = ow * g.StrideWidth - g.PadWidth;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + g.KernelWidth, g.InWidth);
                float sum = 0;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * g.InWidth;
                    for (int w = wBegin; w < wEnd; w++) sum += row[w];
                }
                y[oh * g.OutWidth + ow] = sum * scale;
            }
        }
    }

    private static void BackwardPlane(in Pool2dGeometry g, float* dy, float* dx)
    {
        float scale = 1f / (g.KernelHeight * g.KernelWidth);
        VectorOps.Clear(dx, g.InHeight * g.InWidth);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int h0 = oh * g.StrideHeight - g.PadHeight;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + g.KernelHeight, g.InHeight);
            for (int ow = 0; ow < g.OutWidth; ow++)
            {
                int w0 = ow * g.StrideWidth - g.PadWidth;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + g.KernelWidth, g.InWidth);
                float share = dy[oh * g.OutWidth + ow] * scale;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = dx + h * g.InWidth;
                    for (int w = wBegin; w < wEnd; w++) row[w] += share;
                }
            }
        }
    }
}

/// <summary>Checks and shape facts shared by the pooling kernels.</summary>
internal static class Pool2dChecks
{
    public static void Validate(in Pool2dGeometry g, int batch)
    {
        Dsl.Runtime.Validate.NonNegative(batch, nameof(batch));
        Dsl.Runtime.Validate.Positive(g.Channels, "Channels");
        Dsl.Runtime.Validate.Positive(g.InHeight, "InHeight");
        Dsl.Runtime.Validate.Positive(g.InWidth, "InWidth");
        Dsl.Runtime.Validate.Positive(g.KernelHeight, "KernelHeight");
        Dsl.Runtime.Validate.Positive(g.KernelWidth, "KernelWidth");
        Dsl.Runtime.Validate.Positive(g.StrideHeight, "StrideHeight");
        Dsl.Runtime.Validate.Positive(g.StrideWidth, "StrideWidth");
        Dsl.Runtime.Validate.NonNegative(g.PadHeight, "PadHeight");
        Dsl.Runtime.Validate.NonNegative(g.PadWidth, "PadWidth");
        if (g.InHeight + 2 * g.PadHeight < g.KernelHeight || g.InWidth + 2 * g.PadWidth < g.KernelWidth)
            throw new ArgumentException(
                $"The {g.KernelHeight}×{g.KernelWidth} window is larger than the padded {g.InHeight + 2 * g.PadHeight}×{g.InWidth + 2 * g.PadWidth} input.", nameof(g));
    }

    /// <summary>Windows that tile the input without overlap or padding, so no bounds need clamping.</summary>
    public static bool IsTiling(in Pool2dGeometry g) =>
        g.KernelHeight == g.StrideHeight && g.KernelWidth == g.StrideWidth && g.PadHeight == 0 && g.PadWidth == 0;
}
