// Micro-kernels, written out in full (by a small script) because the JIT keeps locals, not array elements, in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

public static partial class Gemm
{
    /// <summary>12×2 Vector512 tile: <c>C[0..12, 0..2·Vector512] (+)= Apanel · Bpanel</c> over <paramref name="kc"/> steps; A groups are 12 floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel512(int kc, float* a0, float* b, nint bStride, float* c, nint ldc, bool addToC)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c5_1 = default;
        Vector512<float> c6_0 = default;
        Vector512<float> c6_1 = default;
        Vector512<float> c7_0 = default;
        Vector512<float> c7_1 = default;
        Vector512<float> c8_0 = default;
        Vector512<float> c8_1 = default;
        Vector512<float> c9_0 = default;
        Vector512<float> c9_1 = default;
        Vector512<float> c10_0 = default;
        Vector512<float> c10_1 = default;
        Vector512<float> c11_0 = default;
        Vector512<float> c11_1 = default;
        // The C tile is only touched after the depth loop; fetching it now hides the (often L2/L3) latency behind it.
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 16);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 16);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 16);
            Sse.Prefetch0(c + 4 * ldc);
            Sse.Prefetch0(c + 4 * ldc + 16);
            Sse.Prefetch0(c + 5 * ldc);
            Sse.Prefetch0(c + 5 * ldc + 16);
            Sse.Prefetch0(c + 6 * ldc);
            Sse.Prefetch0(c + 6 * ldc + 16);
            Sse.Prefetch0(c + 7 * ldc);
            Sse.Prefetch0(c + 7 * ldc + 16);
            Sse.Prefetch0(c + 8 * ldc);
            Sse.Prefetch0(c + 8 * ldc + 16);
            Sse.Prefetch0(c + 9 * ldc);
            Sse.Prefetch0(c + 9 * ldc + 16);
            Sse.Prefetch0(c + 10 * ldc);
            Sse.Prefetch0(c + 10 * ldc + 16);
            Sse.Prefetch0(c + 11 * ldc);
            Sse.Prefetch0(c + 11 * ldc + 16);
        }
        Vector512<float> a, b0, b1;
        float* ap = a0;
        int p = 0;
        // Two depth steps per iteration halve the loop overhead between the FMAs.
        for (; p + 2 <= kc; p += 2)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector512.Load(b);
            b1 = Vector512.Load(b + Vector512<float>.Count);
            a = Vector512.Create(ap[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
            a = Vector512.Create(ap[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a, b1, c6_1);
            a = Vector512.Create(ap[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a, b1, c7_1);
            a = Vector512.Create(ap[8]);
            c8_0 = Vector512.FusedMultiplyAdd(a, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a, b1, c8_1);
            a = Vector512.Create(ap[9]);
            c9_0 = Vector512.FusedMultiplyAdd(a, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a, b1, c9_1);
            a = Vector512.Create(ap[10]);
            c10_0 = Vector512.FusedMultiplyAdd(a, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a, b1, c10_1);
            a = Vector512.Create(ap[11]);
            c11_0 = Vector512.FusedMultiplyAdd(a, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a, b1, c11_1);
            if (Sse.IsSupported) { Sse.Prefetch0(b + 9 * bStride); Sse.Prefetch0(b + 9 * bStride + 16); }
            b0 = Vector512.Load(b + bStride);
            b1 = Vector512.Load(b + bStride + Vector512<float>.Count);
            a = Vector512.Create(ap[12 + 0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[12 + 1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[12 + 2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[12 + 3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[12 + 4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[12 + 5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
            a = Vector512.Create(ap[12 + 6]);
            c6_0 = Vector512.FusedMultiplyAdd(a, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a, b1, c6_1);
            a = Vector512.Create(ap[12 + 7]);
            c7_0 = Vector512.FusedMultiplyAdd(a, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a, b1, c7_1);
            a = Vector512.Create(ap[12 + 8]);
            c8_0 = Vector512.FusedMultiplyAdd(a, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a, b1, c8_1);
            a = Vector512.Create(ap[12 + 9]);
            c9_0 = Vector512.FusedMultiplyAdd(a, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a, b1, c9_1);
            a = Vector512.Create(ap[12 + 10]);
            c10_0 = Vector512.FusedMultiplyAdd(a, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a, b1, c10_1);
            a = Vector512.Create(ap[12 + 11]);
            c11_0 = Vector512.FusedMultiplyAdd(a, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a, b1, c11_1);
            ap += 24;
            b += 2 * bStride;
        }
        if (p < kc)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector512.Load(b);
            b1 = Vector512.Load(b + Vector512<float>.Count);
            a = Vector512.Create(ap[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
            a = Vector512.Create(ap[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a, b1, c6_1);
            a = Vector512.Create(ap[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a, b1, c7_1);
            a = Vector512.Create(ap[8]);
            c8_0 = Vector512.FusedMultiplyAdd(a, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a, b1, c8_1);
            a = Vector512.Create(ap[9]);
            c9_0 = Vector512.FusedMultiplyAdd(a, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a, b1, c9_1);
            a = Vector512.Create(ap[10]);
            c10_0 = Vector512.FusedMultiplyAdd(a, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a, b1, c10_1);
            a = Vector512.Create(ap[11]);
            c11_0 = Vector512.FusedMultiplyAdd(a, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a, b1, c11_1);
        }
        if (addToC)
        {
            Vector512.Store(Vector512.Load(c) + c0_0, c);
            Vector512.Store(Vector512.Load(c + Vector512<float>.Count) + c0_1, c + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 1 * ldc) + c1_0, c + 1 * ldc);
            Vector512.Store(Vector512.Load(c + 1 * ldc + Vector512<float>.Count) + c1_1, c + 1 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 2 * ldc) + c2_0, c + 2 * ldc);
            Vector512.Store(Vector512.Load(c + 2 * ldc + Vector512<float>.Count) + c2_1, c + 2 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 3 * ldc) + c3_0, c + 3 * ldc);
            Vector512.Store(Vector512.Load(c + 3 * ldc + Vector512<float>.Count) + c3_1, c + 3 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 4 * ldc) + c4_0, c + 4 * ldc);
            Vector512.Store(Vector512.Load(c + 4 * ldc + Vector512<float>.Count) + c4_1, c + 4 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 5 * ldc) + c5_0, c + 5 * ldc);
            Vector512.Store(Vector512.Load(c + 5 * ldc + Vector512<float>.Count) + c5_1, c + 5 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 6 * ldc) + c6_0, c + 6 * ldc);
            Vector512.Store(Vector512.Load(c + 6 * ldc + Vector512<float>.Count) + c6_1, c + 6 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 7 * ldc) + c7_0, c + 7 * ldc);
            Vector512.Store(Vector512.Load(c + 7 * ldc + Vector512<float>.Count) + c7_1, c + 7 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 8 * ldc) + c8_0, c + 8 * ldc);
            Vector512.Store(Vector512.Load(c + 8 * ldc + Vector512<float>.Count) + c8_1, c + 8 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 9 * ldc) + c9_0, c + 9 * ldc);
            Vector512.Store(Vector512.Load(c + 9 * ldc + Vector512<float>.Count) + c9_1, c + 9 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 10 * ldc) + c10_0, c + 10 * ldc);
            Vector512.Store(Vector512.Load(c + 10 * ldc + Vector512<float>.Count) + c10_1, c + 10 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 11 * ldc) + c11_0, c + 11 * ldc);
            Vector512.Store(Vector512.Load(c + 11 * ldc + Vector512<float>.Count) + c11_1, c + 11 * ldc + Vector512<float>.Count);
        }
        else
        {
            Vector512.Store(c0_0, c);
            Vector512.Store(c0_1, c + Vector512<float>.Count);
            Vector512.Store(c1_0, c + 1 * ldc);
            Vector512.Store(c1_1, c + 1 * ldc + Vector512<float>.Count);
            Vector512.Store(c2_0, c + 2 * ldc);
            Vector512.Store(c2_1, c + 2 * ldc + Vector512<float>.Count);
            Vector512.Store(c3_0, c + 3 * ldc);
            Vector512.Store(c3_1, c + 3 * ldc + Vector512<float>.Count);
            Vector512.Store(c4_0, c + 4 * ldc);
            Vector512.Store(c4_1, c + 4 * ldc + Vector512<float>.Count);
            Vector512.Store(c5_0, c + 5 * ldc);
            Vector512.Store(c5_1, c + 5 * ldc + Vector512<float>.Count);
            Vector512.Store(c6_0, c + 6 * ldc);
            Vector512.Store(c6_1, c + 6 * ldc + Vector512<float>.Count);
            Vector512.Store(c7_0, c + 7 * ldc);
            Vector512.Store(c7_1, c + 7 * ldc + Vector512<float>.Count);
            Vector512.Store(c8_0, c + 8 * ldc);
            Vector512.Store(c8_1, c + 8 * ldc + Vector512<float>.Count);
            Vector512.Store(c9_0, c + 9 * ldc);
            Vector512.Store(c9_1, c + 9 * ldc + Vector512<float>.Count);
            Vector512.Store(c10_0, c + 10 * ldc);
            Vector512.Store(c10_1, c + 10 * ldc + Vector512<float>.Count);
            Vector512.Store(c11_0, c + 11 * ldc);
            Vector512.Store(c11_1, c + 11 * ldc + Vector512<float>.Count);
        }
    }

    /// <summary>6×2 Vector512 tile: <c>C[0..6, 0..2·Vector512] (+)= Apanel · Bpanel</c> over <paramref name="kc"/> steps; A groups are 12 floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel512Half(int kc, float* a0, float* b, nint bStride, float* c, nint ldc, bool addToC)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c5_1 = default;
        // The C tile is only touched after the depth loop; fetching it now hides the (often L2/L3) latency behind it.
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 16);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 16);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 16);
            Sse.Prefetch0(c + 4 * ldc);
            Sse.Prefetch0(c + 4 * ldc + 16);
            Sse.Prefetch0(c + 5 * ldc);
            Sse.Prefetch0(c + 5 * ldc + 16);
        }
        Vector512<float> a, b0, b1;
        float* ap = a0;
        int p = 0;
        // Two depth steps per iteration halve the loop overhead between the FMAs.
        for (; p + 2 <= kc; p += 2)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector512.Load(b);
            b1 = Vector512.Load(b + Vector512<float>.Count);
            a = Vector512.Create(ap[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
            if (Sse.IsSupported) { Sse.Prefetch0(b + 9 * bStride); Sse.Prefetch0(b + 9 * bStride + 16); }
            b0 = Vector512.Load(b + bStride);
            b1 = Vector512.Load(b + bStride + Vector512<float>.Count);
            a = Vector512.Create(ap[12 + 0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[12 + 1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[12 + 2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[12 + 3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[12 + 4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[12 + 5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
            ap += 24;
            b += 2 * bStride;
        }
        if (p < kc)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector512.Load(b);
            b1 = Vector512.Load(b + Vector512<float>.Count);
            a = Vector512.Create(ap[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector512.Create(ap[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector512.Create(ap[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector512.Create(ap[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector512.Create(ap[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector512.Create(ap[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a, b1, c5_1);
        }
        if (addToC)
        {
            Vector512.Store(Vector512.Load(c) + c0_0, c);
            Vector512.Store(Vector512.Load(c + Vector512<float>.Count) + c0_1, c + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 1 * ldc) + c1_0, c + 1 * ldc);
            Vector512.Store(Vector512.Load(c + 1 * ldc + Vector512<float>.Count) + c1_1, c + 1 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 2 * ldc) + c2_0, c + 2 * ldc);
            Vector512.Store(Vector512.Load(c + 2 * ldc + Vector512<float>.Count) + c2_1, c + 2 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 3 * ldc) + c3_0, c + 3 * ldc);
            Vector512.Store(Vector512.Load(c + 3 * ldc + Vector512<float>.Count) + c3_1, c + 3 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 4 * ldc) + c4_0, c + 4 * ldc);
            Vector512.Store(Vector512.Load(c + 4 * ldc + Vector512<float>.Count) + c4_1, c + 4 * ldc + Vector512<float>.Count);
            Vector512.Store(Vector512.Load(c + 5 * ldc) + c5_0, c + 5 * ldc);
            Vector512.Store(Vector512.Load(c + 5 * ldc + Vector512<float>.Count) + c5_1, c + 5 * ldc + Vector512<float>.Count);
        }
        else
        {
            Vector512.Store(c0_0, c);
            Vector512.Store(c0_1, c + Vector512<float>.Count);
            Vector512.Store(c1_0, c + 1 * ldc);
            Vector512.Store(c1_1, c + 1 * ldc + Vector512<float>.Count);
            Vector512.Store(c2_0, c + 2 * ldc);
            Vector512.Store(c2_1, c + 2 * ldc + Vector512<float>.Count);
            Vector512.Store(c3_0, c + 3 * ldc);
            Vector512.Store(c3_1, c + 3 * ldc + Vector512<float>.Count);
            Vector512.Store(c4_0, c + 4 * ldc);
            Vector512.Store(c4_1, c + 4 * ldc + Vector512<float>.Count);
            Vector512.Store(c5_0, c + 5 * ldc);
            Vector512.Store(c5_1, c + 5 * ldc + Vector512<float>.Count);
        }
    }

    /// <summary>6×2 Vector256 tile: <c>C[0..6, 0..2·Vector256] (+)= Apanel · Bpanel</c> over <paramref name="kc"/> steps; A groups are 6 floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel256(int kc, float* a0, float* b, nint bStride, float* c, nint ldc, bool addToC)
    {
        Vector256<float> c0_0 = default;
        Vector256<float> c0_1 = default;
        Vector256<float> c1_0 = default;
        Vector256<float> c1_1 = default;
        Vector256<float> c2_0 = default;
        Vector256<float> c2_1 = default;
        Vector256<float> c3_0 = default;
        Vector256<float> c3_1 = default;
        Vector256<float> c4_0 = default;
        Vector256<float> c4_1 = default;
        Vector256<float> c5_0 = default;
        Vector256<float> c5_1 = default;
        // The C tile is only touched after the depth loop; fetching it now hides the (often L2/L3) latency behind it.
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 16);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 16);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 16);
            Sse.Prefetch0(c + 4 * ldc);
            Sse.Prefetch0(c + 4 * ldc + 16);
            Sse.Prefetch0(c + 5 * ldc);
            Sse.Prefetch0(c + 5 * ldc + 16);
        }
        Vector256<float> a, b0, b1;
        float* ap = a0;
        int p = 0;
        // Two depth steps per iteration halve the loop overhead between the FMAs.
        for (; p + 2 <= kc; p += 2)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector256.Load(b);
            b1 = Vector256.Load(b + Vector256<float>.Count);
            a = Vector256.Create(ap[0]);
            c0_0 = Vector256.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector256.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector256.Create(ap[1]);
            c1_0 = Vector256.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector256.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector256.Create(ap[2]);
            c2_0 = Vector256.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector256.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector256.Create(ap[3]);
            c3_0 = Vector256.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector256.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector256.Create(ap[4]);
            c4_0 = Vector256.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector256.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector256.Create(ap[5]);
            c5_0 = Vector256.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector256.FusedMultiplyAdd(a, b1, c5_1);
            if (Sse.IsSupported) { Sse.Prefetch0(b + 9 * bStride); Sse.Prefetch0(b + 9 * bStride + 16); }
            b0 = Vector256.Load(b + bStride);
            b1 = Vector256.Load(b + bStride + Vector256<float>.Count);
            a = Vector256.Create(ap[6 + 0]);
            c0_0 = Vector256.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector256.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector256.Create(ap[6 + 1]);
            c1_0 = Vector256.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector256.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector256.Create(ap[6 + 2]);
            c2_0 = Vector256.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector256.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector256.Create(ap[6 + 3]);
            c3_0 = Vector256.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector256.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector256.Create(ap[6 + 4]);
            c4_0 = Vector256.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector256.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector256.Create(ap[6 + 5]);
            c5_0 = Vector256.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector256.FusedMultiplyAdd(a, b1, c5_1);
            ap += 12;
            b += 2 * bStride;
        }
        if (p < kc)
        {
            if (Sse.IsSupported) { Sse.Prefetch0(b + 8 * bStride); Sse.Prefetch0(b + 8 * bStride + 16); }
            b0 = Vector256.Load(b);
            b1 = Vector256.Load(b + Vector256<float>.Count);
            a = Vector256.Create(ap[0]);
            c0_0 = Vector256.FusedMultiplyAdd(a, b0, c0_0);
            c0_1 = Vector256.FusedMultiplyAdd(a, b1, c0_1);
            a = Vector256.Create(ap[1]);
            c1_0 = Vector256.FusedMultiplyAdd(a, b0, c1_0);
            c1_1 = Vector256.FusedMultiplyAdd(a, b1, c1_1);
            a = Vector256.Create(ap[2]);
            c2_0 = Vector256.FusedMultiplyAdd(a, b0, c2_0);
            c2_1 = Vector256.FusedMultiplyAdd(a, b1, c2_1);
            a = Vector256.Create(ap[3]);
            c3_0 = Vector256.FusedMultiplyAdd(a, b0, c3_0);
            c3_1 = Vector256.FusedMultiplyAdd(a, b1, c3_1);
            a = Vector256.Create(ap[4]);
            c4_0 = Vector256.FusedMultiplyAdd(a, b0, c4_0);
            c4_1 = Vector256.FusedMultiplyAdd(a, b1, c4_1);
            a = Vector256.Create(ap[5]);
            c5_0 = Vector256.FusedMultiplyAdd(a, b0, c5_0);
            c5_1 = Vector256.FusedMultiplyAdd(a, b1, c5_1);
        }
        if (addToC)
        {
            Vector256.Store(Vector256.Load(c) + c0_0, c);
            Vector256.Store(Vector256.Load(c + Vector256<float>.Count) + c0_1, c + Vector256<float>.Count);
            Vector256.Store(Vector256.Load(c + 1 * ldc) + c1_0, c + 1 * ldc);
            Vector256.Store(Vector256.Load(c + 1 * ldc + Vector256<float>.Count) + c1_1, c + 1 * ldc + Vector256<float>.Count);
            Vector256.Store(Vector256.Load(c + 2 * ldc) + c2_0, c + 2 * ldc);
            Vector256.Store(Vector256.Load(c + 2 * ldc + Vector256<float>.Count) + c2_1, c + 2 * ldc + Vector256<float>.Count);
            Vector256.Store(Vector256.Load(c + 3 * ldc) + c3_0, c + 3 * ldc);
            Vector256.Store(Vector256.Load(c + 3 * ldc + Vector256<float>.Count) + c3_1, c + 3 * ldc + Vector256<float>.Count);
            Vector256.Store(Vector256.Load(c + 4 * ldc) + c4_0, c + 4 * ldc);
            Vector256.Store(Vector256.Load(c + 4 * ldc + Vector256<float>.Count) + c4_1, c + 4 * ldc + Vector256<float>.Count);
            Vector256.Store(Vector256.Load(c + 5 * ldc) + c5_0, c + 5 * ldc);
            Vector256.Store(Vector256.Load(c + 5 * ldc + Vector256<float>.Count) + c5_1, c + 5 * ldc + Vector256<float>.Count);
        }
        else
        {
            Vector256.Store(c0_0, c);
            Vector256.Store(c0_1, c + Vector256<float>.Count);
            Vector256.Store(c1_0, c + 1 * ldc);
            Vector256.Store(c1_1, c + 1 * ldc + Vector256<float>.Count);
            Vector256.Store(c2_0, c + 2 * ldc);
            Vector256.Store(c2_1, c + 2 * ldc + Vector256<float>.Count);
            Vector256.Store(c3_0, c + 3 * ldc);
            Vector256.Store(c3_1, c + 3 * ldc + Vector256<float>.Count);
            Vector256.Store(c4_0, c + 4 * ldc);
            Vector256.Store(c4_1, c + 4 * ldc + Vector256<float>.Count);
            Vector256.Store(c5_0, c + 5 * ldc);
            Vector256.Store(c5_1, c + 5 * ldc + Vector256<float>.Count);
        }
    }
}
