using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// σ and tanh on AVX-512 vectors for the fused recurrent kernels, accurate to about 1e-6 relative. The exponential is
/// <see cref="FastMath.Exp(Vector512{float})"/>; the division is a 14-bit reciprocal estimate refined by one Newton step
/// (a full-width divide has a throughput of one per ten cycles here, and a gate tile needs five of them per row).
/// tanh uses an odd polynomial below |x| = 0.25, where <c>1 − e^−2|x|</c> would cancel.
/// Callers check <see cref="Avx512F.IsSupported"/>.
/// </summary>
internal static class GateMath
{
    private const float SmallTanh = 0.25f;

    /// <summary>1/d to about 2^−28 relative: <c>r·(2 − d·r)</c> from the 2^−14 estimate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reciprocal(Vector512<float> d)
    {
        Vector512<float> r = Avx512F.Reciprocal14(d);
        return r * Vector512.FusedMultiplyAdd(-d, r, Vector512.Create(2f));
    }

    /// <summary>σ(x) = 1 / (1 + e^−x). Below x = −87 the result stays at e^−87 instead of going subnormal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Reciprocal(Vector512<float>.One + FastMath.Exp(-x));

    /// <summary>tanh(x) = sign(x)·(1 − e^−2|x|)/(1 + e^−2|x|), and its Taylor series to x⁹ for |x| &lt; 0.25.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> sign = x & Vector512.Create(-0f);
        Vector512<float> a = x ^ sign;
        Vector512<float> t = FastMath.Exp(Vector512.Create(-2f) * a);
        Vector512<float> large = (Vector512<float>.One - t) * Reciprocal(Vector512<float>.One + t);
        // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835: the next term is below 1e-8 relative at 0.25.
        Vector512<float> x2 = a * a;
        Vector512<float> p = Vector512.Create(62f / 2835);
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(-17f / 315));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(2f / 15));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(-1f / 3));
        Vector512<float> small = Vector512.FusedMultiplyAdd(p * x2, a, a);
        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SmallTanh)), small, large) | sign;
    }
}
