// Packed-operand micro-kernels of the implicit-GEMM convolution, written out in full (by a small script) because the JIT
// keeps locals, not array elements, in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

internal static unsafe partial class ImplicitConv2d
{
    /// <summary>12×32 tile from packed operands: <c>C[0..12, 0..32] (+)= A · B</c>; A holds 12 floats per depth step, B 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Packed12x32(int kc, float* a, float* b, float* c, nint ldc, bool add)
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
        Vector512<float> x, b0, b1;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            x = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(x, b1, c0_1);
            x = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(x, b1, c1_1);
            x = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(x, b1, c2_1);
            x = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(x, b1, c3_1);
            x = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(x, b1, c4_1);
            x = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(x, b1, c5_1);
            x = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(x, b1, c6_1);
            x = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(x, b1, c7_1);
            x = Vector512.Create(a[8]);
            c8_0 = Vector512.FusedMultiplyAdd(x, b0, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(x, b1, c8_1);
            x = Vector512.Create(a[9]);
            c9_0 = Vector512.FusedMultiplyAdd(x, b0, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(x, b1, c9_1);
            x = Vector512.Create(a[10]);
            c10_0 = Vector512.FusedMultiplyAdd(x, b0, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(x, b1, c10_1);
            x = Vector512.Create(a[11]);
            c11_0 = Vector512.FusedMultiplyAdd(x, b0, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(x, b1, c11_1);
            a += 12;
            b += 32;
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
            c8_0 += Vector512.Load(c + 8 * ldc + 0);
            c8_1 += Vector512.Load(c + 8 * ldc + 16);
            c9_0 += Vector512.Load(c + 9 * ldc + 0);
            c9_1 += Vector512.Load(c + 9 * ldc + 16);
            c10_0 += Vector512.Load(c + 10 * ldc + 0);
            c10_1 += Vector512.Load(c + 10 * ldc + 16);
            c11_0 += Vector512.Load(c + 11 * ldc + 0);
            c11_1 += Vector512.Load(c + 11 * ldc + 16);
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
        c8_0.Store(c + 8 * ldc + 0);
        c8_1.Store(c + 8 * ldc + 16);
        c9_0.Store(c + 9 * ldc + 0);
        c9_1.Store(c + 9 * ldc + 16);
        c10_0.Store(c + 10 * ldc + 0);
        c10_1.Store(c + 10 * ldc + 16);
        c11_0.Store(c + 11 * ldc + 0);
        c11_1.Store(c + 11 * ldc + 16);
    }

    /// <summary>12×16 tile from packed operands: <c>C[0..12, 0..16] (+)= A · B</c>; A holds 12 floats per depth step, B 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Packed12x16(int kc, float* a, float* b, float* c, nint ldc, bool add)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c6_0 = default;
        Vector512<float> c7_0 = default;
        Vector512<float> c8_0 = default;
        Vector512<float> c9_0 = default;
        Vector512<float> c10_0 = default;
        Vector512<float> c11_0 = default;
        Vector512<float> x, b0;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            x = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            x = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            x = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            x = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            x = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            x = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            x = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            x = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
            x = Vector512.Create(a[8]);
            c8_0 = Vector512.FusedMultiplyAdd(x, b0, c8_0);
            x = Vector512.Create(a[9]);
            c9_0 = Vector512.FusedMultiplyAdd(x, b0, c9_0);
            x = Vector512.Create(a[10]);
            c10_0 = Vector512.FusedMultiplyAdd(x, b0, c10_0);
            x = Vector512.Create(a[11]);
            c11_0 = Vector512.FusedMultiplyAdd(x, b0, c11_0);
            a += 12;
            b += 16;
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
            c8_0 += Vector512.Load(c + 8 * ldc + 0);
            c9_0 += Vector512.Load(c + 9 * ldc + 0);
            c10_0 += Vector512.Load(c + 10 * ldc + 0);
            c11_0 += Vector512.Load(c + 11 * ldc + 0);
        }
        c0_0.Store(c + 0 * ldc + 0);
        c1_0.Store(c + 1 * ldc + 0);
        c2_0.Store(c + 2 * ldc + 0);
        c3_0.Store(c + 3 * ldc + 0);
        c4_0.Store(c + 4 * ldc + 0);
        c5_0.Store(c + 5 * ldc + 0);
        c6_0.Store(c + 6 * ldc + 0);
        c7_0.Store(c + 7 * ldc + 0);
        c8_0.Store(c + 8 * ldc + 0);
        c9_0.Store(c + 9 * ldc + 0);
        c10_0.Store(c + 10 * ldc + 0);
        c11_0.Store(c + 11 * ldc + 0);
    }

    /// <summary>8×32 tile from packed operands: <c>C[0..8, 0..32] (+)= A · B</c>; A holds 8 floats per depth step, B 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Packed8x32(int kc, float* a, float* b, float* c, nint ldc, bool add)
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
        Vector512<float> x, b0, b1;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            x = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(x, b1, c0_1);
            x = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(x, b1, c1_1);
            x = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(x, b1, c2_1);
            x = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(x, b1, c3_1);
            x = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(x, b1, c4_1);
            x = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(x, b1, c5_1);
            x = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(x, b1, c6_1);
            x = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(x, b1, c7_1);
            a += 8;
            b += 32;
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

    /// <summary>8×16 tile from packed operands: <c>C[0..8, 0..16] (+)= A · B</c>; A holds 8 floats per depth step, B 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Packed8x16(int kc, float* a, float* b, float* c, nint ldc, bool add)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c6_0 = default;
        Vector512<float> c7_0 = default;
        Vector512<float> x, b0;
        for (nint p = 0; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            x = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(x, b0, c0_0);
            x = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(x, b0, c1_0);
            x = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(x, b0, c2_0);
            x = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(x, b0, c3_0);
            x = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(x, b0, c4_0);
            x = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(x, b0, c5_0);
            x = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(x, b0, c6_0);
            x = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(x, b0, c7_0);
            a += 8;
            b += 16;
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
