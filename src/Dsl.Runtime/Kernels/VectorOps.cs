using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Pointer loops for the short rows of convolution and pooling (often 5–30 floats), where the fixed cost of a
/// general span API per call would exceed the work. Callers guarantee the ranges.
/// </summary>
internal static unsafe class VectorOps
{
    /// <summary>dst[i] += src[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto(float* dst, float* src, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
                (Vector512.Load(dst + i) + Vector512.Load(src + i)).Store(dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
                (Vector256.Load(dst + i) + Vector256.Load(src + i)).Store(dst + i);
        }
        for (; i < length; i++) dst[i] += src[i];
    }

    /// <summary>dst[i] = src[i] + value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyAdd(float* dst, float* src, float value, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> v = Vector512.Create(value);
            for (; i + 16 <= length; i += 16)
                (Vector512.Load(src + i) + v).Store(dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> v = Vector256.Create(value);
            for (; i + 8 <= length; i += 8)
                (Vector256.Load(src + i) + v).Store(dst + i);
        }
        for (; i < length; i++) dst[i] = src[i] + value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* dst, float* src, int length) =>
        Unsafe.CopyBlockUnaligned(dst, src, (uint)length * sizeof(float));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(float* dst, int length) =>
        Unsafe.InitBlockUnaligned(dst, 0, (uint)length * sizeof(float));
}
