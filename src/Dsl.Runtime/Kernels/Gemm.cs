namespace Dsl.Runtime;

/// <summary>Single-precision matrix multiplication on row-major matrices.</summary>
public static class Gemm
{
    /// <summary>
    /// <c>C = op(A) · op(B)</c>, or <c>C += op(A) · op(B)</c> when <paramref name="accumulate"/> is set.
    /// All matrices are row-major and dense. <c>op(A)</c> is <c>m×k</c>: A is stored <c>m×k</c>, or <c>k×m</c>
    /// when <paramref name="transposeA"/>. <c>op(B)</c> is <c>k×n</c>: B is stored <c>k×n</c>, or <c>n×k</c> when
    /// <paramref name="transposeB"/>. C is <c>m×n</c>.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        // Placeholder reference implementation; the optimised kernel replaces it.
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                    s += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = accumulate ? c[i * n + j] + s : s;
            }
    }
}
