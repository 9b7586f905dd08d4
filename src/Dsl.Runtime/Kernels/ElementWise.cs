using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>An element-wise operation of one input, as scalar and vector forms of the same formula.</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>An element-wise operation of two inputs, as scalar and vector forms of the same formula.</summary>
internal interface IBinaryOperator
{
    float Invoke(float a, float b);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);
}

/// <summary>
/// Loop drivers for element-wise operators. Operators are structs so that the JIT specialises each driver per operator.
/// The remainder is handled by one extra vector that overlaps the last full one. It is computed before the main loop
/// because the result may alias an input: by the time the loop reaches the end, those inputs would be overwritten.
/// Callers validate lengths; only exact aliasing (same span) is supported.
/// </summary>
internal static unsafe class ElementWise
{
    /// <summary>From this many elements (1 MB of result) on, the threads split the range: a training batch's activations
    /// are megabytes, and one core alone does not draw all the memory bandwidth there is.</summary>
    private const int ParallelLength = 1 << 18;

    /// <summary>Split point granularity, a whole number of 512-bit vectors, so every part but the last is vector-exact.</summary>
    private const int PartAlignment = 64;

    public static void Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> result) where TOp : struct, IUnaryOperator
    {
        if (result.Length >= ParallelLength && Parallelism.MaxDegree > 1)
        {
            fixed (float* xPtr = x, resultPtr = result)
            {
                var work = new UnaryWork<TOp> { Op = op, X = xPtr, Result = resultPtr, Length = result.Length };
                Parallelism.Run(ref work, Parallelism.MaxDegree);
            }
            return;
        }
        UnarySerial(op, x, result);
    }

    public static void Binary<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryOperator
    {
        if (result.Length >= ParallelLength && Parallelism.MaxDegree > 1)
        {
            fixed (float* aPtr = a, bPtr = b, resultPtr = result)
            {
                var work = new BinaryWork<TOp> { Op = op, A = aPtr, B = bPtr, Result = resultPtr, Length = result.Length };
                Parallelism.Run(ref work, Parallelism.MaxDegree);
            }
            return;
        }
        BinarySerial(op, a, b, result);
    }

    private static (int Begin, int End) PartRange(int length, int part, int parts)
    {
        int blocks = (length + PartAlignment - 1) / PartAlignment;
        (int begin, int end) = KernelParallel.Range(blocks, part, parts);
        return (begin * PartAlignment, Math.Min(end * PartAlignment, length));
    }

    // Each part covers the same range of the inputs and the result, so exact aliasing stays exact within a part.
    private struct UnaryWork<TOp> : IParallelWork where TOp : struct, IUnaryOperator
    {
        public TOp Op;
        public float* X, Result;
        public int Length;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = PartRange(Length, part, parts);
            if (end > begin) UnarySerial(Op, new ReadOnlySpan<float>(X + begin, end - begin), new Span<float>(Result + begin, end - begin));
        }
    }

    private struct BinaryWork<TOp> : IParallelWork where TOp : struct, IBinaryOperator
    {
        public TOp Op;
        public float* A, B, Result;
        public int Length;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = PartRange(Length, part, parts);
            if (end > begin)
                BinarySerial(Op, new ReadOnlySpan<float>(A + begin, end - begin), new ReadOnlySpan<float>(B + begin, end - begin),
                    new Span<float>(Result + begin, end - begin));
        }
    }

    private static void UnarySerial<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> result) where TOp : struct, IUnaryOperator
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rr = ref MemoryMarshal.GetReference(result);
        nuint n = (nuint)result.Length;

        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            nuint last = n - (nuint)Vector512<float>.Count;
            Vector512<float> tail = op.Invoke(Vector512.LoadUnsafe(ref rx, last));
            for (nuint i = 0; i < last; i += (nuint)Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref rx, i)).StoreUnsafe(ref rr, i);
            tail.StoreUnsafe(ref rr, last);
            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            nuint last = n - (nuint)Vector256<float>.Count;
            Vector256<float> tail = op.Invoke(Vector256.LoadUnsafe(ref rx, last));
            for (nuint i = 0; i < last; i += (nuint)Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref rx, i)).StoreUnsafe(ref rr, i);
            tail.StoreUnsafe(ref rr, last);
            return;
        }

        for (nuint i = 0; i < n; i++)
            Unsafe.Add(ref rr, i) = op.Invoke(Unsafe.Add(ref rx, i));
    }

    private static void BinarySerial<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryOperator
    {
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rr = ref MemoryMarshal.GetReference(result);
        nuint n = (nuint)result.Length;

        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            nuint last = n - (nuint)Vector512<float>.Count;
            Vector512<float> tail = op.Invoke(Vector512.LoadUnsafe(ref ra, last), Vector512.LoadUnsafe(ref rb, last));
            for (nuint i = 0; i < last; i += (nuint)Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref ra, i), Vector512.LoadUnsafe(ref rb, i)).StoreUnsafe(ref rr, i);
            tail.StoreUnsafe(ref rr, last);
            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            nuint last = n - (nuint)Vector256<float>.Count;
            Vector256<float> tail = op.Invoke(Vector256.LoadUnsafe(ref ra, last), Vector256.LoadUnsafe(ref rb, last));
            for (nuint i = 0; i < last; i += (nuint)Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref ra, i), Vector256.LoadUnsafe(ref rb, i)).StoreUnsafe(ref rr, i);
            tail.StoreUnsafe(ref rr, last);
            return;
        }

        for (nuint i = 0; i < n; i++)
            Unsafe.Add(ref rr, i) = op.Invoke(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i));
    }
}
