using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            bool fast = g.KernelHeight == 2 && g.KernelWidth == 2 && Pool2dChecks.IsTiling(g);
            for (int p = begin; p < end; p++)
            {
                float* x = X + (long)p * inPlane, y = Y + (long)p * outPlane;
                if (fast) Forward2x2(x, y, g.InWidth, g.OutHeight, g.OutWidth);
                else ForwardPlane(g, x, y);
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
            bool fast = g.KernelHeight == 2 && g.KernelWidth == 2 && Pool2dChecks.IsTiling(g);
            for (int p = begin; p < end; p++)
            {
                float* x = X + (long)p * inPlane, y = Y + (long)p * outPlane, dy = Dy + (long)p * outPlane, dx = Dx + (long)p * inPlane;
                if (fast) Backward2x2(x, y, dy, dx, g.InHeight, g.InWidth, g.OutHeight, g.OutWidth);
                else BackwardPlane(g, x, y, dy, dx);
            }
        }
    }

    private static void Forward2x2(float* x, float* y, int inW, int outH, int outW)
    {
        bool vector = Avx512F.IsSupported && outW >= 8;
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            float* top = x + 2 * oh * inW;
            float* bottom = top + inW;
            if (vector)
            {
                // Eight windows per step; a last step overlapping the previous one covers the remainder, which is
                // harmless because each output is simply recomputed.
                for (int ow = 0; ; ow += 8)
                {
                    if (ow > outW - 8) ow = outW - 8;
                    // The raw instructions: Vector512.Max also orders −0 below +0 and propagates NaN, at several times the cost.
                    Vector512<float> pairs = Avx512F.Max(Vector512.Load(top + 2 * ow), Vector512.Load(bottom + 2 * ow));
                    Vector512<float> split = Avx512F.PermuteVar16x32(pairs, EvenThenOdd);
                    Avx.Max(split.GetLower(), split.GetUpper()).Store(y + ow);
                    if (ow == outW - 8) break;
                }
                continue;
            }
            for (int ow = 0; ow < outW; ow++)
                y[ow] = Max(Max(top[2 * ow], top[2 * ow + 1]), Max(bottom[2 * ow], bottom[2 * ow + 1]));
        }
    }

    /// <summary>A plain compare-and-select, one instruction, where MathF.Max's IEEE ordering of ±0 and NaN costs several.</summary>
    /// <remarks>As <c>maxss</c> where SSE exists: the JIT compiles the conditional to a branch, which mispredicts on
    /// every other window of activations (about 20 ns per output measured on small planes, 10×10 → 5×5).</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static float Max(float a, float b)
        => Sse.IsSupported ? Sse.MaxScalar(Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b)).ToScalar() : a > b ? a : b;

    // Permutations use the AVX-512 instruction directly: Vector512.Shuffle is only accelerated when the JIT sees
    // constant indices, which static readonly vectors are not before tier-1 compilation.
    internal static readonly Vector512<int> EvenThenOdd = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    internal static readonly Vector512<int> Duplicate = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector512<int> DuplicateEven = Vector512.Create(0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14);
    private static readonly Vector512<int> SwapPairs = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    private static readonly Vector512<int> OddLanes = Vector512.Create(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1);

    private static void ForwardPlane(in Pool2dGeometry g, float* x, float* y)
    {
        // Geometry properties divide on every read; the loops use locals.
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            int h0 = oh * sh - ph;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + kh, inH);
            for (int ow = 0; ow < outW; ow++)
            {
                int w0 = ow * sw - pw;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + kw, inW);
                float max = float.NegativeInfinity;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * inW;
                    for (int w = wBegin; w < wEnd; w++)
                        if (row[w] > max || float.IsNaN(row[w])) max = row[w];
                }
                y[ow] = max;
            }
        }
    }

    private static void BackwardPlane(in Pool2dGeometry g, float* x, float* y, float* dy, float* dx)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        VectorOps.Clear(dx, inH * inW);
        for (int oh = 0; oh < outH; oh++, y += outW, dy += outW)
        {
            int h0 = oh * sh - ph;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + kh, inH);
            for (int ow = 0; ow < outW; ow++)
            {
                int w0 = ow * sw - pw;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + kw, inW);
                float target = y[ow];
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * inW;
                    for (int w = wBegin; w < wEnd; w++)
                    {
                        if (row[w] == target || (float.IsNaN(target) && float.IsNaN(row[w])))
                        {
                            dx[h * inW + w] += dy[ow];
                            goto Routed;
                        }
                    }
                }
            Routed:;
            }
        }
    }

    /// <summary>
    /// Non-overlapping 2×2 windows: each input gets its gradient or zero by assignment, without a clear. The winner is
    /// chosen with masks rather than branches, which random data would mispredict on almost every window.
    /// </summary>
    private static void Backward2x2(float* x, float* y, float* dy, float* dx, int inH, int inW, int outH, int outW)
    {
        bool vector = Avx512F.IsSupported && outW >= 8;
        for (int oh = 0; oh < outH; oh++, y += outW, dy += outW)
        {
            float* top = x + 2 * oh * inW, bottom = top + inW;
            float* dTop = dx + 2 * oh * inW, dBottom = dTop + inW;
            if (vector)
            {
                // Overlapping the last step is safe: every store is a pure function of the inputs.
                for (int ow = 0; ; ow += 8)
                {
                    if (ow > outW - 8) ow = outW - 8;
                    int w = 2 * ow;
                    Vector512<float> target = Avx512F.PermuteVar16x32(Vector512.Create(Vector256.Load(y + ow), default), Duplicate);
                    Vector512<float> gradient = Avx512F.PermuteVar16x32(Vector512.Create(Vector256.Load(dy + ow), default), Duplicate);
                    Vector512<int> topHit = Vector512.Equals(Vector512.Load(top + w), target).AsInt32();
                    Vector512<int> bottomHit = Vector512.Equals(Vector512.Load(bottom + w), target).AsInt32();
                    // A right-hand lane wins only if its left neighbour did not; the bottom row only if the top had no hit.
                    Vector512<int> topWin = Vector512.AndNot(topHit, Avx512F.PermuteVar16x32(topHit, DuplicateEven) & OddLanes);
                    Vector512<int> topAny = topHit | Avx512F.PermuteVar16x32(topHit, SwapPairs);
                    Vector512<int> bottomWin = Vector512.AndNot(Vector512.AndNot(bottomHit, topAny),
                        Avx512F.PermuteVar16x32(bottomHit, DuplicateEven) & OddLanes);
                    (topWin.AsSingle() & gradient).Store(dTop + w);
                    (bottomWin.AsSingle() & gradient).Store(dBottom + w);
                    if (ow == outW - 8) break;
                }
            }
            else if (Sse2.IsSupported)
            {
                // One window per 128-bit vector (top pair, bottom pair); the lowest equal lane wins.
                Vector128<int> laneBits = Vector128.Create(1, 2, 4, 8);
                for (int ow = 0; ow < outW; ow++)
                {
                    int w = 2 * ow;
                    Vector128<double> window = Sse2.LoadHigh(Sse2.LoadScalarVector128((double*)(top + w)), (double*)(bottom + w));
                    uint hits = Vector128.Equals(window.AsSingle(), Vector128.Create(y[ow])).ExtractMostSignificantBits();
                    Vector128<int> winner = Vector128.Equals(laneBits, Vector128.Create((int)(hits & (0u - hits))));
                    Vector128<double> routed = (winner.AsSingle() & Vector128.Create(dy[ow])).AsDouble();
                    Sse2.StoreScalar((double*)(dTop + w), routed);
                    Sse2.StoreHigh((double*)(dBottom + w), routed);
                }
            }
            else
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    int w = 2 * ow;
                    float t = y[ow], d = dy[ow];
                    bool first = top[w] == t;
                    bool second = !first && top[w + 1] == t;
                    bool third = !(first | second) && bottom[w] == t;
                    bool fourth = !(first | second | third) && bottom[w + 1] == t;
                    dTop[w] = first ? d : 0f;
                    dTop[w + 1] = second ? d : 0f;
                    dBottom[w] = third ? d : 0f;
                    dBottom[w + 1] = fourth ? d : 0f;
                }
            }
            for (int w = 2 * outW; w < inW; w++) { dTop[w] = 0; dBottom[w] = 0; }
        }
        if (2 * outH < inH) VectorOps.Clear(dx + 2 * outH * inW, (inH - 2 * outH) * inW);
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
        bool vector = Avx512F.IsSupported && outW >= 8;
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            float* top = x + 2 * oh * inW;
            float* bottom = top + inW;
            if (vector)
            {
                // Eight windows per step; the last step overlaps the previous one, recomputing a few outputs.
                for (int ow = 0; ; ow += 8)
                {
                    if (ow > outW - 8) ow = outW - 8;
                    Vector512<float> pairs = Vector512.Load(top + 2 * ow) + Vector512.Load(bottom + 2 * ow);
                    Vector512<float> split = Avx512F.PermuteVar16x32(pairs, MaxPool2d.EvenThenOdd);
                    ((split.GetLower() + split.GetUpper()) * Vector256.Create(0.25f)).Store(y + ow);
                    if (ow == outW - 8) break;
                }
                continue;
            }
            for (int ow = 0; ow < outW; ow++)
                y[ow] = 0.25f * (top[2 * ow] + top[2 * ow + 1] + bottom[2 * ow] + bottom[2 * ow + 1]);
        }
    }

    private static void Backward2x2(float* dy, float* dx, int inH, int inW, int outH, int outW)
    {
        // Tiling windows cover each input once, so the gradient is assigned rather than accumulated; only an odd
        // trailing row or column, which no window reaches, needs clearing.
        bool vector = Avx512F.IsSupported && outW >= 8;
        for (int oh = 0; oh < outH; oh++, dy += outW)
        {
            float* top = dx + 2 * oh * inW;
            float* bottom = top + inW;
            if (vector)
            {
                for (int ow = 0; ; ow += 8)
                {
                    if (ow > outW - 8) ow = outW - 8;
                    Vector512<float> share = Avx512F.PermuteVar16x32(
                        Vector512.Create(Vector256.Load(dy + ow) * Vector256.Create(0.25f), default), MaxPool2d.Duplicate);
                    share.Store(top + 2 * ow);
                    share.Store(bottom + 2 * ow);
                    if (ow == outW - 8) break;
                }
            }
            else
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    float g = 0.25f * dy[ow];
                    top[2 * ow] = g; top[2 * ow + 1] = g; bottom[2 * ow] = g; bottom[2 * ow + 1] = g;
                }
            }
            for (int w = 2 * outW; w < inW; w++) { top[w] = 0; bottom[w] = 0; }
        }
        if (2 * outH < inH) VectorOps.Clear(dx + 2 * outH * inW, (inH - 2 * outH) * inW);
    }

    private static void ForwardPlane(in Pool2dGeometry g, float* x, float* y)
    {
        // Geometry properties divide on every read; the loops use locals.
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        float scale = 1f / (kh * kw);
        for (int oh = 0; oh < outH; oh++, y += outW)
        {
            int h0 = oh * sh - ph;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + kh, inH);
            for (int ow = 0; ow < outW; ow++)
            {
                int w0 = ow * sw - pw;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + kw, inW);
                float sum = 0;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = x + h * inW;
                    for (int w = wBegin; w < wEnd; w++) sum += row[w];
                }
                y[ow] = sum * scale;
            }
        }
    }

    private static void BackwardPlane(in Pool2dGeometry g, float* dy, float* dx)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        float scale = 1f / (kh * kw);
        VectorOps.Clear(dx, inH * inW);
        for (int oh = 0; oh < outH; oh++, dy += outW)
        {
            int h0 = oh * sh - ph;
            int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + kh, inH);
            for (int ow = 0; ow < outW; ow++)
            {
                int w0 = ow * sw - pw;
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + kw, inW);
                float share = dy[ow] * scale;
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = dx + h * inW;
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
