// Micro-kernels of the implicit-GEMM convolution, written out in full (by a small script) because the JIT keeps locals,
// not array elements, in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

internal static unsafe partial class ImplicitConv2d
{
    /// <summary>8×32 tile: <c>C[0..8, 0..32] (+)= A[0..8, 0..kc] · B</c>; A rows are <paramref name="lda"/> apart, B is packed 32 floats per depth step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool add)
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
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        Vector512<float> x, b0, b1;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            b += 32;
            x = Vector512.Create(a0[p]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(x, b1, c0_1);
            x = Vector512.Create(a1[p]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(x, b1, c1_1);
            x = Vector512.Create(a2[p]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(x, b1, c2_1);
            x = Vector512.Create(a3[p]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(x, b1, c3_1);
            x = Vector512.Create(a4[p]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(x, b1, c4_1);
            x = Vector512.Create(a5[p]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(x, b1, c5_1);
            x = Vector512.Create(a6[p]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(x, b1, c6_1);
            x = Vector512.Create(a7[p]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(x, b1, c7_1);
        }
        if (add)
        {
            c0_0 += Vector512.Load(c + 0 * ldc + 0);
            c0_1 += Vector512.Load(c + 0 * ldc + 16);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c4_0 += Vector512.Load(c + 4 * ldc + 0);
            c4_1 += Vector512.Load(c + 4 * ldc + 16);
            c5_0 += Vector512.Load(c + 5 * ldc + 0);
            c5_1 += Vector512.Load(c + 5 * ldc + 16);
            c6_0 += Vector512.Load(c + 6 * ldc + 0);
            c6_1 += Vector512.Load(c + 6 * ldc + 16);
            c7_0 += Vector512.Load(c + 7 * ldc + 0);
            c7_1 += Vector512.Load(c + 7 * ldc + 16);
        }
        c0_0.Store(c + 0 * ldc + 0);
        c0_1.Store(c + 0 * ldc + 16);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 16);
        c5_0.Store(c + 5 * ldc + 0);
        c5_1.Store(c + 5 * ldc + 16);
        c6_0.Store(c + 6 * ldc + 0);
        c6_1.Store(c + 6 * ldc + 16);
        c7_0.Store(c + 7 * ldc + 0);
        c7_1.Store(c + 7 * ldc + 16);
    }

    /// <summary>8×16 tile: <c>C[0..8, 0..16] (+)= A[0..8, 0..kc] · B</c>; A rows are <paramref name="lda"/> apart, B is packed 16 floats per depth step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x16(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool add)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c6_0 = default;
        Vector512<float> c7_0 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        Vector512<float> x, b0;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b += 16;
            x = Vector512.Create(a0[p]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            x = Vector512.Create(a1[p]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            x = Vector512.Create(a2[p]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            x = Vector512.Create(a3[p]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            x = Vector512.Create(a4[p]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            x = Vector512.Create(a5[p]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            x = Vector512.Create(a6[p]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            x = Vector512.Create(a7[p]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
        }
        if (add)
        {
            c0_0 += Vector512.Load(c + 0 * ldc + 0);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c4_0 += Vector512.Load(c + 4 * ldc + 0);
            c5_0 += Vector512.Load(c + 5 * ldc + 0);
            c6_0 += Vector512.Load(c + 6 * ldc + 0);
            c7_0 += Vector512.Load(c + 7 * ldc + 0);
        }
        c0_0.Store(c + 0 * ldc + 0);
        c1_0.Store(c + 1 * ldc + 0);
        c2_0.Store(c + 2 * ldc + 0);
        c3_0.Store(c + 3 * ldc + 0);
        c4_0.Store(c + 4 * ldc + 0);
        c5_0.Store(c + 5 * ldc + 0);
        c6_0.Store(c + 6 * ldc + 0);
        c7_0.Store(c + 7 * ldc + 0);
    }

}
