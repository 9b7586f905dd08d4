using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// σ and tanh on AVX-512 vectors for the fused recurrent kernels, accurate to about 1e-6 relative. The exponential is
/// <see cref="Exp"/>; the division is a 14-bit reciprocal estimate refined by one Newton step
/// (a full-width divide has a throughput of one per ten cycles here, and a gate tile needs five of them per row).
/// Callers check <see cref="Avx512F.IsSupported"/>.
/// </summary>
internal static class GateMath
{
    /// <summary>1/d to about 2^−28 relative: <c>r·(2 − d·r)</c> from the 2^−14 estimate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reciprocal(Vector512<float> d)
    {
        Vector512<float> r = Avx512F.Reciprocal14(d);
        return r * Vector512.FusedMultiplyAdd(-d, r, Vector512.Create(2f));
    }

    /// <summary>
    /// e^x for |x| ≤ 87 (clamped beyond), as <see cref="FastMath.Exp(Vector512{float})"/> but shorter: the polynomial in
    /// Estrin's scheme and the scaling by 2^n with <c>vscalefps</c>. The gate functions sit on the recurrence's critical
    /// path (σ, then the cell, then tanh of it), so latency matters as much as the operation count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Avx512F.Min(Avx512F.Max(x, Vector512.Create(-87f)), Vector512.Create(87f));
        Vector512<float> n = Avx512F.RoundScale(x * Vector512.Create(1.44269504088896341f), 0x08); // nearest, no exceptions
        Vector512<float> r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        Vector512<float> r2 = r * r;
        Vector512<float> r4 = r2 * r2;
        Vector512<float> low = Avx512F.FusedMultiplyAdd(r2, Avx512F.FusedMultiplyAdd(r, Vector512.Create(1f / 6), Vector512.Create(0.5f)),
            r + Vector512<float>.One);
        Vector512<float> high = Avx512F.FusedMultiplyAdd(r2, Vector512.Create(1f / 720), Avx512F.FusedMultiplyAdd(r, Vector512.Create(1f / 120), Vector512.Create(1f / 24)));
        return Avx512F.Scale(Avx512F.FusedMultiplyAdd(r4, high, low), n);
    }

    /// <summary>σ(x) = 1 / (1 + e^−x). Below x = −87 the result stays at e^−87 instead of going subnormal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Reciprocal(Vector512<float>.One + Exp(-x));

    /// <summary>
    /// tanh(x) as x·P(x²)/Q(x²) (Eigen's single-precision fit, degree 13 over 6) with x clamped to ±7.9, beyond which
    /// tanh rounds to ±1 within 1e-6: no exponential and no cancellation near 0, so fewer operations on the critical path
    /// than <c>(1 − e^−2|x|)/(1 + e^−2|x|)</c> with a separate series for small |x|.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        x = Avx512F.Min(Avx512F.Max(x, Vector512.Create(-7.90531110763549805f)), Vector512.Create(7.90531110763549805f));
        Vector512<float> x2 = x * x;
        Vector512<float> p = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(-2.76076847742355e-16f), Vector512.Create(2.00018790482477e-13f));
        p = Avx512F.FusedMultiplyAdd(p, x2, Vector512.Create(-8.60467152213735e-11f));
        p = Avx512F.FusedMultiplyAdd(p, x2, Vector512.Create(5.12229709037114e-08f));
        p = Avx512F.FusedMultiplyAdd(p, x2, Vector512.Create(1.48572235717979e-05f));
        p = Avx512F.FusedMultiplyAdd(p, x2, Vector512.Create(6.37261928875436e-04f));
        p = Avx512F.FusedMultiplyAdd(p, x2, Vector512.Create(4.89352455891786e-03f));
        Vector512<float> q = Avx512F.FusedMultiplyAdd(x2, Vector512.Create(1.19825839466702e-06f), Vector512.Create(1.18534705686654e-04f));
        q = Avx512F.FusedMultiplyAdd(q, x2, Vector512.Create(2.26843463243900e-03f));
        q = Avx512F.FusedMultiplyAdd(q, x2, Vector512.Create(4.89352518554385e-03f));
        return x * p * Reciprocal(q);
    }
}
