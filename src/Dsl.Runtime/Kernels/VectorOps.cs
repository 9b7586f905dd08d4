using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Pointer loops for the short rows of convolution and pooling (often 5–30 floats), where the fixed cost of a
/// general span API or memmove per call would exceed the work. Remainders are handled by one more vector that
/// overlaps the previous one, so a 28-float row is two stores rather than a vector and twelve scalar steps.
/// Callers guarantee the ranges.
/// </summary>
internal static unsafe class VectorOps
{
    /// <summary>Copies <paramref name="rows"/> rows of <paramref name="length"/> floats between strided layouts.</summary>
    public static void CopyRows(float* dst, int dstStride, float* src, int srcStride, int rows, int length)
    {
        if (length >= 16)
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
            {
                int i = 0;
                for (; i < length - 16; i += 16) Vector512.Load(src + i).Store(dst + i);
                Vector512.Load(src + length - 16).Store(dst + length - 16);
            }
        }
        else if (length >= 8)
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
            {
                Vector256.Load(src).Store(dst);
                Vector256.Load(src + length - 8).Store(dst + length - 8);
            }
        }
        else if (length >= 4)
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
            {
                Vector128.Load(src).Store(dst);
                Vector128.Load(src + length - 4).Store(dst + length - 4);
            }
        }
        else
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
                for (int i = 0; i < length; i++) dst[i] = src[i];
        }
    }

    /// <summary>Adds <paramref name="rows"/> strided rows of <paramref name="length"/> floats into <paramref name="dst"/>.</summary>
    public static void AddRows(float* dst, int dstStride, float* src, int srcStride, int rows, int length)
    {
        // The overlapping last vector is summed before the main loop touches dst, so no element is added twice.
        if (length >= 16)
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
            {
                Vector512<float> tail = Vector512.Load(dst + length - 16) + Vector512.Load(src + length - 16);
                for (int i = 0; i < length - 16; i += 16) (Vector512.Load(dst + i) + Vector512.Load(src + i)).Store(dst + i);
                tail.Store(dst + length - 16);
            }
        }
        else if (length >= 8)
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
            {
                Vector256<float> tail = Vector256.Load(dst + length - 8) + Vector256.Load(src + length - 8);
                (Vector256.Load(dst) + Vector256.Load(src)).Store(dst);
                tail.Store(dst + length - 8);
            }
        }
        else
        {
            for (int r = 0; r < rows; r++, dst += dstStride, src += srcStride)
                for (int i = 0; i < length; i++) dst[i] += src[i];
        }
    }

    /// <summary>dst[i] = src[i] + value.</summary>
    public static void CopyAdd(float* dst, float* src, float value, int length)
    {
        if (length >= 16)
        {
            Vector512<float> v = Vector512.Create(value);
            for (int i = 0; i < length - 16; i += 16) (Vector512.Load(src + i) + v).Store(dst + i);
            (Vector512.Load(src + length - 16) + v).Store(dst + length - 16);
        }
        else if (length >= 8)
        {
            Vector256<float> v = Vector256.Create(value);
            (Vector256.Load(src) + v).Store(dst);
            (Vector256.Load(src + length - 8) + v).Store(dst + length - 8);
        }
        else
        {
            for (int i = 0; i < length; i++) dst[i] = src[i] + value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* dst, float* src, int length) => CopyRows(dst, 0, src, 0, 1, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(float* dst, int length) =>
        Unsafe.InitBlockUnaligned(dst, 0, (uint)length * sizeof(float));
}
