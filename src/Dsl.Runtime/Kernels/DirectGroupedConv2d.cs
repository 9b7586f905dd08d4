using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// Grouped convolution with narrow groups, computed directly on zero-padded input planes: depthwise layers (one
/// input channel per group, as in MobileNet; output channel <c>co</c> of group g reads input channel g), groups of up
/// to <see cref="NarrowGroupWidth"/> channels (ResNeXt-50's 32 groups of four), and groups of up to
/// <see cref="WideGroupWidth"/> on wide inputs (see there).
/// </summary>
/// <remarks>
/// <para>A group's reduction is only (in/G)·kh·kw long (9 for a depthwise 3×3), so a GEMM per group would spend its
/// time packing and on partly empty register tiles, and lowering would write kh·kw copies of the input to read each
/// once. Instead, eight or sixteen outputs along a row are one vector, and each tap is one load and one FMA.</para>
/// <para>Strided windows are made contiguous by splitting each padded plane into sw phases: phase p holds padded
/// columns p, p + sw, p + 2·sw, …, so output column ow's tap kj is element <c>ow + kj/sw</c> of phase <c>kj mod sw</c>.
/// Phase rows are wide enough for whole vectors past the last output (the slack stays zero), which lets the
/// gradients run whole vectors over an output gradient row padded with zeros to whole vectors.</para>
/// <para>Forward accumulates four rows of one vector each in registers, for two output channels at a time where a
/// group has two, so each input load feeds up to eight FMAs. Backward splits groups over threads, and each part loops
/// over the whole batch, so every weight and bias gradient is summed by one thread in batch order: the result does
/// not depend on the number of threads. The weight gradient is one dot product per tap between the output gradient
/// and shifted input rows, four taps per pass. The stride-1 input gradient is the forward loop again, over the output
/// gradient with a zero border and the kernel flipped; strided layers add each tap's weighted output gradient rows
/// into padded phase planes, tap by tap so that no store is read back by an overlapping load, and copy the interiors
/// out.</para>
/// </remarks>
internal static unsafe class DirectGroupedConv2d
{
    /// <summary>Output rows computed together in the forward pass: four independent FMA chains per tap hide its latency.</summary>
    private const int RowBlock = 4;

    /// <summary>Groups of up to this many input channels are always computed here.</summary>
    /// <remarks>Single-threaded, 128 channels at 28×28 in batches of 8, groups of four: forward 1.3 ms here against
    /// about 7 ms lowered (a GEMM per group, whose register tiles stay mostly empty), backward 3.5 against 16.</remarks>
    private const int NarrowGroupWidth = 4;

    /// <summary>Wider groups, up to this many channels, are computed here where rows fill 16-lane vectors and one
    /// example's column matrix (Cin·kh·kw·Ho·Wo floats) would be larger than <see cref="LoweredCacheFloats"/>:
    /// then the lowered path reads its columns from memory. Same setting as above, groups of 8 and 16: forward
    /// 2.5 and 4.7 ms here against 9.6 and 11.5 ms lowered, backward 6.3 and 11.9 against 18 and 18. Where the columns
    /// fit (32 channels at 28×28, or 14×14 rows of 8 lanes), the GEMM is as fast or faster.</summary>
    private const int WideGroupWidth = 16;

    /// <summary>About one core's L2 cache, in floats (1 MiB).</summary>
    private const long LoweredCacheFloats = 1 << 18;

    public static bool Applies(in Conv2dGeometry g)
    {
        if (g.Groups == 1) return false;
        int width = g.InChannelsPerGroup;
        if (width <= NarrowGroupWidth) return true;
        return width <= WideGroupWidth && UsesWideLanes(g.OutWidth)
            && (long)g.InChannels * g.KernelHeight * g.KernelWidth * g.OutHeight * g.OutWidth > LoweredCacheFloats;
    }

    /// <summary>Sixteen lanes only where a row fills at least one vector; narrower rows would compute mostly junk.</summary>
    private static bool UsesWideLanes(int outWidth) => Avx512F.IsSupported && outWidth >= 16;

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
        public readonly int Groups, GroupIn, GroupOut, InH, InW, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutH, OutW, Taps, Reduction;
        public readonly int InPlane, OutPlane, InSize, OutSize;
        /// <summary>Phase row width, floats of one phase plane, and of all sw of them.</summary>
        public readonly int PhaseW, PhaseFloats, ChannelFloats, InputFloats;
        /// <summary>Floats per vector (8 or 16), the output gradient row pitch (a whole number of vectors) and the
        /// gradient plane's size in that layout.</summary>
        public readonly int Lanes, DyPitch, DyFloats;
        /// <summary>Stride-1 input gradient: the output gradient with a zero border of kh − 1 rows and kw − 1 columns
        /// (and slack for whole vectors), its row pitch, rows and floats per plane, and the taps per input channel.</summary>
        public readonly int GatherPitch, GatherRows, GatherFloats, GatherTaps;

        public Shape(in Conv2dGeometry g)
        {
            Groups = g.Groups; GroupIn = g.InChannelsPerGroup; GroupOut = g.OutChannelsPerGroup;
            InH = g.InHeight; InW = g.InWidth; KernelH = g.KernelHeight; KernelW = g.KernelWidth;
            Taps = KernelH * KernelW; Reduction = GroupIn * Taps;
            StrideH = g.StrideHeight; StrideW = g.StrideWidth; PadH = g.PadHeight; PadW = g.PadWidth;
            OutH = g.OutHeight; OutW = g.OutWidth;
            InPlane = InH * InW; OutPlane = OutH * OutW; InSize = g.InSize; OutSize = g.OutSize;
            int paddedH = InH + 2 * PadH, paddedW = InW + 2 * PadW;
            Lanes = UsesWideLanes(OutW) ? 16 : 8;
            DyPitch = (OutW + Lanes - 1) / Lanes * Lanes;
            DyFloats = OutH * DyPitch;
            // Vectors start at most at DyPitch − Lanes and shift by at most (kw − 1)/sw.
            PhaseW = Math.Max((paddedW + StrideW - 1) / StrideW, DyPitch + (KernelW - 1) / StrideW);
            PhaseFloats = paddedH * PhaseW;
            ChannelFloats = StrideW * PhaseFloats;
            InputFloats = GroupIn * ChannelFloats;
            // Input row ih reads gradient rows ih + ph … ih + ph + kh − 1 of the bordered plane, and a vector from
            // column iw reads up to Lanes − 1 + pw + kw − 1 past it.
            GatherPitch = Math.Max(OutW + 2 * (KernelW - 1), Math.Max(InW, Lanes) + PadW + KernelW - 1);
            GatherRows = Math.Max(OutH + 2 * (KernelH - 1), InH + PadH + KernelH - 1);
            GatherFloats = GatherRows * GatherPitch;
            GatherTaps = GroupOut * Taps;
        }

        /// <summary>Whether the input gradient is gathered (stride 1) rather than scattered tap by tap.</summary>
        public bool Gathers => StrideH == 1 && StrideW == 1;

        public PlaneLoop ForwardLoop => new(OutH, OutW, StrideH * PhaseW, Reduction, OutPlane);

        /// <summary>The stride-1 input gradient as a forward pass over the bordered output gradient with the kernel
        /// flipped: one output channel's taps after another, producing input planes.</summary>
        public PlaneLoop GatherLoop => new(InH, InW, GatherPitch, GatherTaps, InPlane);

        /// <summary>Offset of flipped tap (m, ki, kj) in the bordered output gradient planes, in the order of
        /// <see cref="FillGatherWeights"/>.</summary>
        public void FillGatherTaps(int* taps)
        {
            for (int t = 0; t < GatherTaps; t++)
            {
                int m = t / Taps, ki = t % Taps / KernelW, kj = t % KernelW;
                taps[t] = m * GatherFloats + (KernelH - 1 - ki) * GatherPitch + KernelW - 1 - kj;
            }
        }

        /// <summary>The weights each input channel of <paramref name="group"/> sees through the gradient, as
        /// <c>[in/G, out/G, kh, kw]</c>: per input channel, one contiguous run in the gather's tap order.</summary>
        public void FillGatherWeights(float* weight, int group, float* gathered)
        {
            for (int c = 0; c < GroupIn; c++)
                for (int m = 0; m < GroupOut; m++)
                    for (int t = 0; t < Taps; t++)
                        gathered[(c * GroupOut + m) * Taps + t] = weight[((long)(group * GroupOut + m) * GroupIn + c) * Taps + t];
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

    /// <summary>The extent of one forward-style pass over a plane: output rows and width, input row step, taps, and
    /// the distance between two output planes.</summary>
    private readonly record struct PlaneLoop(int Rows, int Width, int RowStep, int TapCount, int Plane);

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
                int m = 0;
                // Output channels in pairs where there are two: each input load then feeds two FMAs.
                for (; m + 2 <= s.GroupOut; m += 2)
                {
                    int co = group * s.GroupOut + m;
                    float* w = Weight + (long)co * s.Reduction, y = Y + (long)n * s.OutSize + (long)co * s.OutPlane;
                    float b0 = Bias == null ? 0 : Bias[co], b1 = Bias == null ? 0 : Bias[co + 1];
                    if (s.Lanes == 16) PlanePairForward<FloatLanes512, Vector512<float>>(s.ForwardLoop, phases, taps, w, b0, b1, y);
                    else PlanePairForward<FloatLanes256, Vector256<float>>(s.ForwardLoop, phases, taps, w, b0, b1, y);
                }
                if (m < s.GroupOut)
                {
                    int co = group * s.GroupOut + m;
                    float* w = Weight + (long)co * s.Reduction, y = Y + (long)n * s.OutSize + (long)co * s.OutPlane;
                    float b = Bias == null ? 0 : Bias[co];
                    if (s.Lanes == 16) PlaneForward<FloatLanes512, Vector512<float>>(s.ForwardLoop, phases, taps, w, b, y);
                    else PlaneForward<FloatLanes256, Vector256<float>>(s.ForwardLoop, phases, taps, w, b, y);
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
            long sums = (long)s.GroupOut * s.Reduction * s.Lanes;
            bool gathers = Dx != null && s.Gathers;
            long gatherFloats = gathers ? (long)s.GroupOut * s.GatherFloats + (long)s.GroupIn * s.GatherTaps : 0;
            float* phases = Scratch.Floats(2L * s.InputFloats + s.DyFloats + sums + gatherFloats);
            float* dPhases = phases + s.InputFloats, dyPadded = dPhases + s.InputFloats, partialSums = dyPadded + s.DyFloats;
            float* dyBordered = partialSums + sums, gatherWeights = dyBordered + (long)s.GroupOut * s.GatherFloats;
            int* taps = Scratch.Ints(s.Reduction + (gathers ? s.GatherTaps : 0));
            int* gatherTaps = taps + s.Reduction;
            s.FillTaps(taps);
            if (gathers) s.FillGatherTaps(gatherTaps);
            // Borders, slack and the columns past Wo of the padded output gradients stay zero from here on.
            VectorOps.Clear(phases, s.InputFloats);
            VectorOps.Clear(dyPadded, s.DyFloats);
            if (gathers) VectorOps.Clear(dyBordered, s.GroupOut * s.GatherFloats);
            for (int group = begin; group < end; group++)
            {
                VectorOps.Clear(partialSums, (int)sums);
                if (gathers) s.FillGatherWeights(Weight, group, gatherWeights);
                long groupOffset = (long)group * s.GroupIn * s.InPlane;
                for (int n = 0; n < Batch; n++)
                {
                    for (int c = 0; c < s.GroupIn; c++)
                        FillPhases(s, X + (long)n * s.InSize + groupOffset + (long)c * s.InPlane, phases + (long)c * s.ChannelFloats);
                    if (Dx != null && !gathers) VectorOps.Clear(dPhases, s.InputFloats);
                    for (int m = 0; m < s.GroupOut; m++)
                    {
                        int co = group * s.GroupOut + m;
                        float* dyPlane = Dy + (long)n * s.OutSize + (long)co * s.OutPlane;
                        if (DBias != null) DBias[co] += TensorPrimitives.Sum(new ReadOnlySpan<float>(dyPlane, s.OutPlane));
                        VectorOps.CopyRows(dyPadded, s.DyPitch, dyPlane, s.OutW, s.OutH, s.OutW);
                        if (gathers)
                            VectorOps.CopyRows(dyBordered + (long)m * s.GatherFloats + (s.KernelH - 1) * s.GatherPitch + s.KernelW - 1,
                                s.GatherPitch, dyPlane, s.OutW, s.OutH, s.OutW);
                        float* sumsOfChannel = partialSums + (long)m * s.Reduction * s.Lanes, w = Weight + (long)co * s.Reduction;
                        if (s.Lanes == 16)
                        {
                            PlaneWeightGradient<FloatLanes512, Vector512<float>>(s, phases, taps, dyPadded, sumsOfChannel);
                            if (Dx != null && !gathers) PlaneInputGradient<FloatLanes512, Vector512<float>>(s, dPhases, taps, dyPadded, w);
                        }
                        else
                        {
                            PlaneWeightGradient<FloatLanes256, Vector256<float>>(s, phases, taps, dyPadded, sumsOfChannel);
                            if (Dx != null && !gathers) PlaneInputGradient<FloatLanes256, Vector256<float>>(s, dPhases, taps, dyPadded, w);
                        }
                    }
                    if (Dx == null) continue;
                    float* dxGroup = Dx + (long)n * s.InSize + groupOffset;
                    if (gathers)
                    {
                        GatherInputGradient(s, dyBordered + s.PadH * s.GatherPitch + s.PadW, gatherTaps, gatherWeights, dxGroup);
                        continue;
                    }
                    for (int c = 0; c < s.GroupIn; c++)
                        EmptyPhases(s, dPhases + (long)c * s.ChannelFloats, dxGroup + (long)c * s.InPlane);
                }
                float* partial = partialSums;
                for (int m = 0; m < s.GroupOut; m++)
                    for (int t = 0; t < s.Reduction; t++, partial += s.Lanes)
                    {
                        float sum = 0;
                        for (int lane = 0; lane < s.Lanes; lane++) sum += partial[lane];
                        DWeight[(long)(group * s.GroupOut + m) * s.Reduction + t] = sum;
                    }
            }
        }
    }

    /// <summary>
    /// Stride-1 input gradient of one example's group: <c>dx[c, ih, iw] = Σ w[m, c, ki, kj] · dy[m, ih + ph − ki, iw + pw − kj]</c>,
    /// a forward pass over the bordered output gradient with the kernel flipped. Each input vector is accumulated in
    /// registers, where scattering would load and store it once per tap; input channels go in pairs like output
    /// channels in the forward pass.
    /// </summary>
    private static void GatherInputGradient(in Shape s, float* dyOrigin, int* gatherTaps, float* gatherWeights, float* dx)
    {
        PlaneLoop l = s.GatherLoop;
        int c = 0;
        for (; c + 2 <= s.GroupIn; c += 2)
        {
            float* w = gatherWeights + (long)c * s.GatherTaps, plane = dx + (long)c * s.InPlane;
            if (s.Lanes == 16) PlanePairForward<FloatLanes512, Vector512<float>>(l, dyOrigin, gatherTaps, w, 0, 0, plane);
            else PlanePairForward<FloatLanes256, Vector256<float>>(l, dyOrigin, gatherTaps, w, 0, 0, plane);
        }
        if (c < s.GroupIn)
        {
            float* w = gatherWeights + (long)c * s.GatherTaps, plane = dx + (long)c * s.InPlane;
            if (s.Lanes == 16) PlaneForward<FloatLanes512, Vector512<float>>(l, dyOrigin, gatherTaps, w, 0, plane);
            else PlaneForward<FloatLanes256, Vector256<float>>(l, dyOrigin, gatherTaps, w, 0, plane);
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
        if (s.StrideW == 2 && Avx2.IsSupported)
        {
            // Even input columns go to one phase and odd ones to the other, which is which depending on the padding.
            float* evens = phases + s.PadW % 2 * s.PhaseFloats + s.PadH * s.PhaseW + s.PadW / 2;
            float* odds = phases + (s.PadW + 1) % 2 * s.PhaseFloats + s.PadH * s.PhaseW + (s.PadW + 1) / 2;
            for (int ih = 0; ih < s.InH; ih++, evens += s.PhaseW, odds += s.PhaseW)
                Deinterleave(plane + ih * s.InW, s.InW, evens, odds);
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
        if (s.StrideW == 2 && Avx2.IsSupported)
        {
            float* evens = phases + s.PadW % 2 * s.PhaseFloats + s.PadH * s.PhaseW + s.PadW / 2;
            float* odds = phases + (s.PadW + 1) % 2 * s.PhaseFloats + s.PadH * s.PhaseW + (s.PadW + 1) / 2;
            for (int ih = 0; ih < s.InH; ih++, evens += s.PhaseW, odds += s.PhaseW)
                Interleave(evens, odds, plane + ih * s.InW, s.InW);
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

    /// <summary>Splits a row into its even and odd elements, sixteen at a time: a stride-2 layer's phase split
    /// otherwise costs more than its arithmetic.</summary>
    private static void Deinterleave(float* row, int length, float* evens, float* odds)
    {
        int i = 0;
        for (; i + 16 <= length; i += 16)
        {
            Vector256<float> a = Avx.LoadVector256(row + i), b = Avx.LoadVector256(row + i + 8);
            // Within each 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6); then the 64-bit pairs in order 0, 2, 1, 3.
            Vector256<float> even = Avx.Shuffle(a, b, 0b10_00_10_00), odd = Avx.Shuffle(a, b, 0b11_01_11_01);
            Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle().Store(evens + i / 2);
            Avx2.Permute4x64(odd.AsDouble(), 0b11_01_10_00).AsSingle().Store(odds + i / 2);
        }
        for (; i < length; i++)
        {
            if ((i & 1) == 0) evens[i / 2] = row[i];
            else odds[i / 2] = row[i];
        }
    }

    /// <summary>The inverse of <see cref="Deinterleave"/>.</summary>
    private static void Interleave(float* evens, float* odds, float* row, int length)
    {
        int i = 0;
        for (; i + 16 <= length; i += 16)
        {
            Vector256<float> even = Avx.LoadVector256(evens + i / 2), odd = Avx.LoadVector256(odds + i / 2);
            // (e0 o0 e1 o1 | e4 o4 e5 o5) and (e2 o2 e3 o3 | e6 o6 e7 o7), then their 128-bit halves in order.
            Vector256<float> low = Avx.UnpackLow(even, odd), high = Avx.UnpackHigh(even, odd);
            Avx.Permute2x128(low, high, 0x20).Store(row + i);
            Avx.Permute2x128(low, high, 0x31).Store(row + i + 8);
        }
        for (; i < length; i++) row[i] = (i & 1) == 0 ? evens[i / 2] : odds[i / 2];
    }

    private static void PlaneForward<TLanes, TVector>(in PlaneLoop l, float* phases, int* taps, float* w, float b, float* y)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, outW = l.Width, rowStep = l.RowStep, tapCount = l.TapCount, outH = l.Rows;
        int oh = 0;
        for (; oh + RowBlock <= outH; oh += RowBlock)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            // Whole vectors along the row; the last one overlaps the previous, which only recomputes outputs.
            for (int ow = 0; ; ow += lanes)
            {
                if (ow > outW - lanes) ow = Math.Max(0, outW - lanes);
                TVector a0 = TLanes.Broadcast(b), a1 = a0, a2 = a0, a3 = a0;
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                {
                    TVector k = TLanes.Broadcast(w[t]);
                    float* q = p + taps[t];
                    a0 = TLanes.MultiplyAdd(TLanes.Load(q), k, a0);
                    a1 = TLanes.MultiplyAdd(TLanes.Load(q + rowStep), k, a1);
                    a2 = TLanes.MultiplyAdd(TLanes.Load(q + 2 * rowStep), k, a2);
                    a3 = TLanes.MultiplyAdd(TLanes.Load(q + 3 * rowStep), k, a3);
                }
                Store<TLanes, TVector>(a0, target + ow, outW);
                Store<TLanes, TVector>(a1, target + outW + ow, outW);
                Store<TLanes, TVector>(a2, target + 2 * outW + ow, outW);
                Store<TLanes, TVector>(a3, target + 3 * outW + ow, outW);
                if (ow + lanes >= outW) break;
            }
        }
        for (; oh < outH; oh++)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            for (int ow = 0; ; ow += lanes)
            {
                if (ow > outW - lanes) ow = Math.Max(0, outW - lanes);
                TVector a = TLanes.Broadcast(b);
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                    a = TLanes.MultiplyAdd(TLanes.Load(p + taps[t]), TLanes.Broadcast(w[t]), a);
                Store<TLanes, TVector>(a, target + ow, outW);
                if (ow + lanes >= outW) break;
            }
        }
    }

    /// <summary>
    /// Two consecutive output channels (weights at <paramref name="w"/> and <c>w + TapCount</c>, outputs at
    /// <paramref name="y"/> and <c>y + Plane</c>) from the same input: four rows by two channels, so each tap's
    /// four input loads feed eight FMAs.
    /// </summary>
    private static void PlanePairForward<TLanes, TVector>(in PlaneLoop l, float* phases, int* taps, float* w, float b0, float b1, float* y)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, outW = l.Width, rowStep = l.RowStep, tapCount = l.TapCount, outPlane = l.Plane, outH = l.Rows;
        float* w1 = w + tapCount;
        int oh = 0;
        for (; oh + RowBlock <= outH; oh += RowBlock)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            for (int ow = 0; ; ow += lanes)
            {
                if (ow > outW - lanes) ow = Math.Max(0, outW - lanes);
                TVector a0 = TLanes.Broadcast(b0), a1 = a0, a2 = a0, a3 = a0;
                TVector c0 = TLanes.Broadcast(b1), c1 = c0, c2 = c0, c3 = c0;
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                {
                    TVector k0 = TLanes.Broadcast(w[t]), k1 = TLanes.Broadcast(w1[t]);
                    float* q = p + taps[t];
                    TVector v0 = TLanes.Load(q), v1 = TLanes.Load(q + rowStep);
                    TVector v2 = TLanes.Load(q + 2 * rowStep), v3 = TLanes.Load(q + 3 * rowStep);
                    a0 = TLanes.MultiplyAdd(v0, k0, a0); c0 = TLanes.MultiplyAdd(v0, k1, c0);
                    a1 = TLanes.MultiplyAdd(v1, k0, a1); c1 = TLanes.MultiplyAdd(v1, k1, c1);
                    a2 = TLanes.MultiplyAdd(v2, k0, a2); c2 = TLanes.MultiplyAdd(v2, k1, c2);
                    a3 = TLanes.MultiplyAdd(v3, k0, a3); c3 = TLanes.MultiplyAdd(v3, k1, c3);
                }
                float* t0 = target + ow, t1 = t0 + outPlane;
                Store<TLanes, TVector>(a0, t0, outW); Store<TLanes, TVector>(c0, t1, outW);
                Store<TLanes, TVector>(a1, t0 + outW, outW); Store<TLanes, TVector>(c1, t1 + outW, outW);
                Store<TLanes, TVector>(a2, t0 + 2 * outW, outW); Store<TLanes, TVector>(c2, t1 + 2 * outW, outW);
                Store<TLanes, TVector>(a3, t0 + 3 * outW, outW); Store<TLanes, TVector>(c3, t1 + 3 * outW, outW);
                if (ow + lanes >= outW) break;
            }
        }
        for (; oh < outH; oh++)
        {
            float* source = phases + oh * rowStep;
            float* target = y + oh * outW;
            for (int ow = 0; ; ow += lanes)
            {
                if (ow > outW - lanes) ow = Math.Max(0, outW - lanes);
                TVector a = TLanes.Broadcast(b0), c = TLanes.Broadcast(b1);
                float* p = source + ow;
                for (int t = 0; t < tapCount; t++)
                {
                    TVector v = TLanes.Load(p + taps[t]);
                    a = TLanes.MultiplyAdd(v, TLanes.Broadcast(w[t]), a);
                    c = TLanes.MultiplyAdd(v, TLanes.Broadcast(w1[t]), c);
                }
                Store<TLanes, TVector>(a, target + ow, outW);
                Store<TLanes, TVector>(c, target + outPlane + ow, outW);
                if (ow + lanes >= outW) break;
            }
        }
    }

    /// <summary>A vector of outputs; in rows narrower than a vector, only the row's <paramref name="outW"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TLanes, TVector>(TVector value, float* target, int outW)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        if (outW >= TLanes.Count) TLanes.Store(value, target);
        else TLanes.StoreFirst(value, target, outW);
    }

    /// <summary>Adds, per tap, the dot product of the output gradient with the tap's shifted input to per-lane partial sums.</summary>
    private static void PlaneWeightGradient<TLanes, TVector>(in Shape s, float* phases, int* taps, float* dyPadded, float* partialSums)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, rowStep = s.StrideH * s.PhaseW, pitch = s.DyPitch, outH = s.OutH;
        int t = 0;
        // Four taps at a time: each output gradient vector is loaded once for four FMAs, on four independent chains.
        for (; t + 4 <= s.Reduction; t += 4)
        {
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
            float* s0 = phases + taps[t], s1 = phases + taps[t + 1], s2 = phases + taps[t + 2], s3 = phases + taps[t + 3];
            float* d = dyPadded;
            for (int oh = 0; oh < outH; oh++, d += pitch, s0 += rowStep, s1 += rowStep, s2 += rowStep, s3 += rowStep)
            {
                for (int ow = 0; ow < pitch; ow += lanes)
                {
                    TVector dv = TLanes.Load(d + ow);
                    a0 = TLanes.MultiplyAdd(dv, TLanes.Load(s0 + ow), a0);
                    a1 = TLanes.MultiplyAdd(dv, TLanes.Load(s1 + ow), a1);
                    a2 = TLanes.MultiplyAdd(dv, TLanes.Load(s2 + ow), a2);
                    a3 = TLanes.MultiplyAdd(dv, TLanes.Load(s3 + ow), a3);
                }
            }
            float* sum = partialSums + t * lanes;
            TLanes.Store(TLanes.Add(TLanes.Load(sum), a0), sum);
            TLanes.Store(TLanes.Add(TLanes.Load(sum + lanes), a1), sum + lanes);
            TLanes.Store(TLanes.Add(TLanes.Load(sum + 2 * lanes), a2), sum + 2 * lanes);
            TLanes.Store(TLanes.Add(TLanes.Load(sum + 3 * lanes), a3), sum + 3 * lanes);
        }
        for (; t < s.Reduction; t++)
        {
            // Two chains, so consecutive FMAs do not wait on each other.
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero;
            float* source = phases + taps[t];
            for (int oh = 0; oh < outH; oh++, source += rowStep)
            {
                float* d = dyPadded + oh * pitch;
                int ow = 0;
                for (; ow + 2 * lanes <= pitch; ow += 2 * lanes)
                {
                    a0 = TLanes.MultiplyAdd(TLanes.Load(d + ow), TLanes.Load(source + ow), a0);
                    a1 = TLanes.MultiplyAdd(TLanes.Load(d + ow + lanes), TLanes.Load(source + ow + lanes), a1);
                }
                if (ow < pitch) a0 = TLanes.MultiplyAdd(TLanes.Load(d + ow), TLanes.Load(source + ow), a0);
            }
            float* sum = partialSums + t * lanes;
            TLanes.Store(TLanes.Add(TLanes.Load(sum), TLanes.Add(a0, a1)), sum);
        }
    }

    /// <summary>Adds each tap's weighted output gradient rows into the padded input gradient phases.</summary>
    private static void PlaneInputGradient<TLanes, TVector>(in Shape s, float* dPhases, int* taps, float* dyPadded, float* w)
        where TLanes : struct, IFloatLanes<TVector> where TVector : struct
    {
        int lanes = TLanes.Count, rowStep = s.StrideH * s.PhaseW, pitch = s.DyPitch, outH = s.OutH;
        // Tap by tap: within one tap the vectors written never overlap, so no load waits on a partly overlapping store.
        for (int t = 0; t < s.Reduction; t++)
        {
            TVector k = TLanes.Broadcast(w[t]);
            float* target = dPhases + taps[t];
            for (int oh = 0; oh < outH; oh++, target += rowStep)
            {
                float* d = dyPadded + oh * pitch;
                for (int ow = 0; ow < pitch; ow += lanes)
                    TLanes.Store(TLanes.MultiplyAdd(TLanes.Load(d + ow), k, TLanes.Load(target + ow)), target + ow);
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
