using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Contiguous-row reductions and affine maps shared by the normalisation and pooling kernels. Vector256 rather than
/// Vector512: the Cascade Lake host reports 512-bit vectors as unaccelerated, and these loops are memory bound anyway.
/// Every map reads element i before writing it, so destination may alias a source.
/// </summary>
internal static unsafe class NormRows
{
    /// <summary>Σ p[i], in float lanes (rows are at most a feature map; callers sum rows in double).</summary>
    public static float Sum(float* p, int length)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= 16)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; i <= length - 16; i += 16)
            {
                a0 += Vector256.Load(p + i);
                a1 += Vector256.Load(p + i + 8);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < length; i++) sum += p[i];
        return sum;
    }

    /// <summary>Σ (p[i] − mean)²: the two-pass form, which keeps precision where E[x²] − mean² would cancel.</summary>
    public static float SumSquaredDeviation(float* p, int length, float mean)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            Vector256<float> m = Vector256.Create(mean), acc = Vector256<float>.Zero;
            for (; i <= length - 8; i += 8)
            {
                Vector256<float> d = Vector256.Load(p + i) - m;
                acc += d * d;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < length; i++)
        {
            float d = p[i] - mean;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Σ a[i]·(b[i] − mean).</summary>
    public static float SumProductDeviation(float* a, float* b, int length, float mean)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            Vector256<float> m = Vector256.Create(mean), acc = Vector256<float>.Zero;
            for (; i <= length - 8; i += 8)
                acc += Vector256.Load(a + i) * (Vector256.Load(b + i) - m);
            sum = Vector256.Sum(acc);
        }
        for (; i < length; i++) sum += a[i] * (b[i] - mean);
        return sum;
    }

    /// <summary>y[i] = (x[i] − centre)·scale + shift.</summary>
    public static void Affine(float* x, float* y, int length, float centre, float scale, float shift)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            Vector256<float> m = Vector256.Create(centre), s = Vector256.Create(scale), t = Vector256.Create(shift);
            for (; i <= length - 8; i += 8) ((Vector256.Load(x + i) - m) * s + t).Store(y + i);
        }
        for (; i < length; i++) y[i] = (x[i] - centre) * scale + shift;
    }

    /// <summary>d[i] = a·u[i] + b·(v[i] − centre) + c; centring first avoids cancellation when |centre| ≫ spread.</summary>
    public static void Combine(float* u, float* v, float* d, int length, float a, float b, float centre, float c)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            Vector256<float> va = Vector256.Create(a), vb = Vector256.Create(b), vm = Vector256.Create(centre), vc = Vector256.Create(c);
            for (; i <= length - 8; i += 8)
                (va * Vector256.Load(u + i) + vb * (Vector256.Load(v + i) - vm) + vc).Store(d + i);
        }
        for (; i < length; i++) d[i] = a * u[i] + b * (v[i] - centre) + c;
    }

    /// <summary>p[i] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(float* p, int length, float value) => new Span<float>(p, length).Fill(value);
}
