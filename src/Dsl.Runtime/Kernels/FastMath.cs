using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Single-precision exponential on vectors, accurate to a couple of ulp: Cody–Waite range reduction to
/// |r| ≤ ln2/2 and a degree-6 polynomial. The library exponential computes in double for its last bit of accuracy,
/// which made sigmoid and tanh several times slower than a pass over memory; training does not need that bit.
/// Inputs are clamped to ±87, so results stay finite and normal.
/// </summary>
internal static class FastMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float Limit = 87f;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer in the float unit itself.
    private const float RoundingShift = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-Limit)), Vector512.Create(Limit));
        Vector512<float> n = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingShift)) - Vector512.Create(RoundingShift);
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.Create(1f / 720);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        Vector512<int> scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-Limit)), Vector256.Create(Limit));
        Vector256<float> n = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundingShift)) - Vector256.Create(RoundingShift);
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> p = Vector256.Create(1f / 720);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 120));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        Vector256<int> scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(Math.Clamp(x, -Limit, Limit));
}

/// <summary>σ(x) = 1 / (1 + e^−x).</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public float Invoke(float x) => 1f / (1f + FastMath.Exp(-x));
    public Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + FastMath.Exp(-x));
    public Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + FastMath.Exp(-x));
}

/// <summary>tanh(x) = sign(x)·(1 − e^−2|x|) / (1 + e^−2|x|), which never overflows.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Tanh(x);

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> sign = x & Vector256.Create(-0f);
        Vector256<float> t = FastMath.Exp(Vector256.Create(-2f) * (x ^ sign));
        return ((Vector256<float>.One - t) / (Vector256<float>.One + t)) | sign;
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> sign = x & Vector512.Create(-0f);
        Vector512<float> t = FastMath.Exp(Vector512.Create(-2f) * (x ^ sign));
        return ((Vector512<float>.One - t) / (Vector512<float>.One + t)) | sign;
    }
}
