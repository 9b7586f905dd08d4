using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Grouped convolution with narrow groups, computed directly on zero-padded input planes: depthwise layers (one
/// input channel per group, as in MobileNet; output channel <c>co</c> of group g reads input channel g) and groups
/// of up to <see cref="MaxGroupWidth"/> channels (ResNeXt-50's 32 groups of four).
/// </summary>
/// <remarks>
/// <para>A group's reduction is only (in/G)·kh·kw long (9 for a depthwise 3×3), so a GEMM per group would spend its
/// time packing and on partly empty register tiles, and lowering would write kh·kw copies of the input to read each
/// once. Instead, eight outputs along a row are one vector, and each tap is one load and one FMA.</para>
/// <para>Strided windows are made contiguous by splitting each padded plane into sw phases: phase p holds padded
/// columns p, p + sw, p + 2·sw, …, so output column ow's tap kj is element <c>ow + kj/sw</c> of phase <c>kj mod sw</c>.
/// Phase rows are wide enough for whole vectors past the last output (the slack stays zero), which lets the
/// gradients run whole vectors over an output gradient row padded with zeros to a multiple of eight.</para>
/// <para>Forward splits (example, group) units over threads. Backward splits groups, and each part loops over the
/// whole batch, so every weight and bias gradient is summed by one thread in batch order: the result does not
/// depend on the number of threads. The weight gradient is one dot product per tap between the output gradient and
/// shifted input rows; the input gradient adds each tap's weighted output gradient rows into the padded phase planes,
/// tap by tap so that no store is read back by an overlapping load, and copies the interiors out.</para>
/// </remarks>
internal static unsafe class DirectGroupedConv2d
{
    private const int Lanes = 8;
    /// <summary>Output rows computed together in the forward pass: four independent FMA chains per tap hide its latency.</summary>
    private const int RowBlock = 4;

    /// <summary>
    /// Widest groups (input channels per group) computed here. Each tap costs a load per FMA, which is why the GEMM,
    /// with its register tiles, wins once a group is wide enough to fill them; single-threaded on 128 channels at
    /// 28×28 the GEMM path measured 0.4× this one at width 2, 0.7× at 4, 1.4× at 8 and 2.4× at 16.
    /// </summary>
    private const int MaxGroupWidth = 4;

    public static bool Applies(in Conv2dGeometry g) => g.Groups > 1 && g.InChannelsPerGroup <= MaxGroupWidth;

    public static void Forward(in Conv2dGeometry g, int batch, float* x, float* weight, float* bias, float* y)
    {
        var s = new Shape(g);
        var work = new ForwardWork { S = s, X = x, Weight = weight, Bias = bias, Y = y, Units = batch * s.Groups };
        KernelParallel.Run(ref work, work.Units, (long)s.GroupOut * s.OutPlane * s.Reduction);
    }

    /// <summary>dx (skipped when null), dW and dB (skipped when null), all overwritten.</summary>
    public static void Backward(in Conv2dGeometry g, int batch, float* x, float* weight, float* dy, float* dx,
        float* dWeight, float* dBias)
    {
        var s = new Shape(g);
        var work = new BackwardWork { S = s, X = x, Weight = weight, Dy = dy, Dx = dx, DWeight = dWeight, DBias = dBias, Batch = batch };
        KernelParallel.Run(ref work, s.Groups, (long)batch * s.GroupOut * s.OutPlane * s.Reduction);
    }

    /// <summary>Derived sizes, computed once.</summary>
    private readonly struct Shape
    {
        public readonly int Groups, GroupIn, GroupOut, InH, InW, KernelW, StrideH, StrideW, PadH, PadW, OutH, OutW, Taps, Reduction;
        public readonly int InPlane, OutPlane, InSize, OutSize;
        /// <summary>Phase row width, floats of one phase plane, and of all sw of them.</summary>
        public readonly int PhaseW, PhaseFloats, ChannelFloats, InputFloats;
        /// <summary>Output gradient row pitch (a whole number of vectors) and plane size in that layout.</summary>
        public readonly int DyPitch, DyFloats;

        public Shape(in Conv2dGeometry g)
        {
            Groups = g.Groups; GroupIn = g.InChannelsPerGroup; GroupOut = g.OutChannelsPerGroup;
            InH = g.InHeight; InW = g.InWidth; KernelW = g.KernelWidth; Taps = g.KernelHeight * g.KernelWidth; Reduction = GroupIn * Taps;
            StrideH = g.StrideHeight; StrideW = g.StrideWidth; PadH = g.PadHeight; PadW = g.PadWidth;
            OutH = g.OutHeight; OutW = g.OutWidth;
            InPlane = InH * InW; OutPlane = OutH * OutW; InSize = g.InSize; OutSize = g.OutSize;
            int paddedH = InH + 2 * PadH, paddedW = InW + 2 * PadW;
            DyPitch = (OutW + Lanes - 1) / Lanes * Lanes;
            DyFloats = OutH * DyPitch;
            // Vectors start at most at DyPitch − 8 and shift by at most (kw − 1)/sw.
            PhaseW = Math.Max((paddedW + StrideW - 1) / StrideW, DyPitch + (KernelW - 1) / StrideW);
            PhaseFloats = paddedH * PhaseW;
            ChannelFloats = StrideW * PhaseFloats;
            InputFloats = GroupIn * ChannelFloats;
        }

        /// <summary>Offset of tap (c, ki, kj) from an output position's origin in a group's phase planes, in weight order.</summary>
        public void FillTaps(int* taps)
        {
            for (int t = 0; t < Reduction; t++)
            {
                int c = t / Taps, ki = t % Taps / KernelW, kj = t % KernelW;
                taps[t] = c * ChannelFloats + kj % StrideW * PhaseFloats + ki * PhaseW + kj / StrideW;
            }
        }
    }

    private struct ForwardWork : IParallelWork
    {
        public Shape S;
        public float* X, Weight, Bias, Y;
        public int Units;

        public readonly void Execute(int part, int parts)
        {
            Shape s = S;
            (int begin, int end) = KernelParallel.Range(Units, part, parts);
            float* phases = Scratch.Floats(s.InputFloats);
            int* taps = Scratch.Ints(s.Reduction);
            s.FillTaps(taps);
            // Every plane rewrites the same interior, so the border and the slack stay zero from this one clear.
            VectorOps.Clear(phases, s.InputFloats);
            for (int unit = begin; unit < end; unit++)
            {
                int n = unit / s.Groups, group = unit % s.Groups;
                float* groupInput = X + (long)n * s.InSize + (long)group * s.GroupIn * s.InPlane;
                for (int c = 0; c < s.GroupIn; c++)
                    FillPhases(s, groupInput + (long)c * s.InPlane, phases + (long)c * s.ChannelFloats);
                for (int m = 0; m < s.GroupOut; m++)
                {
                    int co = group * s.GroupOut + m;
                    PlaneForward(s, phases, taps, Weight + (long)co * s.Reduction, Bias == null ? 0 : Bias[co],
                        Y + (long)n * s.OutSize + (long)co * s.OutPlane);
                }
            }
        }
    }

    private struct BackwardWork : IParallelWork
    {
        public Shape S;
        public float* X, Weight, Dy, Dx, DWeight, DBias;
        public int Batch;

        public readonly void Execute(int part, int parts)
        {
            Shape s = S;
            (int begin, int end) = KernelParallel.Range(s.Groups, part, parts);
            long sums = (long)s.GroupOut * s.Reduction * Lanes;
            float* phases = Scratch.Floats(2L * s.InputFloats + s.DyFloats + sums);
            float* dPhases = phases + s.InputFloats, dyPadded = dPhases + s.InputFloats, partialSums = dyPadded + s.DyFloats;
            int* taps = Scratch.Ints(s.Reduction);
            s.FillTaps(taps);
            // Borders, slack and the columns past Wo of the padded output gradient stay zero from here on.
            VectorOps.Clear(phases, s.InputFloats);
            VectorOps.Clear(dyPadded, s.DyFloats);
            for (int group = begin; group < end; group++)
            {
                VectorOps.Clear(partialSums, (int)sums);
                long groupOffset = (long)group * s.GroupIn * s.InPlane;
                for (int n = 0; n < Batch; n++)
                {
                    for (int c = 0; c < s.GroupIn; c++)
                        FillPhases(s, X + (long)n * s.InSize + groupOffset + (long)c * s.InPlane, phases + (long)c * s.ChannelFloats);
                    if (Dx != null) VectorOps.Clear(dPhases, s.InputFloats);
                    for (int m = 0; m < s.GroupOut; m++)
                    {
                        int co = group * s.GroupOut + m;
                        float* dyPlane = Dy + (long)n * s.OutSize + (long)co * s.OutPlane;
                        if (DBias != null) DBias[co] += TensorPrimitives.Sum(new ReadOnlySpan<float>(dyPlane, s.OutPlane));
                        VectorOps.CopyRows(dyPadded, s.DyPitch, dyPlane, s.OutW, s.OutH, s.OutW);
                        PlaneWeightGradient(s, phases, taps, dyPadded, partialSums + (long)m * s.Reduction * Lanes);
                        if (Dx != null) PlaneInputGradient(s, dPhases, taps, dyPadded, Weight + (long)co * s.Reduction);
                    }
                    if (Dx == null) continue;
                    for (int c = 0; c < s.GroupIn; c++)
                        EmptyPhases(s, dPhases + (long)c * s.ChannelFloats, Dx + (long)n * s.InSize + groupOffset + (long)c * s.InPlane);
                }
                for (int m = 0; m < s.GroupOut; m++)
                    for (int t = 0; t < s.Reduction; t++)
                        DWeight[(long)(group * s.GroupOut + m) * s.Reduction + t] =
                            Vector256.Sum(Vector256.Load(partialSums + ((long)m * s.Reduction + t) * Lanes));
            }
        }
    }

    /// <summary>Writes the input plane into the interior of the phase planes.</summary>
    private static void FillPhases(in Shape s, float* plane, float* phases)
    {
        if (s.StrideW == 1)
        {
            VectorOps.CopyRows(phases + s.PadH * s.PhaseW + s.PadW, s.PhaseW, plane, s.InW, s.InH, s.InW);
            return;
        }
        for (int p = 0; p < s.StrideW; p++)
        {
            // The first input column that lands in phase p, and its index there; then every sw-th column.
            int first = ((p - s.PadW) % s.StrideW + s.StrideW) % s.StrideW, index = (first + s.PadW) / s.StrideW;
            float* target = phases + p * s.PhaseFloats + s.PadH * s.PhaseW + index;
            for (int ih = 0; ih < s.InH; ih++, target += s.PhaseW)
            {
                float* row = plane + ih * s.InW;
                for (int iw = first, i = 0; iw < s.InW; iw += s.StrideW, i++) target[i] = row[iw];
            }
        }
    }

    /// <summary>The inverse of <see cref="FillPhases"/>: the interior of the phase planes into an input plane.</summary>
    private static void EmptyPhases(in Shape s, float* phases, float* plane)
    {
        if (s.StrideW == 1)
        {
            VectorOps.CopyRows(plane, s.InW, phases + s.PadH * s.PhaseW + s.PadW, s.PhaseW, s.InH, s.InW);
            return;
        }
        for (int p = 0; p < s.StrideW; p++)
        {
            int first = ((p - s.PadW) % s.StrideW + s.StrideW) % s.StrideW, index = (first + s.PadW) / s.StrideW;
            float* source = phases + p * s.PhaseFloats + s.PadH * s.PhaseW + index;
            for (int ih = 0; ih < s.InH; ih++, source += s.PhaseW)
            {
                float* row = plane + ih * s.InW;
                for (int iw = first, i = 0; iw < s.InW; iw += s.StrideW, i++) row[iw] = source[i];
            }
        }
    }

    private static void PlaneForward(in Shape s, float* phases, int* taps, float* w, float b, float* y)
    {
        int outW = s.OutW, rowStep = s.StrideH * s.PhaseW, tapCount = s.Reduction;
        int oh = 0;
        for (; oh + RowBlock <= s.OutH; oh += RowBlock)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            // Vectors of eight along the row; the last one overlaps the previous, which only recomputes outputs.
            for (int ow = 0; ; ow += Lanes)
            {
                if (ow > outW - Lanes) ow = Math.Max(0, outW - Lanes);
                Vector256<float> a0 = Vector256.Create(b), a1 = a0, a2 = a0, a3 = a0;
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                {
                    Vector256<float> k = Vector256.Create(w[t]);
                    float* q = p + taps[t];
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(q), k, a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(q + rowStep), k, a1);
                    a2 = Vector256.FusedMultiplyAdd(Vector256.Load(q + 2 * rowStep), k, a2);
                    a3 = Vector256.FusedMultiplyAdd(Vector256.Load(q + 3 * rowStep), k, a3);
                }
                Store(a0, target + ow, outW);
                Store(a1, target + outW + ow, outW);
                Store(a2, target + 2 * outW + ow, outW);
                Store(a3, target + 3 * outW + ow, outW);
                if (ow + Lanes >= outW) break;
            }
        }
        for (; oh < s.OutH; oh++)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            for (int ow = 0; ; ow += Lanes)
            {
                if (ow > outW - Lanes) ow = Math.Max(0, outW - Lanes);
                Vector256<float> a = Vector256.Create(b);
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                    a = Vector256.FusedMultiplyAdd(Vector256.Load(p + taps[t]), Vector256.Create(w[t]), a);
                Store(a, target + ow, outW);
                if (ow + Lanes >= outW) break;
            }
        }
    }

    /// <summary>A vector of outputs; in rows narrower than a vector, only the row's <paramref name="outW"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, float* target, int outW)
    {
        if (outW >= Lanes) value.Store(target);
        else StorePartial(value, target, outW);
    }

    // Out of line, so that the common full store stays a single instruction in the loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(Vector256<float> value, float* target, int count)
    {
        for (int i = 0; i < count; i++) target[i] = value.GetElement(i);
    }

    /// <summary>Adds, per tap, the dot product of the output gradient with the tap's shifted input to 8-lane partial sums.</summary>
    private static void PlaneWeightGradient(in Shape s, float* phases, int* taps, float* dyPadded, float* partialSums)
    {
        int rowStep = s.StrideH * s.PhaseW, pitch = s.DyPitch, outH = s.OutH;
        for (int t = 0; t < s.Reduction; t++)
        {
            // Two chains, so consecutive FMAs do not wait on each other.
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            float* source = phases + taps[t];
            for (int oh = 0; oh < outH; oh++, source += rowStep)
            {
                float* d = dyPadded + oh * pitch;
                int ow = 0;
                for (; ow + 2 * Lanes <= pitch; ow += 2 * Lanes)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(d + ow), Vector256.Load(source + ow), a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(d + ow + Lanes), Vector256.Load(source + ow + Lanes), a1);
                }
                if (ow < pitch) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(d + ow), Vector256.Load(source + ow), a0);
            }
            float* sum = partialSums + t * Lanes;
            (Vector256.Load(sum) + a0 + a1).Store(sum);
        }
    }

    /// <summary>Adds each tap's weighted output gradient rows into the padded input gradient phases.</summary>
    private static void PlaneInputGradient(in Shape s, float* dPhases, int* taps, float* dyPadded, float* w)
    {
        int rowStep = s.StrideH * s.PhaseW, pitch = s.DyPitch, outH = s.OutH;
        // Tap by tap: within one tap the vectors written never overlap, so no load waits on a partly overlapping store.
        for (int t = 0; t < s.Reduction; t++)
        {
            Vector256<float> k = Vector256.Create(w[t]);
            float* target = dPhases + taps[t];
            for (int oh = 0; oh < outH; oh++, target += rowStep)
            {
                float* d = dyPadded + oh * pitch;
                for (int ow = 0; ow < pitch; ow += Lanes)
                    Vector256.FusedMultiplyAdd(Vector256.Load(d + ow), k, Vector256.Load(target + ow)).Store(target + ow);
            }
        }
    }

    /// <summary>Per-thread scratch, pinned on allocation (so its address is stable without a handle) and grown on demand:
    /// it allocates only the first time a thread meets a larger geometry.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? t_floats;
        [ThreadStatic] private static int[]? t_ints;

        public static float* Floats(long count)
        {
            if (t_floats is null || t_floats.Length < count) t_floats = GC.AllocateArray<float>(checked((int)count), pinned: true);
            return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_floats));
        }

        public static int* Ints(int count)
        {
            if (t_ints is null || t_ints.Length < count) t_ints = GC.AllocateArray<int>(count, pinned: true);
            return (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_ints));
        }
    }
}
