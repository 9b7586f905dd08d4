using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// Stride-1 convolution computed directly on a zero-padded copy of one example, without a column matrix, for the
/// small layers of LeNet-sized networks where lowering costs more memory traffic than the arithmetic it feeds.
/// </summary>
/// <remarks>
/// <para>The trick is the wide layout: outputs are computed at pitch Wp (the padded width) instead of Wo, so output
/// position <c>p = oh·Wp + ow</c> reads input tap <c>(c, ki, kj)</c> at <c>p + c·Hp·Wp + ki·Wp + kj</c>. Every tap is
/// then one contiguous run, and a 16-lane vector of outputs is one unaligned load per tap. The Wp − Wo extra columns
/// per row are junk (they read across a row boundary) and are dropped when the result is copied out.</para>
/// <para>Forward: each example's output is accumulated in registers, four output channels by four vectors, and copied
/// out with the bias. The input gradient sums the weighted output-gradient rows per tap (a small GEMM on aligned rows)
/// and has every padded input position gather its taps' sums. The weight gradient is a set of dot products between the
/// wide output gradient (zero in the extra columns, so junk inputs add nothing) and shifted runs of the padded input,
/// four channels by four taps; each part of the batch sums into 16-lane partials of its own, which are reduced in
/// part order at the end, so the result does not depend on which thread ran which part.</para>
/// <para>Everything one example touches (padded input, wide output) stays in L1/L2, per thread. Only used with
/// AVX-512, which the 16-lane layout is written for; otherwise <see cref="Conv2d"/> lowers to a GEMM.</para>
/// </remarks>
internal static unsafe class WideConv2d
{
    private const int Lanes = 16;
    private const int MaxReduction = 2048;
    private const int MaxBufferFloats = 1 << 16;
    /// <summary>Upper bound on the parts of a weight-gradient pass, which fixes the size of the partials in the workspace.</summary>
    private const int MaxWeightParts = 8;

    /// <summary>Whether forward and both gradients of <paramref name="g"/> take this path.</summary>
    public static bool Applies(in Conv2dGeometry g)
    {
        if (!Avx512F.IsSupported || g.Groups != 1) return false;
        if (g.StrideHeight != 1 || g.StrideWidth != 1) return false;
        return Fits(g);
    }

    private static bool Fits(in Conv2dGeometry g)
    {
        var s = new Shape(g);
        // Beyond twice the output width, more than half of every vector is junk columns.
        if (s.PaddedW > 2 * s.OutW) return false;
        return s.Reduction <= MaxReduction && s.InputFloats <= MaxBufferFloats && (long)s.Cout * s.OutStride <= MaxBufferFloats
            && (long)s.Cin * s.PlaneStride <= MaxBufferFloats && (long)s.Reduction * s.ColumnStride <= 4 * MaxBufferFloats;
    }

    /// <summary>Workspace for <see cref="Backward"/>: every part's partial sums.</summary>
    public static long WorkspaceLength(in Conv2dGeometry g) => (long)MaxWeightParts * PartialFloats(new Shape(g));

    private static long PartialFloats(in Shape s) => ((long)s.Cout * s.Reduction + s.Cout) * Lanes;

    public static void Forward(in Conv2dGeometry g, int batch, float* x, float* weight, float* bias, float* y)
        => Forward(g, batch, x, weight, bias, relu: false, maxPool2x2: false, y);

    /// <summary>
    /// The forward pass with the ReLU and the 2×2, stride-2 max pool after it (each when asked) applied while each
    /// example's output is copied out of the per-thread wide buffer: the pooled output is all that reaches memory.
    /// Pooling drops a last odd row or column, as MaxPool(2) does.
    /// </summary>
    public static void Forward(in Conv2dGeometry g, int batch, float* x, float* weight, float* bias, bool relu, bool maxPool2x2, float* y)
    {
        var work = new ForwardWork
        {
            S = new Shape(g), X = x, Weight = weight, Bias = bias, Y = y, Batch = batch, Relu = relu, Pool = maxPool2x2,
        };
        RunSplit(ref work, batch);
    }

    /// <summary>dx (skipped when null), dW and dB (skipped when null), all overwritten.</summary>
    public static void Backward(in Conv2dGeometry g, int batch, float* x, float* weight, float* dy, float* dx,
        float* dWeight, float* dBias, float* workspace)
    {
        var s = new Shape(g);
        float* partials = workspace;
        int degree = Parallelism.MaxDegree;
        // Two parts per thread, so a thread that the OS preempts holds up a smaller share; one part at one thread.
        int parts = Math.Min(Math.Min(degree == 1 ? 1 : 2 * degree, batch), MaxWeightParts);
        var weights = new WeightWork { S = s, X = x, Dy = dy, Partials = partials, Batch = batch };
        if (parts <= 1) weights.Execute(0, 1);
        else Parallelism.Run(ref weights, parts);

        long partialFloats = PartialFloats(s);
        int rows = s.Cout * s.Reduction;
        for (int r = 0; r < rows; r++)
        {
            float sum = 0;
            for (int p = 0; p < parts; p++) sum += Vector512.Sum(Vector512.Load(partials + p * partialFloats + (long)r * Lanes));
            dWeight[r] = sum;
        }
        if (dBias != null)
        {
            for (int co = 0; co < s.Cout; co++)
            {
                float sum = 0;
                for (int p = 0; p < parts; p++) sum += Vector512.Sum(Vector512.Load(partials + p * partialFloats + (long)(rows + co) * Lanes));
                dBias[co] = sum;
            }
        }
        if (dx == null) return;

        var data = new DataWork { S = s, Weight = weight, Dy = dy, Dx = dx, Batch = batch };
        RunSplit(ref data, batch);
    }

    /// <summary>
    /// Splits examples into four parts per thread: every example costs the same, but the cores are shared with other
    /// processes, and parts are handed out dynamically, so smaller parts let the thread that runs on keep working.
    /// Per-thread buffers make the parts independent; an example is several microseconds, far above the hand-off cost.
    /// </summary>
    private static void RunSplit<TWork>(ref TWork work, int batch) where TWork : struct, IParallelWork
    {
        int degree = Parallelism.MaxDegree;
        int parts = Math.Min(degree == 1 ? 1 : 4 * degree, batch);
        if (parts <= 1) work.Execute(0, 1);
        else Parallelism.Run(ref work, parts);
    }

    /// <summary>Derived sizes, computed once.</summary>
    private readonly struct Shape
    {
        public readonly int Cin, InH, InW, Cout, KernelH, KernelW, PadH, PadW, PaddedH, PaddedW, OutH, OutW;
        public readonly int Plane, Vectors, OutStride, Reduction, InputFloats, InSize, OutSize;
        /// <summary>Input-gradient pass: plane rounded up to whole vectors, the zero margin before each G row
        /// (the largest shift, in whole vectors so rows stay aligned), the G row stride and G's total size.</summary>
        public readonly int PlaneStride, Margin, ColumnStride, ColumnsFloats;

        public Shape(in Conv2dGeometry g)
        {
            Cin = g.InChannels; InH = g.InHeight; InW = g.InWidth; Cout = g.OutChannels;
            KernelH = g.KernelHeight; KernelW = g.KernelWidth; PadH = g.PadHeight; PadW = g.PadWidth;
            PaddedH = InH + 2 * PadH; PaddedW = InW + 2 * PadW;
            OutH = PaddedH - KernelH + 1; OutW = PaddedW - KernelW + 1;
            Plane = PaddedH * PaddedW;
            Vectors = (OutH * PaddedW + Lanes - 1) / Lanes;
            OutStride = Vectors * Lanes;
            Reduction = Cin * KernelH * KernelW;
            // Vectors run up to OutStride floats past the largest tap offset, which is less than Cin·Plane.
            InputFloats = Cin * Plane + OutStride;
            InSize = Cin * InH * InW;
            OutSize = Cout * OutH * OutW;
            PlaneStride = (Plane + Lanes - 1) / Lanes * Lanes;
            Margin = ((KernelH - 1) * PaddedW + KernelW - 1 + Lanes - 1) / Lanes * Lanes;
            // The gather reads up to PlaneStride floats past the margin; computed values end at OutStride.
            ColumnStride = Margin + Math.Max(PlaneStride, OutStride);
            ColumnsFloats = Reduction * ColumnStride;
        }

        public void FillTaps(int* taps)
        {
            for (int c = 0, t = 0; c < Cin; c++)
                for (int ki = 0; ki < KernelH; ki++)
                    for (int kj = 0; kj < KernelW; kj++, t++)
                        taps[t] = c * Plane + ki * PaddedW + kj;
        }

        /// <summary>Copies the interior of a padded buffer out to one example.</summary>
        public void Unpad(float* padded, float* example)
        {
            for (int c = 0; c < Cin; c++)
                VectorOps.CopyRows(example + c * InH * InW, InW, padded + c * Plane + PadH * PaddedW + PadW, PaddedW, InH, InW);
        }

        /// <summary>Copies one example's output gradient into the wide layout; the junk columns stay as they were (zero).</summary>
        public void Widen(float* dy, float* wide)
        {
            for (int co = 0; co < Cout; co++)
                VectorOps.CopyRows(wide + co * OutStride, PaddedW, dy + co * OutH * OutW, OutW, OutH, OutW);
        }

        /// <summary>Copies one example into the interior of the padded buffer; the border stays as it was (zero).</summary>
        public void Pad(float* example, float* padded)
        {
            for (int c = 0; c < Cin; c++)
                VectorOps.CopyRows(padded + c * Plane + PadH * PaddedW + PadW, PaddedW, example + c * InH * InW, InW, InH, InW);
        }
    }

    [ThreadStatic] private static float[]? t_input;
    [ThreadStatic] private static float[]? t_output;
    [ThreadStatic] private static float[]? t_columns;

    /// <summary>A pinned per-thread buffer of at least <paramref name="floats"/>; allocates only when a larger shape first runs on the thread.</summary>
    private static float* Buffer(ref float[]? buffer, int floats)
    {
        if (buffer is null || buffer.Length < floats)
            buffer = GC.AllocateArray<float>(Math.Max(floats, 4096), pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }

    private struct ForwardWork : IParallelWork
    {
        public Shape S;
        public float* X, Weight, Bias, Y;
        public int Batch;
        public bool Relu, Pool;

        public readonly void Execute(int part, int parts)
        {
            Shape s = S;
            (int begin, int end) = KernelParallel.Range(Batch, part, parts);
            float* input = Buffer(ref t_input, s.InputFloats);
            float* output = Buffer(ref t_output, s.Cout * s.OutStride);
            VectorOps.Clear(input, s.InputFloats);
            int* taps = stackalloc int[s.Reduction];
            s.FillTaps(taps);
            int outH = Pool ? s.OutH / 2 : s.OutH, outW = Pool ? s.OutW / 2 : s.OutW, outPlane = outH * outW;
            long outSize = (long)s.Cout * outPlane;
            for (int n = begin; n < end; n++)
            {
                s.Pad(X + (long)n * s.InSize, input);
                ForwardExample(s, input, taps, Weight, output);
                float* y = Y + n * outSize;
                for (int co = 0; co < s.Cout; co++)
                {
                    float b = Bias == null ? 0f : Bias[co];
                    float* source = output + co * s.OutStride, target = y + co * outPlane;
                    if (Pool)
                    {
                        for (int r = 0; r < outH; r++)
                            PoolRow(target + r * outW, source + 2 * r * s.PaddedW, s.PaddedW, b, Relu, outW);
                    }
                    else
                    {
                        for (int r = 0; r < s.OutH; r++)
                        {
                            VectorOps.CopyAdd(target + r * s.OutW, source + r * s.PaddedW, b, s.OutW);
                            if (Relu) ReluRow(target + r * s.OutW, s.OutW);
                        }
                    }
                }
            }
        }
    }

    private static void ReluRow(float* row, int length)
    {
        int i = 0;
        for (; i + Lanes <= length; i += Lanes)
            Vector512.MaxNative(Vector512.Load(row + i), Vector512<float>.Zero).Store(row + i);
        for (; i < length; i++) row[i] = Max(row[i], 0f);
    }

    /// <summary>
    /// One row of 2×2 windows over two wide output rows: <c>relu?(max(window) + b)</c>, which equals the max of
    /// <c>relu?(x + b)</c> over the window because rounding the sum and the ReLU are both monotone.
    /// </summary>
    private static void PoolRow(float* target, float* top, int pitch, float b, bool relu, int outW)
    {
        float* bottom = top + pitch;
        if (outW >= 8)
        {
            Vector256<float> bias = Vector256.Create(b);
            // Eight windows per step; a last step overlapping the previous one covers the remainder.
            for (int ow = 0; ; ow += 8)
            {
                if (ow > outW - 8) ow = outW - 8;
                // The raw instructions, as in MaxPool2d: the same compare-and-select as its scalar Max.
                Vector512<float> pairs = Avx512F.Max(Vector512.Load(top + 2 * ow), Vector512.Load(bottom + 2 * ow));
                Vector512<float> split = Avx512F.PermuteVar16x32(pairs, MaxPool2d.EvenThenOdd);
                Vector256<float> v = Avx.Max(split.GetLower(), split.GetUpper()) + bias;
                if (relu) v = Vector256.MaxNative(v, Vector256<float>.Zero);
                v.Store(target + ow);
                if (ow == outW - 8) break;
            }
            return;
        }
        for (int ow = 0; ow < outW; ow++)
        {
            float m = Max(Max(top[2 * ow], top[2 * ow + 1]), Max(bottom[2 * ow], bottom[2 * ow + 1])) + b;
            target[ow] = relu ? Max(m, 0f) : m;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max(float a, float b) => MaxPool2d.Max(a, b);

    /// <summary>Channels per register block: four, or three when that divides the channels and four does not (LeNet's 6),
    /// so that no block repeats channels.</summary>
    private static int ChannelBlock(int channels) => channels % 4 != 0 && channels % 3 == 0 ? 3 : 4;

    private static void ForwardExample(in Shape s, float* input, int* taps, float* weight, float* output)
    {
        int r = s.Reduction, vectors = s.Vectors, stride = s.OutStride, last = s.Cout - 1;
        if (s.Cout % 6 == 0 && vectors % 4 == 0)
        {
            for (int co = 0; co < s.Cout; co += 6)
                for (int v = 0; v < vectors; v += 4)
                    Block6x4(input + v * Lanes, taps, r, weight + co * r, output + co * stride + v * Lanes, stride);
            return;
        }
        if (ChannelBlock(s.Cout) == 3)
        {
            for (int co = 0; co < s.Cout; co += 3)
            {
                float* w0 = weight + co * r, o0 = output + co * stride;
                int v = 0;
                for (; v + 4 <= vectors; v += 4)
                    Block3x4(input + v * Lanes, taps, r, w0, w0 + r, w0 + 2 * r, o0 + v * Lanes, stride);
                for (; v < vectors; v++)
                    Block4x1(input + v * Lanes, taps, r, w0, w0 + r, w0 + 2 * r, w0 + 2 * r,
                        o0 + v * Lanes, o0 + stride + v * Lanes, o0 + 2 * stride + v * Lanes, o0 + 2 * stride + v * Lanes);
            }
            return;
        }
        for (int co = 0; co < s.Cout; co += 4)
        {
            // A ragged last block repeats the last channel; its duplicate rows store identical values.
            int c1 = Math.Min(co + 1, last), c2 = Math.Min(co + 2, last), c3 = Math.Min(co + 3, last);
            float* w0 = weight + co * r, w1 = weight + c1 * r, w2 = weight + c2 * r, w3 = weight + c3 * r;
            float* o0 = output + co * stride, o1 = output + c1 * stride, o2 = output + c2 * stride, o3 = output + c3 * stride;
            int v = 0;
            if (vectors % 4 == 0)
            {
                for (; v + 4 <= vectors; v += 4)
                    Block4x4(input + v * Lanes, taps, r, w0, w1, w2, w3, o0 + v * Lanes, o1 + v * Lanes, o2 + v * Lanes, o3 + v * Lanes);
            }
            else
            {
                // Groups of three leave at most two single vectors, whose one load per four FMAs runs well below peak.
                for (; v + 3 <= vectors; v += 3)
                    Block4x3(input + v * Lanes, taps, r, w0, w1, w2, w3, o0 + v * Lanes, o1 + v * Lanes, o2 + v * Lanes, o3 + v * Lanes);
            }
            for (; v < vectors; v++)
                Block4x1(input + v * Lanes, taps, r, w0, w1, w2, w3, o0 + v * Lanes, o1 + v * Lanes, o2 + v * Lanes, o3 + v * Lanes);
        }
    }

    /// <summary>Six channels by four vectors: each input load feeds six FMAs, for layers of six channels (LeNet's first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6x4(float* input, int* taps, int r, float* w0, float* o0, int stride)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        for (int t = 0; t < r; t++)
        {
            float* src = input + taps[t];
            Vector512<float> v0 = Vector512.Load(src), v1 = Vector512.Load(src + 16);
            Vector512<float> v2 = Vector512.Load(src + 32), v3 = Vector512.Load(src + 48);
            Vector512<float> w = Vector512.Create(w0[t]);
            a00 = Vector512.FusedMultiplyAdd(v0, w, a00); a01 = Vector512.FusedMultiplyAdd(v1, w, a01); a02 = Vector512.FusedMultiplyAdd(v2, w, a02); a03 = Vector512.FusedMultiplyAdd(v3, w, a03);
            w = Vector512.Create(w0[1 * r + t]);
            a10 = Vector512.FusedMultiplyAdd(v0, w, a10); a11 = Vector512.FusedMultiplyAdd(v1, w, a11); a12 = Vector512.FusedMultiplyAdd(v2, w, a12); a13 = Vector512.FusedMultiplyAdd(v3, w, a13);
            w = Vector512.Create(w0[2 * r + t]);
            a20 = Vector512.FusedMultiplyAdd(v0, w, a20); a21 = Vector512.FusedMultiplyAdd(v1, w, a21); a22 = Vector512.FusedMultiplyAdd(v2, w, a22); a23 = Vector512.FusedMultiplyAdd(v3, w, a23);
            w = Vector512.Create(w0[3 * r + t]);
            a30 = Vector512.FusedMultiplyAdd(v0, w, a30); a31 = Vector512.FusedMultiplyAdd(v1, w, a31); a32 = Vector512.FusedMultiplyAdd(v2, w, a32); a33 = Vector512.FusedMultiplyAdd(v3, w, a33);
            w = Vector512.Create(w0[4 * r + t]);
            a40 = Vector512.FusedMultiplyAdd(v0, w, a40); a41 = Vector512.FusedMultiplyAdd(v1, w, a41); a42 = Vector512.FusedMultiplyAdd(v2, w, a42); a43 = Vector512.FusedMultiplyAdd(v3, w, a43);
            w = Vector512.Create(w0[5 * r + t]);
            a50 = Vector512.FusedMultiplyAdd(v0, w, a50); a51 = Vector512.FusedMultiplyAdd(v1, w, a51); a52 = Vector512.FusedMultiplyAdd(v2, w, a52); a53 = Vector512.FusedMultiplyAdd(v3, w, a53);
        }
        a00.Store(o0 + 0 * stride + 0); a01.Store(o0 + 0 * stride + 16); a02.Store(o0 + 0 * stride + 32); a03.Store(o0 + 0 * stride + 48);
        a10.Store(o0 + 1 * stride + 0); a11.Store(o0 + 1 * stride + 16); a12.Store(o0 + 1 * stride + 32); a13.Store(o0 + 1 * stride + 48);
        a20.Store(o0 + 2 * stride + 0); a21.Store(o0 + 2 * stride + 16); a22.Store(o0 + 2 * stride + 32); a23.Store(o0 + 2 * stride + 48);
        a30.Store(o0 + 3 * stride + 0); a31.Store(o0 + 3 * stride + 16); a32.Store(o0 + 3 * stride + 32); a33.Store(o0 + 3 * stride + 48);
        a40.Store(o0 + 4 * stride + 0); a41.Store(o0 + 4 * stride + 16); a42.Store(o0 + 4 * stride + 32); a43.Store(o0 + 4 * stride + 48);
        a50.Store(o0 + 5 * stride + 0); a51.Store(o0 + 5 * stride + 16); a52.Store(o0 + 5 * stride + 32); a53.Store(o0 + 5 * stride + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block3x4(float* input, int* taps, int r, float* w0, float* w1, float* w2, float* o0, int stride)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        for (int t = 0; t < r; t++)
        {
            float* src = input + taps[t];
            Vector512<float> v0 = Vector512.Load(src), v1 = Vector512.Load(src + 16);
            Vector512<float> v2 = Vector512.Load(src + 32), v3 = Vector512.Load(src + 48);
            Vector512<float> w = Vector512.Create(w0[t]);
            a00 = Vector512.FusedMultiplyAdd(v0, w, a00); a01 = Vector512.FusedMultiplyAdd(v1, w, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, w, a02); a03 = Vector512.FusedMultiplyAdd(v3, w, a03);
            w = Vector512.Create(w1[t]);
            a10 = Vector512.FusedMultiplyAdd(v0, w, a10); a11 = Vector512.FusedMultiplyAdd(v1, w, a11);
            a12 = Vector512.FusedMultiplyAdd(v2, w, a12); a13 = Vector512.FusedMultiplyAdd(v3, w, a13);
            w = Vector512.Create(w2[t]);
            a20 = Vector512.FusedMultiplyAdd(v0, w, a20); a21 = Vector512.FusedMultiplyAdd(v1, w, a21);
            a22 = Vector512.FusedMultiplyAdd(v2, w, a22); a23 = Vector512.FusedMultiplyAdd(v3, w, a23);
        }
        float* o1 = o0 + stride, o2 = o1 + stride;
        a00.Store(o0); a01.Store(o0 + 16); a02.Store(o0 + 32); a03.Store(o0 + 48);
        a10.Store(o1); a11.Store(o1 + 16); a12.Store(o1 + 32); a13.Store(o1 + 48);
        a20.Store(o2); a21.Store(o2 + 16); a22.Store(o2 + 32); a23.Store(o2 + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x4(float* input, int* taps, int r, float* w0, float* w1, float* w2, float* w3,
        float* o0, float* o1, float* o2, float* o3)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int t = 0; t < r; t++)
        {
            float* src = input + taps[t];
            Vector512<float> v0 = Vector512.Load(src), v1 = Vector512.Load(src + 16);
            Vector512<float> v2 = Vector512.Load(src + 32), v3 = Vector512.Load(src + 48);
            Vector512<float> w = Vector512.Create(w0[t]);
            a00 = Vector512.FusedMultiplyAdd(v0, w, a00); a01 = Vector512.FusedMultiplyAdd(v1, w, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, w, a02); a03 = Vector512.FusedMultiplyAdd(v3, w, a03);
            w = Vector512.Create(w1[t]);
            a10 = Vector512.FusedMultiplyAdd(v0, w, a10); a11 = Vector512.FusedMultiplyAdd(v1, w, a11);
            a12 = Vector512.FusedMultiplyAdd(v2, w, a12); a13 = Vector512.FusedMultiplyAdd(v3, w, a13);
            w = Vector512.Create(w2[t]);
            a20 = Vector512.FusedMultiplyAdd(v0, w, a20); a21 = Vector512.FusedMultiplyAdd(v1, w, a21);
            a22 = Vector512.FusedMultiplyAdd(v2, w, a22); a23 = Vector512.FusedMultiplyAdd(v3, w, a23);
            w = Vector512.Create(w3[t]);
            a30 = Vector512.FusedMultiplyAdd(v0, w, a30); a31 = Vector512.FusedMultiplyAdd(v1, w, a31);
            a32 = Vector512.FusedMultiplyAdd(v2, w, a32); a33 = Vector512.FusedMultiplyAdd(v3, w, a33);
        }
        a00.Store(o0); a01.Store(o0 + 16); a02.Store(o0 + 32); a03.Store(o0 + 48);
        a10.Store(o1); a11.Store(o1 + 16); a12.Store(o1 + 32); a13.Store(o1 + 48);
        a20.Store(o2); a21.Store(o2 + 16); a22.Store(o2 + 32); a23.Store(o2 + 48);
        a30.Store(o3); a31.Store(o3 + 16); a32.Store(o3 + 32); a33.Store(o3 + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x3(float* input, int* taps, int r, float* w0, float* w1, float* w2, float* w3,
        float* o0, float* o1, float* o2, float* o3)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default;
        for (int t = 0; t < r; t++)
        {
            float* src = input + taps[t];
            Vector512<float> v0 = Vector512.Load(src), v1 = Vector512.Load(src + 16), v2 = Vector512.Load(src + 32);
            Vector512<float> w = Vector512.Create(w0[t]);
            a00 = Vector512.FusedMultiplyAdd(v0, w, a00); a01 = Vector512.FusedMultiplyAdd(v1, w, a01); a02 = Vector512.FusedMultiplyAdd(v2, w, a02);
            w = Vector512.Create(w1[t]);
            a10 = Vector512.FusedMultiplyAdd(v0, w, a10); a11 = Vector512.FusedMultiplyAdd(v1, w, a11); a12 = Vector512.FusedMultiplyAdd(v2, w, a12);
            w = Vector512.Create(w2[t]);
            a20 = Vector512.FusedMultiplyAdd(v0, w, a20); a21 = Vector512.FusedMultiplyAdd(v1, w, a21); a22 = Vector512.FusedMultiplyAdd(v2, w, a22);
            w = Vector512.Create(w3[t]);
            a30 = Vector512.FusedMultiplyAdd(v0, w, a30); a31 = Vector512.FusedMultiplyAdd(v1, w, a31); a32 = Vector512.FusedMultiplyAdd(v2, w, a32);
        }
        a00.Store(o0); a01.Store(o0 + 16); a02.Store(o0 + 32);
        a10.Store(o1); a11.Store(o1 + 16); a12.Store(o1 + 32);
        a20.Store(o2); a21.Store(o2 + 16); a22.Store(o2 + 32);
        a30.Store(o3); a31.Store(o3 + 16); a32.Store(o3 + 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x1(float* input, int* taps, int r, float* w0, float* w1, float* w2, float* w3,
        float* o0, float* o1, float* o2, float* o3)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int t = 0; t < r; t++)
        {
            Vector512<float> v = Vector512.Load(input + taps[t]);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w0[t]), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w1[t]), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w2[t]), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w3[t]), a3);
        }
        a0.Store(o0); a1.Store(o1); a2.Store(o2); a3.Store(o3);
    }

    private struct WeightWork : IParallelWork
    {
        public Shape S;
        public float* X, Dy, Partials;
        public int Batch;

        public readonly void Execute(int part, int parts)
        {
            Shape s = S;
            (int begin, int end) = KernelParallel.Range(Batch, part, parts);
            float* partial = Partials + part * PartialFloats(s);
            float* biasPartial = partial + (long)s.Cout * s.Reduction * Lanes;
            VectorOps.Clear(partial, (int)PartialFloats(s));
            // A chunk of examples is laid out first and then swept block by block, so each register block's partial
            // sums are loaded and stored once per chunk rather than once per example.
            int inputStride = (s.InputFloats + Lanes - 1) / Lanes * Lanes, gradientStride = s.Cout * s.OutStride;
            int chunk = Math.Clamp(ChunkFloats / (inputStride + gradientStride), 1, MaxChunk);
            float* input = Buffer(ref t_input, chunk * inputStride);
            float* gradient = Buffer(ref t_output, chunk * gradientStride);
            // Zero once: the junk columns and the tail past the last row must stay zero, and only the rest is rewritten.
            VectorOps.Clear(input, chunk * inputStride);
            VectorOps.Clear(gradient, chunk * gradientStride);
            int* taps = stackalloc int[s.Reduction];
            s.FillTaps(taps);
            for (int start = begin; start < end; start += chunk)
            {
                int count = Math.Min(chunk, end - start);
                for (int e = 0; e < count; e++)
                {
                    int n = start + e;
                    s.Pad(X + (long)n * s.InSize, input + e * inputStride);
                    float* wide = gradient + e * gradientStride;
                    s.Widen(Dy + (long)n * s.OutSize, wide);
                    for (int co = 0; co < s.Cout; co++)
                    {
                        float* row = wide + co * s.OutStride;
                        Vector512<float> sum = Vector512.Load(biasPartial + co * Lanes);
                        for (int v = 0; v < s.Vectors; v++) sum += Vector512.Load(row + v * Lanes);
                        sum.Store(biasPartial + co * Lanes);
                    }
                }
                WeightChunk(s, input, inputStride, taps, gradient, gradientStride, count, partial);
            }
        }
    }

    /// <summary>About a quarter of L2 for a weight-gradient chunk, and a cap that keeps the first-touch cost small.</summary>
    private const int ChunkFloats = 1 << 16, MaxChunk = 8;

    private static void WeightChunk(in Shape s, float* input, int inputStride, int* taps, float* gradient, int gradientStride,
        int count, float* partial)
    {
        int r = s.Reduction, stride = s.OutStride, vectors = s.Vectors, lastCo = s.Cout - 1, lastT = r - 1;
        int block = s.Cout % 6 == 0 && s.Cout % 4 != 0 ? 6 : ChannelBlock(s.Cout);
        for (int co = 0; co < s.Cout; co += block)
        {
            int c1 = Math.Min(co + 1, lastCo), c2 = Math.Min(co + 2, lastCo), c3 = Math.Min(co + 3, lastCo);
            int validCo = Math.Min(4, s.Cout - co);
            for (int t = 0; t < r; t += 4)
            {
                int t1 = Math.Min(t + 1, lastT), t2 = Math.Min(t + 2, lastT), t3 = Math.Min(t + 3, lastT);
                int validT = Math.Min(4, r - t);
                float* target = partial + ((long)co * r + t) * Lanes;
                if (block == 6)
                    Dot6x4(gradient + co * stride, stride, input + taps[t], input + taps[t1], input + taps[t2], input + taps[t3],
                        vectors, count, inputStride, gradientStride, target, r * Lanes, validT);
                else if (block == 3)
                    Dot3x4(gradient + co * stride, gradient + c1 * stride, gradient + c2 * stride,
                        input + taps[t], input + taps[t1], input + taps[t2], input + taps[t3], vectors, count, inputStride, gradientStride,
                        target, r * Lanes, validT);
                else
                    Dot4x4(gradient + co * stride, gradient + c1 * stride, gradient + c2 * stride, gradient + c3 * stride,
                        input + taps[t], input + taps[t1], input + taps[t2], input + taps[t3], vectors, count, inputStride, gradientStride,
                        target, r * Lanes, validCo, validT);
            }
        }
    }

    /// <summary>Six gradient rows (<paramref name="dRow"/> apart) by four shifted input runs; see <see cref="Dot4x4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot6x4(float* d0, int dRow, float* x0, float* x1, float* x2, float* x3,
        int vectors, int count, int xStride, int dStride, float* target, int rowStride, int validT)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        for (int e = 0; e < count; e++, x0 += xStride, x1 += xStride, x2 += xStride, x3 += xStride, d0 += dStride)
        for (int v = 0; v < vectors * Lanes; v += Lanes)
        {
            Vector512<float> u0 = Vector512.Load(x0 + v), u1 = Vector512.Load(x1 + v);
            Vector512<float> u2 = Vector512.Load(x2 + v), u3 = Vector512.Load(x3 + v);
            Vector512<float> d = Vector512.Load(d0 + v);
            a00 = Vector512.FusedMultiplyAdd(d, u0, a00); a01 = Vector512.FusedMultiplyAdd(d, u1, a01); a02 = Vector512.FusedMultiplyAdd(d, u2, a02); a03 = Vector512.FusedMultiplyAdd(d, u3, a03);
            d = Vector512.Load(d0 + 1 * dRow + v);
            a10 = Vector512.FusedMultiplyAdd(d, u0, a10); a11 = Vector512.FusedMultiplyAdd(d, u1, a11); a12 = Vector512.FusedMultiplyAdd(d, u2, a12); a13 = Vector512.FusedMultiplyAdd(d, u3, a13);
            d = Vector512.Load(d0 + 2 * dRow + v);
            a20 = Vector512.FusedMultiplyAdd(d, u0, a20); a21 = Vector512.FusedMultiplyAdd(d, u1, a21); a22 = Vector512.FusedMultiplyAdd(d, u2, a22); a23 = Vector512.FusedMultiplyAdd(d, u3, a23);
            d = Vector512.Load(d0 + 3 * dRow + v);
            a30 = Vector512.FusedMultiplyAdd(d, u0, a30); a31 = Vector512.FusedMultiplyAdd(d, u1, a31); a32 = Vector512.FusedMultiplyAdd(d, u2, a32); a33 = Vector512.FusedMultiplyAdd(d, u3, a33);
            d = Vector512.Load(d0 + 4 * dRow + v);
            a40 = Vector512.FusedMultiplyAdd(d, u0, a40); a41 = Vector512.FusedMultiplyAdd(d, u1, a41); a42 = Vector512.FusedMultiplyAdd(d, u2, a42); a43 = Vector512.FusedMultiplyAdd(d, u3, a43);
            d = Vector512.Load(d0 + 5 * dRow + v);
            a50 = Vector512.FusedMultiplyAdd(d, u0, a50); a51 = Vector512.FusedMultiplyAdd(d, u1, a51); a52 = Vector512.FusedMultiplyAdd(d, u2, a52); a53 = Vector512.FusedMultiplyAdd(d, u3, a53);
        }
        AddRow(target + 0 * rowStride, validT, a00, a01, a02, a03);
        AddRow(target + 1 * rowStride, validT, a10, a11, a12, a13);
        AddRow(target + 2 * rowStride, validT, a20, a21, a22, a23);
        AddRow(target + 3 * rowStride, validT, a30, a31, a32, a33);
        AddRow(target + 4 * rowStride, validT, a40, a41, a42, a43);
        AddRow(target + 5 * rowStride, validT, a50, a51, a52, a53);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot3x4(float* d0, float* d1, float* d2, float* x0, float* x1, float* x2, float* x3,
        int vectors, int count, int xStride, int dStride, float* target, int rowStride, int validT)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        for (int e = 0; e < count; e++, x0 += xStride, x1 += xStride, x2 += xStride, x3 += xStride, d0 += dStride, d1 += dStride, d2 += dStride)
        for (int v = 0; v < vectors * Lanes; v += Lanes)
        {
            Vector512<float> u0 = Vector512.Load(x0 + v), u1 = Vector512.Load(x1 + v);
            Vector512<float> u2 = Vector512.Load(x2 + v), u3 = Vector512.Load(x3 + v);
            Vector512<float> d = Vector512.Load(d0 + v);
            a00 = Vector512.FusedMultiplyAdd(d, u0, a00); a01 = Vector512.FusedMultiplyAdd(d, u1, a01);
            a02 = Vector512.FusedMultiplyAdd(d, u2, a02); a03 = Vector512.FusedMultiplyAdd(d, u3, a03);
            d = Vector512.Load(d1 + v);
            a10 = Vector512.FusedMultiplyAdd(d, u0, a10); a11 = Vector512.FusedMultiplyAdd(d, u1, a11);
            a12 = Vector512.FusedMultiplyAdd(d, u2, a12); a13 = Vector512.FusedMultiplyAdd(d, u3, a13);
            d = Vector512.Load(d2 + v);
            a20 = Vector512.FusedMultiplyAdd(d, u0, a20); a21 = Vector512.FusedMultiplyAdd(d, u1, a21);
            a22 = Vector512.FusedMultiplyAdd(d, u2, a22); a23 = Vector512.FusedMultiplyAdd(d, u3, a23);
        }
        AddRow(target, validT, a00, a01, a02, a03);
        AddRow(target + rowStride, validT, a10, a11, a12, a13);
        AddRow(target + 2 * rowStride, validT, a20, a21, a22, a23);
    }

    /// <summary>Adds the 16-lane partial dot products of four gradient rows with four shifted input runs into
    /// <paramref name="target"/> (row stride <paramref name="rowStride"/>), skipping the repeated rows and taps of a ragged block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4(float* d0, float* d1, float* d2, float* d3, float* x0, float* x1, float* x2, float* x3,
        int vectors, int count, int xStride, int dStride, float* target, int rowStride, int validCo, int validT)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int e = 0; e < count; e++, x0 += xStride, x1 += xStride, x2 += xStride, x3 += xStride, d0 += dStride, d1 += dStride, d2 += dStride, d3 += dStride)
        for (int v = 0; v < vectors * Lanes; v += Lanes)
        {
            Vector512<float> u0 = Vector512.Load(x0 + v), u1 = Vector512.Load(x1 + v);
            Vector512<float> u2 = Vector512.Load(x2 + v), u3 = Vector512.Load(x3 + v);
            Vector512<float> d = Vector512.Load(d0 + v);
            a00 = Vector512.FusedMultiplyAdd(d, u0, a00); a01 = Vector512.FusedMultiplyAdd(d, u1, a01);
            a02 = Vector512.FusedMultiplyAdd(d, u2, a02); a03 = Vector512.FusedMultiplyAdd(d, u3, a03);
            d = Vector512.Load(d1 + v);
            a10 = Vector512.FusedMultiplyAdd(d, u0, a10); a11 = Vector512.FusedMultiplyAdd(d, u1, a11);
            a12 = Vector512.FusedMultiplyAdd(d, u2, a12); a13 = Vector512.FusedMultiplyAdd(d, u3, a13);
            d = Vector512.Load(d2 + v);
            a20 = Vector512.FusedMultiplyAdd(d, u0, a20); a21 = Vector512.FusedMultiplyAdd(d, u1, a21);
            a22 = Vector512.FusedMultiplyAdd(d, u2, a22); a23 = Vector512.FusedMultiplyAdd(d, u3, a23);
            d = Vector512.Load(d3 + v);
            a30 = Vector512.FusedMultiplyAdd(d, u0, a30); a31 = Vector512.FusedMultiplyAdd(d, u1, a31);
            a32 = Vector512.FusedMultiplyAdd(d, u2, a32); a33 = Vector512.FusedMultiplyAdd(d, u3, a33);
        }
        AddRow(target, validT, a00, a01, a02, a03);
        if (validCo > 1) AddRow(target + rowStride, validT, a10, a11, a12, a13);
        if (validCo > 2) AddRow(target + 2 * rowStride, validT, a20, a21, a22, a23);
        if (validCo > 3) AddRow(target + 3 * rowStride, validT, a30, a31, a32, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(float* target, int validT, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        (Vector512.Load(target) + a0).Store(target);
        if (validT > 1) (Vector512.Load(target + Lanes) + a1).Store(target + Lanes);
        if (validT > 2) (Vector512.Load(target + 2 * Lanes) + a2).Store(target + 2 * Lanes);
        if (validT > 3) (Vector512.Load(target + 3 * Lanes) + a3).Store(target + 3 * Lanes);
    }

    /// <summary>
    /// The input gradient in two passes per example, both without read-modify-write of overlapping runs (adding shifted
    /// runs in place stalls on store forwarding at every tap). First <c>G[t] = Σ_co W[co, t] · dyWide[co]</c> for every
    /// tap <c>t = (ci, ki, kj)</c>, a small GEMM on aligned rows; then each padded input position gathers
    /// <c>dx[ci, q] = Σ_(ki,kj) G[t][q − ki·Wp − kj]</c>. G rows carry zero margins, so the gather needs no bounds logic,
    /// and G is zero at the junk columns, so they add nothing.
    /// </summary>
    private struct DataWork : IParallelWork
    {
        public Shape S;
        public float* Weight, Dy, Dx;
        public int Batch;

        public readonly void Execute(int part, int parts)
        {
            Shape s = S;
            (int begin, int end) = KernelParallel.Range(Batch, part, parts);
            float* padded = Buffer(ref t_input, s.Cin * s.PlaneStride);
            float* gradient = Buffer(ref t_output, s.Cout * s.OutStride);
            float* columns = Buffer(ref t_columns, s.ColumnsFloats);
            VectorOps.Clear(gradient, s.Cout * s.OutStride);
            // The margins and the tail of every G row stay zero; only [Margin, Margin + OutStride) is rewritten.
            VectorOps.Clear(columns, s.ColumnsFloats);
            for (int n = begin; n < end; n++)
            {
                s.Widen(Dy + (long)n * s.OutSize, gradient);
                TapSums(s, Weight, gradient, columns + s.Margin);
                Gather(s, columns + s.Margin, padded);
                float* dx = Dx + (long)n * s.InSize;
                for (int c = 0; c < s.Cin; c++)
                    VectorOps.CopyRows(dx + c * s.InH * s.InW, s.InW, padded + c * s.PlaneStride + s.PadH * s.PaddedW + s.PadW,
                        s.PaddedW, s.InH, s.InW);
            }
        }
    }

    private static void TapSums(in Shape s, float* weight, float* gradient, float* columns)
    {
        int r = s.Reduction, vectors = s.Vectors, stride = s.OutStride, rowStride = s.ColumnStride, lastT = r - 1;
        for (int t = 0; t < r; t += 4)
        {
            // A ragged last block repeats the last tap; its duplicate rows store identical values.
            int t1 = Math.Min(t + 1, lastT), t2 = Math.Min(t + 2, lastT), t3 = Math.Min(t + 3, lastT);
            float* g0 = columns + (long)t * rowStride, g1 = columns + (long)t1 * rowStride;
            float* g2 = columns + (long)t2 * rowStride, g3 = columns + (long)t3 * rowStride;
            int v = 0;
            if (vectors % 4 != 0)
            {
                for (; v + 3 <= vectors; v += 3)
                    TapSum4x3(weight + t, weight + t1, weight + t2, weight + t3, r, s.Cout, gradient + v * Lanes, stride,
                        g0 + v * Lanes, g1 + v * Lanes, g2 + v * Lanes, g3 + v * Lanes);
            }
            for (; v + 4 <= vectors; v += 4)
                TapSum4x4(weight + t, weight + t1, weight + t2, weight + t3, r, s.Cout, gradient + v * Lanes, stride,
                    g0 + v * Lanes, g1 + v * Lanes, g2 + v * Lanes, g3 + v * Lanes);
            for (; v < vectors; v++)
                TapSum4x1(weight + t, weight + t1, weight + t2, weight + t3, r, s.Cout, gradient + v * Lanes, stride,
                    g0 + v * Lanes, g1 + v * Lanes, g2 + v * Lanes, g3 + v * Lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapSum4x4(float* w0, float* w1, float* w2, float* w3, int r, int cout, float* gradient, int stride,
        float* p0, float* p1, float* p2, float* p3)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int co = 0; co < cout; co++, gradient += stride)
        {
            Vector512<float> g0 = Vector512.Load(gradient), g1 = Vector512.Load(gradient + 16);
            Vector512<float> g2 = Vector512.Load(gradient + 32), g3 = Vector512.Load(gradient + 48);
            int wi = co * r;
            Vector512<float> w = Vector512.Create(w0[wi]);
            a00 = Vector512.FusedMultiplyAdd(g0, w, a00); a01 = Vector512.FusedMultiplyAdd(g1, w, a01);
            a02 = Vector512.FusedMultiplyAdd(g2, w, a02); a03 = Vector512.FusedMultiplyAdd(g3, w, a03);
            w = Vector512.Create(w1[wi]);
            a10 = Vector512.FusedMultiplyAdd(g0, w, a10); a11 = Vector512.FusedMultiplyAdd(g1, w, a11);
            a12 = Vector512.FusedMultiplyAdd(g2, w, a12); a13 = Vector512.FusedMultiplyAdd(g3, w, a13);
            w = Vector512.Create(w2[wi]);
            a20 = Vector512.FusedMultiplyAdd(g0, w, a20); a21 = Vector512.FusedMultiplyAdd(g1, w, a21);
            a22 = Vector512.FusedMultiplyAdd(g2, w, a22); a23 = Vector512.FusedMultiplyAdd(g3, w, a23);
            w = Vector512.Create(w3[wi]);
            a30 = Vector512.FusedMultiplyAdd(g0, w, a30); a31 = Vector512.FusedMultiplyAdd(g1, w, a31);
            a32 = Vector512.FusedMultiplyAdd(g2, w, a32); a33 = Vector512.FusedMultiplyAdd(g3, w, a33);
        }
        a00.Store(p0); a01.Store(p0 + 16); a02.Store(p0 + 32); a03.Store(p0 + 48);
        a10.Store(p1); a11.Store(p1 + 16); a12.Store(p1 + 32); a13.Store(p1 + 48);
        a20.Store(p2); a21.Store(p2 + 16); a22.Store(p2 + 32); a23.Store(p2 + 48);
        a30.Store(p3); a31.Store(p3 + 16); a32.Store(p3 + 32); a33.Store(p3 + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapSum4x3(float* w0, float* w1, float* w2, float* w3, int r, int cout, float* gradient, int stride,
        float* p0, float* p1, float* p2, float* p3)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default;
        for (int co = 0; co < cout; co++, gradient += stride)
        {
            Vector512<float> g0 = Vector512.Load(gradient), g1 = Vector512.Load(gradient + 16), g2 = Vector512.Load(gradient + 32);
            int wi = co * r;
            Vector512<float> w = Vector512.Create(w0[wi]);
            a00 = Vector512.FusedMultiplyAdd(g0, w, a00); a01 = Vector512.FusedMultiplyAdd(g1, w, a01); a02 = Vector512.FusedMultiplyAdd(g2, w, a02);
            w = Vector512.Create(w1[wi]);
            a10 = Vector512.FusedMultiplyAdd(g0, w, a10); a11 = Vector512.FusedMultiplyAdd(g1, w, a11); a12 = Vector512.FusedMultiplyAdd(g2, w, a12);
            w = Vector512.Create(w2[wi]);
            a20 = Vector512.FusedMultiplyAdd(g0, w, a20); a21 = Vector512.FusedMultiplyAdd(g1, w, a21); a22 = Vector512.FusedMultiplyAdd(g2, w, a22);
            w = Vector512.Create(w3[wi]);
            a30 = Vector512.FusedMultiplyAdd(g0, w, a30); a31 = Vector512.FusedMultiplyAdd(g1, w, a31); a32 = Vector512.FusedMultiplyAdd(g2, w, a32);
        }
        a00.Store(p0); a01.Store(p0 + 16); a02.Store(p0 + 32);
        a10.Store(p1); a11.Store(p1 + 16); a12.Store(p1 + 32);
        a20.Store(p2); a21.Store(p2 + 16); a22.Store(p2 + 32);
        a30.Store(p3); a31.Store(p3 + 16); a32.Store(p3 + 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapSum4x1(float* w0, float* w1, float* w2, float* w3, int r, int cout, float* gradient, int stride,
        float* p0, float* p1, float* p2, float* p3)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int co = 0; co < cout; co++, gradient += stride)
        {
            Vector512<float> g = Vector512.Load(gradient);
            int wi = co * r;
            a0 = Vector512.FusedMultiplyAdd(g, Vector512.Create(w0[wi]), a0);
            a1 = Vector512.FusedMultiplyAdd(g, Vector512.Create(w1[wi]), a1);
            a2 = Vector512.FusedMultiplyAdd(g, Vector512.Create(w2[wi]), a2);
            a3 = Vector512.FusedMultiplyAdd(g, Vector512.Create(w3[wi]), a3);
        }
        a0.Store(p0); a1.Store(p1); a2.Store(p2); a3.Store(p3);
    }

    /// <summary>Padded-plane input gradient from the tap sums, four vectors at a time so the adds overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(in Shape s, float* columns, float* padded)
    {
        int kh = s.KernelH, kw = s.KernelW, wp = s.PaddedW, rowStride = s.ColumnStride, vectors = s.PlaneStride / Lanes;
        for (int c = 0; c < s.Cin; c++)
        {
            float* g = columns + (long)c * kh * kw * rowStride;
            float* target = padded + c * s.PlaneStride;
            int v = 0;
            for (; v + 4 <= vectors; v += 4)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                float* row = g + v * Lanes;
                for (int ki = 0; ki < kh; ki++)
                {
                    for (int kj = 0; kj < kw; kj++, row += rowStride)
                    {
                        float* src = row - (ki * wp + kj);
                        a0 += Vector512.Load(src); a1 += Vector512.Load(src + 16);
                        a2 += Vector512.Load(src + 32); a3 += Vector512.Load(src + 48);
                    }
                }
                float* dst = target + v * Lanes;
                a0.Store(dst); a1.Store(dst + 16); a2.Store(dst + 32); a3.Store(dst + 48);
            }
            for (; v < vectors; v++)
            {
                Vector512<float> a = default;
                float* row = g + v * Lanes;
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++, row += rowStride)
                        a += Vector512.Load(row - (ki * wp + kj));
                a.Store(target + v * Lanes);
            }
        }
    }
}
