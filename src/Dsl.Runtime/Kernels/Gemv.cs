using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// A few rows times a transposed matrix: <c>y[r, o] = Σ_i x[r, i] · w[o, i] (+ bias[o])</c> for up to
/// <see cref="MaxRows"/> rows, with <c>w</c> stored <c>[outFeatures, inFeatures]</c> (a dense layer's weight).
/// </summary>
/// <remarks>
/// The latency path of inference at batch 1: a GEMM would pack the whole weight for one use, while here every weight
/// row is read once, in place, and dotted with the input rows held in L1. Each output is one dot product whose
/// arithmetic (one FMA chain of Vector512 lanes, a fixed lane sum, a scalar tail) does not depend on which group or
/// thread computes it, so results are bitwise the same for any <see cref="Parallelism.MaxDegree"/>.
/// </remarks>
public static class Gemv
{
    /// <summary>Largest number of rows of <c>x</c> one call takes.</summary>
    public const int MaxRows = 4;

    // Below this many weight floats (≈ 200 KiB) one thread streams the weight faster than two can be woken.
    private const long ParallelThreshold = 48 * 1024;
    // Outputs per parallel unit: a multiple of both group sizes, so groups never straddle parts.
    private const int OutputsPerUnit = 16;

    /// <summary>Tests set this to run the portable path on AVX-512 machines.</summary>
    internal static bool ForcePortable;

    private static bool UseAvx512 => Avx512F.IsSupported && !ForcePortable;

    /// <summary>
    /// <c>y[r, o] = x[r, ·] · w[o, ·] + bias[o]</c> for <c>r &lt; rows</c>, <c>o &lt; outFeatures</c>. An empty
    /// <paramref name="bias"/> means none. <paramref name="rows"/> is 1 to <see cref="MaxRows"/>.
    /// </summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int inFeatures, int outFeatures)
        => MultiplyTransposed(x, weight, bias, relu: false, y, rows, inFeatures, outFeatures);

    /// <summary>
    /// <c>y[r, o] = relu?(x[r, ·] · w[o, ·] + bias[o])</c>: as the other overload, then ReLU when <paramref name="relu"/>,
    /// applied to each output as it is stored.
    /// </summary>
    public static unsafe void MultiplyTransposed(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        bool relu, Span<float> y, int rows, int inFeatures, int outFeatures)
    {
        if (rows < 1 || rows > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Gemv takes 1 to {MaxRows} rows.");
        Validate.Positive(inFeatures, nameof(inFeatures));
        Validate.Positive(outFeatures, nameof(outFeatures));
        Validate.Length(x.Length, (long)rows * inFeatures, nameof(x));
        Validate.Length(weight.Length, (long)outFeatures * inFeatures, nameof(weight));
        Validate.LengthOrEmpty(bias.Length, outFeatures, nameof(bias));
        Validate.Length(y.Length, (long)rows * outFeatures, nameof(y));

        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* py = y)
        {
            var job = new Job
            {
                X = px, W = pw, Bias = bias.IsEmpty ? null : pb, Y = py,
                Rows = rows, In = inFeatures, Out = outFeatures, Relu = relu,
            };
            int units = (outFeatures + OutputsPerUnit - 1) / OutputsPerUnit;
            int parts = Math.Min(Parallelism.MaxDegree, units);
            if (parts > 1 && (long)outFeatures * inFeatures >= ParallelThreshold)
                Parallelism.Run(ref job, parts);
            else
                job.Compute(0, outFeatures);
        }
    }

    private unsafe struct Job : IParallelWork
    {
        public float* X, W, Bias, Y;
        public int Rows, In, Out;
        public bool Relu;

        public readonly void Execute(int part, int parts)
        {
            int units = (Out + OutputsPerUnit - 1) / OutputsPerUnit;
            (int begin, int end) = KernelParallel.Range(units, part, parts);
            Compute(begin * OutputsPerUnit, Math.Min(Out, end * OutputsPerUnit));
        }

        public readonly void Compute(int begin, int end)
        {
            ComputeLinear(begin, end);
            if (!Relu) return;
            // The outputs of this range were just stored and are in L1. Vectors (and maxss for the tail) rather than a
            // conditional, which the JIT turns into a branch that mispredicts on every other output.
            for (int r = 0; r < Rows; r++)
            {
                float* row = Y + (nint)r * Out;
                int o = begin;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; o + 8 <= end; o += 8)
                        Vector256.MaxNative(Vector256.Load(row + o), Vector256<float>.Zero).Store(row + o);
                }
                for (; o < end; o++)
                    row[o] = Sse.IsSupported
                        ? Sse.MaxScalar(Vector128.CreateScalarUnsafe(row[o]), Vector128<float>.Zero).ToScalar()
                        : row[o] > 0 ? row[o] : 0f;
            }
        }

        private readonly void ComputeLinear(int begin, int end)
        {
            if (!UseAvx512)
            {
                ComputePortable(begin, end);
                return;
            }
            int o = begin;
            if (Rows == 1)
            {
                for (; o + 8 <= end; o += 8) Dot1x8(X, W + (nint)o * In, In, Y + o, Bias == null ? null : Bias + o);
            }
            else
            {
                for (; o + 4 <= end; o += 4) Dot4x4(X, Rows, W + (nint)o * In, In, Y + o, Out, Bias == null ? null : Bias + o);
            }
            for (; o < end; o++)
            {
                float b = Bias == null ? 0f : Bias[o];
                for (int r = 0; r < Rows; r++)
                    Y[(nint)r * Out + o] = Dot1(X + (nint)r * In, W + (nint)o * In, In) + b;
            }
        }

        private readonly void ComputePortable(int begin, int end)
        {
            for (int r = 0; r < Rows; r++)
            {
                var xRow = new ReadOnlySpan<float>(X + (nint)r * In, In);
                for (int o = begin; o < end; o++)
                    Y[(nint)r * Out + o] = TensorPrimitives.Dot(xRow, new ReadOnlySpan<float>(W + (nint)o * In, In))
                        + (Bias == null ? 0f : Bias[o]);
            }
        }
    }

    // All three kernels below compute each output identically: acc = FMA over 16-float chunks in order, Vector512.Sum,
    // then the tail added one product at a time, then the bias. Only how many outputs share a loop differs.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Tail(float* x, float* w, int from, int n, float sum)
    {
        for (int i = from; i < n; i++) sum += x[i] * w[i];
        return sum;
    }

    private static unsafe float Dot1(float* x, float* w, int n)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(w + i), acc);
        return Tail(x, w, i, n, Vector512.Sum(acc));
    }

    /// <summary>One row, eight consecutive weight rows: eight independent FMA chains keep both FMA ports busy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot1x8(float* x, float* w, int n, float* y, float* bias)
    {
        float* w0 = w, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n, w4 = w3 + n, w5 = w4 + n, w6 = w5 + n, w7 = w6 + n;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> a4 = default, a5 = default, a6 = default, a7 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> v = Vector512.Load(x + i);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w0 + i), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w1 + i), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w2 + i), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w3 + i), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w4 + i), a4);
            a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w5 + i), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w6 + i), a6);
            a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w7 + i), a7);
        }
        y[0] = Tail(x, w0, i, n, Vector512.Sum(a0)) + (bias == null ? 0f : bias[0]);
        y[1] = Tail(x, w1, i, n, Vector512.Sum(a1)) + (bias == null ? 0f : bias[1]);
        y[2] = Tail(x, w2, i, n, Vector512.Sum(a2)) + (bias == null ? 0f : bias[2]);
        y[3] = Tail(x, w3, i, n, Vector512.Sum(a3)) + (bias == null ? 0f : bias[3]);
        y[4] = Tail(x, w4, i, n, Vector512.Sum(a4)) + (bias == null ? 0f : bias[4]);
        y[5] = Tail(x, w5, i, n, Vector512.Sum(a5)) + (bias == null ? 0f : bias[5]);
        y[6] = Tail(x, w6, i, n, Vector512.Sum(a6)) + (bias == null ? 0f : bias[6]);
        y[7] = Tail(x, w7, i, n, Vector512.Sum(a7)) + (bias == null ? 0f : bias[7]);
    }

    /// <summary>
    /// Up to four rows, four consecutive weight rows: each weight chunk is loaded once for all rows. Missing rows alias
    /// row 0 (their results are discarded), which keeps one kernel for two to four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot4x4(float* x, int rows, float* w, int n, float* y, int ldy, float* bias)
    {
        float* x0 = x, x1 = rows > 1 ? x0 + n : x0, x2 = rows > 2 ? x0 + 2 * n : x0, x3 = rows > 3 ? x0 + 3 * n : x0;
        float* w0 = w, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> v0 = Vector512.Load(w0 + i), v1 = Vector512.Load(w1 + i);
            Vector512<float> v2 = Vector512.Load(w2 + i), v3 = Vector512.Load(w3 + i);
            Vector512<float> u = Vector512.Load(x0 + i);
            a00 = Vector512.FusedMultiplyAdd(u, v0, a00);
            a01 = Vector512.FusedMultiplyAdd(u, v1, a01);
            a02 = Vector512.FusedMultiplyAdd(u, v2, a02);
            a03 = Vector512.FusedMultiplyAdd(u, v3, a03);
            u = Vector512.Load(x1 + i);
            a10 = Vector512.FusedMultiplyAdd(u, v0, a10);
            a11 = Vector512.FusedMultiplyAdd(u, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(u, v2, a12);
            a13 = Vector512.FusedMultiplyAdd(u, v3, a13);
            u = Vector512.Load(x2 + i);
            a20 = Vector512.FusedMultiplyAdd(u, v0, a20);
            a21 = Vector512.FusedMultiplyAdd(u, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(u, v2, a22);
            a23 = Vector512.FusedMultiplyAdd(u, v3, a23);
            u = Vector512.Load(x3 + i);
            a30 = Vector512.FusedMultiplyAdd(u, v0, a30);
            a31 = Vector512.FusedMultiplyAdd(u, v1, a31);
            a32 = Vector512.FusedMultiplyAdd(u, v2, a32);
            a33 = Vector512.FusedMultiplyAdd(u, v3, a33);
        }
        float b0 = bias == null ? 0f : bias[0], b1 = bias == null ? 0f : bias[1];
        float b2 = bias == null ? 0f : bias[2], b3 = bias == null ? 0f : bias[3];
        StoreRow(y, x0, w0, w1, w2, w3, i, n, a00, a01, a02, a03, b0, b1, b2, b3);
        if (rows > 1) StoreRow(y + ldy, x1, w0, w1, w2, w3, i, n, a10, a11, a12, a13, b0, b1, b2, b3);
        if (rows > 2) StoreRow(y + 2 * ldy, x2, w0, w1, w2, w3, i, n, a20, a21, a22, a23, b0, b1, b2, b3);
        if (rows > 3) StoreRow(y + 3 * ldy, x3, w0, w1, w2, w3, i, n, a30, a31, a32, a33, b0, b1, b2, b3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* y, float* x, float* w0, float* w1, float* w2, float* w3, int i, int n,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, float b0, float b1, float b2, float b3)
    {
        y[0] = Tail(x, w0, i, n, Vector512.Sum(a0)) + b0;
        y[1] = Tail(x, w1, i, n, Vector512.Sum(a1)) + b1;
        y[2] = Tail(x, w2, i, n, Vector512.Sum(a2)) + b2;
        y[3] = Tail(x, w3, i, n, Vector512.Sum(a3)) + b3;
    }
}
