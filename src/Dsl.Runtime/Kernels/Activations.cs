using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>Element-wise activations. Input and output may be the same span (in place). Backward kernels read the
/// forward output where it suffices, so the input need not be kept; dx may alias dy.</summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        ElementWise.Unary(default(ReluForward), x, y);
    }

    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Validate.SameLength(y.Length, dy.Length, nameof(y), nameof(dy));
        Validate.SameLength(y.Length, dx.Length, nameof(y), nameof(dx));
        ElementWise.Binary(default(ReluGradient), y, dy, dx);
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        ElementWise.Unary(default(SigmoidOperator), x, y);
    }

    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Validate.SameLength(y.Length, dy.Length, nameof(y), nameof(dy));
        Validate.SameLength(y.Length, dx.Length, nameof(y), nameof(dx));
        ElementWise.Binary(default(SigmoidGradient), y, dy, dx);
    }

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        ElementWise.Unary(default(TanhOperator), x, y);
    }

    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Validate.SameLength(y.Length, dy.Length, nameof(y), nameof(dy));
        Validate.SameLength(y.Length, dx.Length, nameof(y), nameof(dx));
        ElementWise.Binary(default(TanhGradient), y, dy, dx);
    }

    /// <summary>Parametric ReLU with a single slope <c>alpha[0]</c>. Not in place: backward needs x.</summary>
    public static void PRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> y)
    {
        Validate.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        Validate.Length(alpha.Length, 1, nameof(alpha));
        ElementWise.Unary(new PReluForward(alpha[0]), x, y);
    }

    /// <summary>dx = dy·(x &gt; 0 ? 1 : a); dAlpha[0] = Σ dy·x over x ≤ 0 (overwritten).</summary>
    public static void PReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dAlpha)
    {
        Validate.SameLength(x.Length, dy.Length, nameof(x), nameof(dy));
        Validate.SameLength(x.Length, dx.Length, nameof(x), nameof(dx));
        Validate.Length(alpha.Length, 1, nameof(alpha));
        Validate.Length(dAlpha.Length, 1, nameof(dAlpha));

        // One fused pass: dx may alias dy, so the slope gradient must read dy before dx overwrites it.
        float a = alpha[0];
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rdx = ref MemoryMarshal.GetReference(dx);
        nuint n = (nuint)x.Length;
        nuint i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            Vector512<float> va = Vector512.Create(a);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Vector512<float> vx = Vector512.LoadUnsafe(ref rx, i);
                Vector512<float> vdy = Vector512.LoadUnsafe(ref rdy, i);
                Vector512<float> positive = Vector512.GreaterThan(vx, Vector512<float>.Zero);
                acc += Vector512.Min(vx, Vector512<float>.Zero) * vdy;
                Vector512.ConditionalSelect(positive, vdy, vdy * va).StoreUnsafe(ref rdx, i);
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            Vector256<float> va = Vector256.Create(a);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> vx = Vector256.LoadUnsafe(ref rx, i);
                Vector256<float> vdy = Vector256.LoadUnsafe(ref rdy, i);
                Vector256<float> positive = Vector256.GreaterThan(vx, Vector256<float>.Zero);
                acc += Vector256.Min(vx, Vector256<float>.Zero) * vdy;
                Vector256.ConditionalSelect(positive, vdy, vdy * va).StoreUnsafe(ref rdx, i);
            }
            sum = Vector256.Sum(acc);
        }

        // A scalar tail, not an overlapping vector: the overlap would count part of the slope gradient twice.
        for (; i < n; i++)
        {
            float xi = Unsafe.Add(ref rx, i);
            float g = Unsafe.Add(ref rdy, i);
            if (xi > 0)
            {
                Unsafe.Add(ref rdx, i) = g;
            }
            else
            {
                sum += xi * g;
                Unsafe.Add(ref rdx, i) = g * a;
            }
        }
        dAlpha[0] = sum;
    }

    /// <summary>The native max instruction: TensorPrimitives.Max also orders −0 below +0 and propagates NaN, at a
    /// few extra instructions per vector. A NaN input gives 0 here.</summary>
    private readonly struct ReluForward : IUnaryOperator
    {
        public float Invoke(float x) => x > 0 ? x : 0f;
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.MaxNative(x, Vector256<float>.Zero);
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.MaxNative(x, Vector512<float>.Zero);
    }

    private readonly struct ReluGradient : IBinaryOperator
    {
        public float Invoke(float y, float dy) => y > 0 ? dy : 0f;
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => Vector256.GreaterThan(y, Vector256<float>.Zero) & dy;
        public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => Vector512.GreaterThan(y, Vector512<float>.Zero) & dy;
    }

    private readonly struct SigmoidGradient : IBinaryOperator
    {
        public float Invoke(float y, float dy) => dy * y * (1f - y);
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * y * (Vector256<float>.One - y);
        public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * y * (Vector512<float>.One - y);
    }

    private readonly struct TanhGradient : IBinaryOperator
    {
        public float Invoke(float y, float dy) => dy * (1f - y * y);
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
        public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * (Vector512<float>.One - y * y);
    }

    private readonly struct PReluForward(float alpha) : IUnaryOperator
    {
        public float Invoke(float x) => x > 0 ? x : x * alpha;
        public Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * Vector256.Create(alpha));
        public Vector512<float> Invoke(Vector512<float> x) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * Vector512.Create(alpha));
    }
}
