using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Forward convolution without lowering, for layers with a short reduction (Cin·kh·kw ≤ 32) such as LeNet's first
/// layer (1·5·5). There the column matrix would be 25 times the input, and writing it costs more memory traffic than
/// the whole convolution costs arithmetic; instead each output row segment is accumulated in registers from shifted
/// loads of a zero-padded copy of the example, four output channels at a time so each load feeds four FMAs.
/// </summary>
internal static unsafe class DirectConv2d
{
    private const int MaxReduction = 32;
    private const int PaddedFloats = 4096;
    private const int ChannelBlock = 4;

    public static bool Applies(in Conv2dGeometry g)
    {
        if (g.Groups != 1 || g.StrideHeight != 1 || g.StrideWidth != 1 || g.OutWidth < 8) return false;
        if (g.InChannels * g.KernelHeight * g.KernelWidth > MaxReduction) return false;
        long padded = (long)g.InChannels * (g.InHeight + 2 * g.PadHeight) * (g.InWidth + 2 * g.PadWidth);
        return padded + 16 <= PaddedFloats;
    }

    public static void Forward(in Conv2dGeometry g, int batch, float* x, float* weight, float* bias, float* y)
    {
        var work = new ForwardWork { Geometry = g, X = x, Weight = weight, Bias = bias, Y = y, Batch = batch };
        KernelParallel.Run(ref work, batch, (long)g.OutSize * g.InChannels * g.KernelHeight * g.KernelWidth / 4);
    }

    [ThreadStatic] private static float[]? t_padded;

    private struct ForwardWork : IParallelWork
    {
        public Conv2dGeometry Geometry;
        public float* X, Weight, Bias, Y;
        public int Batch;

        public readonly void Execute(int part, int parts)
        {
            Conv2dGeometry g = Geometry;
            (int begin, int end) = KernelParallel.Range(Batch, part, parts);
            // Pinned on allocation, so its address is stable without a handle.
            float[] buffer = t_padded ??= GC.AllocateArray<float>(PaddedFloats, pinned: true);
            float* padded = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            int inH = g.InHeight, inW = g.InWidth, paddedH = inH + 2 * g.PadHeight, paddedW = inW + 2 * g.PadWidth;
            int planeFloats = paddedH * paddedW;
            // Zero once: every example rewrites the same interior, so the border and the slack stay zero.
            VectorOps.Clear(padded, g.InChannels * planeFloats + 16);
            for (int n = begin; n < end; n++)
            {
                float* example = X + (long)n * g.InSize;
                for (int c = 0; c < g.InChannels; c++)
                    VectorOps.CopyRows(padded + c * planeFloats + g.PadHeight * paddedW + g.PadWidth, paddedW,
                        example + c * inH * inW, inW, inH, inW);
                Example(g, padded, paddedW, planeFloats, Weight, Bias, Y + (long)n * g.OutSize);
            }
        }
    }

    private static void Example(in Conv2dGeometry g, float* padded, int paddedW, int planeFloats, float* weight, float* bias, float* y)
    {
        int outH = g.OutHeight, outW = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth, cin = g.InChannels;
        int reduction = cin * kh * kw, outPlane = outH * outW;
        // Offsets of every tap in the padded example, in weight order (ci, ki, kj).
        int* taps = stackalloc int[MaxReduction];
        for (int c = 0, t = 0; c < cin; c++)
            for (int ki = 0; ki < kh; ki++)
                for (int kj = 0; kj < kw; kj++, t++)
                    taps[t] = c * planeFloats + ki * paddedW + kj;

        int co = 0;
        for (; co + ChannelBlock <= g.OutChannels; co += ChannelBlock)
        {
            float* w0 = weight + co * reduction;
            float b0 = bias == null ? 0 : bias[co], b1 = bias == null ? 0 : bias[co + 1];
            float b2 = bias == null ? 0 : bias[co + 2], b3 = bias == null ? 0 : bias[co + 3];
            for (int oh = 0; oh < outH; oh++)
            {
                float* source = padded + oh * paddedW;
                float* target = y + co * outPlane + oh * outW;
                // Segments of 16 (or 8) outputs; the last one overlaps the previous, which only recomputes outputs.
                int step = outW >= 16 ? 16 : 8;
                for (int ow = 0; ; ow += step)
                {
                    if (ow > outW - step) ow = outW - step;
                    if (step == 16)
                    {
                        // Two segments at once when there are two left, so each weight broadcast feeds two FMAs.
                        int next = Math.Min(ow + 16, outW - 16);
                        if (next > ow)
                        {
                            Block4x16Pair(source, ow, next, taps, reduction, w0, b0, b1, b2, b3, target, outPlane);
                            ow = next;
                        }
                        else
                        {
                            Block4x16(source + ow, taps, reduction, w0, b0, b1, b2, b3, target + ow, outPlane);
                        }
                    }
                    else
                    {
                        Block4x8(source + ow, taps, reduction, w0, b0, b1, b2, b3, target + ow, outPlane);
                    }
                    if (ow == outW - step) break;
                }
            }
        }
        for (; co < g.OutChannels; co++)
        {
            float* w = weight + co * reduction;
            float b = bias == null ? 0 : bias[co];
            for (int oh = 0; oh < outH; oh++)
            {
                float* source = padded + oh * paddedW;
                float* target = y + co * outPlane + oh * outW;
                int step = outW >= 16 ? 16 : 8;
                for (int ow = 0; ; ow += step)
                {
                    if (ow > outW - step) ow = outW - step;
                    if (step == 16)
                    {
                        Vector512<float> acc = Vector512.Create(b);
                        for (int t = 0; t < reduction; t++)
                            acc = Vector512.FusedMultiplyAdd(Vector512.Load(source + ow + taps[t]), Vector512.Create(w[t]), acc);
                        acc.Store(target + ow);
                    }
                    else
                    {
                        Vector256<float> acc = Vector256.Create(b);
                        for (int t = 0; t < reduction; t++)
                            acc = Vector256.FusedMultiplyAdd(Vector256.Load(source + ow + taps[t]), Vector256.Create(w[t]), acc);
                        acc.Store(target + ow);
                    }
                    if (ow == outW - step) break;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x16(float* source, int* taps, int reduction, float* w, float b0, float b1, float b2, float b3,
        float* target, int outPlane)
    {
        Vector512<float> a0 = Vector512.Create(b0), a1 = Vector512.Create(b1), a2 = Vector512.Create(b2), a3 = Vector512.Create(b3);
        for (int t = 0; t < reduction; t++)
        {
            Vector512<float> v = Vector512.Load(source + taps[t]);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[t]), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[reduction + t]), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[2 * reduction + t]), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Create(w[3 * reduction + t]), a3);
        }
        a0.Store(target);
        a1.Store(target + outPlane);
        a2.Store(target + 2 * outPlane);
        a3.Store(target + 3 * outPlane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x16Pair(float* source, int first, int second, int* taps, int reduction, float* w,
        float b0, float b1, float b2, float b3, float* target, int outPlane)
    {
        Vector512<float> a0 = Vector512.Create(b0), a1 = Vector512.Create(b1), a2 = Vector512.Create(b2), a3 = Vector512.Create(b3);
        Vector512<float> c0 = a0, c1 = a1, c2 = a2, c3 = a3;
        float* s0 = source + first, s1 = source + second;
        for (int t = 0; t < reduction; t++)
        {
            Vector512<float> u = Vector512.Load(s0 + taps[t]), v = Vector512.Load(s1 + taps[t]);
            Vector512<float> k0 = Vector512.Create(w[t]), k1 = Vector512.Create(w[reduction + t]);
            Vector512<float> k2 = Vector512.Create(w[2 * reduction + t]), k3 = Vector512.Create(w[3 * reduction + t]);
            a0 = Vector512.FusedMultiplyAdd(u, k0, a0); c0 = Vector512.FusedMultiplyAdd(v, k0, c0);
            a1 = Vector512.FusedMultiplyAdd(u, k1, a1); c1 = Vector512.FusedMultiplyAdd(v, k1, c1);
            a2 = Vector512.FusedMultiplyAdd(u, k2, a2); c2 = Vector512.FusedMultiplyAdd(v, k2, c2);
            a3 = Vector512.FusedMultiplyAdd(u, k3, a3); c3 = Vector512.FusedMultiplyAdd(v, k3, c3);
        }
        float* t0 = target + first, t1 = target + second;
        a0.Store(t0); a1.Store(t0 + outPlane); a2.Store(t0 + 2 * outPlane); a3.Store(t0 + 3 * outPlane);
        c0.Store(t1); c1.Store(t1 + outPlane); c2.Store(t1 + 2 * outPlane); c3.Store(t1 + 3 * outPlane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x8(float* source, int* taps, int reduction, float* w, float b0, float b1, float b2, float b3,
        float* target, int outPlane)
    {
        Vector256<float> a0 = Vector256.Create(b0), a1 = Vector256.Create(b1), a2 = Vector256.Create(b2), a3 = Vector256.Create(b3);
        for (int t = 0; t < reduction; t++)
        {
            Vector256<float> v = Vector256.Load(source + taps[t]);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.Create(w[t]), a0);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.Create(w[reduction + t]), a1);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.Create(w[2 * reduction + t]), a2);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.Create(w[3 * reduction + t]), a3);
        }
        a0.Store(target);
        a1.Store(target + outPlane);
        a2.Store(target + 2 * outPlane);
        a3.Store(target + 3 * outPlane);
    }
}
