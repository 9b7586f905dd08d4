using Dsl.Runtime;
using Xunit;

namespace Dsl.Runtime.Tests;

// Parallelism.MaxDegree is process-wide, so tests that change it must not run alongside each other.
[Collection(nameof(ParallelismCollection))]
public class GemmTests
{
    // Sizes straddle the micro-tile (12×32 with AVX-512, 6×16 otherwise), half-tile and block (KC = 256) edges.
    private static readonly int[] Ms = [1, 5, 6, 7, 11, 12, 13, 25, 37];
    private static readonly int[] Ns = [1, 15, 16, 17, 31, 32, 33, 65];
    private static readonly int[] Ks = [1, 2, 7, 255, 256, 257, 300];

    public static TheoryData<bool, bool, bool, int> Combinations()
    {
        var data = new TheoryData<bool, bool, bool, int>();
        foreach (int degree in new[] { 1, 2 })
            foreach (bool transposeA in new[] { false, true })
                foreach (bool transposeB in new[] { false, true })
                    foreach (bool accumulate in new[] { false, true })
                        data.Add(transposeA, transposeB, accumulate, degree);
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void SmallShapes_MatchReference(bool transposeA, bool transposeB, bool accumulate, int degree)
    {
        WithDegree(degree, () =>
        {
            foreach (int m in Ms)
                foreach (int n in Ns)
                    foreach (int k in Ks)
                        CheckAgainstReference(m, n, k, transposeA, transposeB, accumulate);
        });
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void LargeShapes_MatchReference(bool transposeA, bool transposeB, bool accumulate, int degree)
    {
        // Past the NC/MC blocks, above the parallel threshold, and the skinny shapes of LeNet's layers.
        WithDegree(degree, () =>
        {
            CheckAgainstReference(257, 513, 129, transposeA, transposeB, accumulate);
            CheckAgainstReference(130, 1100, 70, transposeA, transposeB, accumulate);
            CheckAgainstReference(6, 5000, 25, transposeA, transposeB, accumulate);
            CheckAgainstReference(256, 120, 400, transposeA, transposeB, accumulate);
            CheckAgainstReference(120, 400, 256, transposeA, transposeB, accumulate);
            CheckAgainstReference(500, 40, 300, transposeA, transposeB, accumulate);
            // Past the MC = 2016 row block: B is packed again for the second block of rows.
            CheckAgainstReference(2030, 45, 270, transposeA, transposeB, accumulate);
        });
    }

    [Fact]
    public void SingleThreaded_IsBitwiseDeterministic()
    {
        WithDegree(1, () =>
        {
            const int m = 200, n = 300, k = 517;
            var random = new Random(7);
            float[] a = RandomMatrix(random, m * k), b = RandomMatrix(random, k * n);
            float[] first = new float[m * n], second = new float[m * n];
            Gemm.Multiply(a, false, b, false, first, m, n, k);
            Gemm.Multiply(a, false, b, false, second, m, n, k);
            Assert.Equal(first, second);
        });
    }

    [Fact]
    public void TwoThreads_GiveTheSameBitsAsOne()
    {
        // Parts split C along tile boundaries and every element keeps the same depth blocking, so the order of the
        // additions, and hence every bit, does not depend on the thread count.
        foreach ((int m, int n, int k) in new[] { (200, 300, 517), (700, 90, 300), (6, 5000, 25), (2030, 45, 270), (300, 300, 300) })
        {
            var random = new Random(m);
            float[] a = RandomMatrix(random, m * k), b = RandomMatrix(random, k * n);
            float[] one = new float[m * n], two = new float[m * n];
            WithDegree(1, () => Gemm.Multiply(a, true, b, false, one, m, n, k));
            WithDegree(2, () => Gemm.Multiply(a, true, b, false, two, m, n, k));
            Assert.Equal(one, two);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void PrePackedB_GivesTheBitsOfThePlainMultiply(bool transposeA, bool transposeB)
    {
        // Shapes straddle the micro-panel (NR), depth-block (KC = 256) and column-block (NC = 512) edges; the larger ones
        // go parallel, where a pre-packed B makes the row split free.
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (13, 33, 7), (37, 65, 300), (200, 530, 517), (700, 90, 300), (4, 1000, 64) })
        {
            var random = new Random(m + n + k);
            float[] a = RandomMatrix(random, m * k), b = RandomMatrix(random, k * n), c0 = RandomMatrix(random, m * n);
            var packed = new GemmPackedB(b, transposeB, k, n);
            Assert.Equal((k, n), (packed.K, packed.N));
            foreach (int degree in new[] { 1, 2 })
                foreach (bool accumulate in new[] { false, true })
                {
                    float[] plain = (float[])c0.Clone(), fromPacked = (float[])c0.Clone();
                    WithDegree(degree, () =>
                    {
                        Gemm.Multiply(a, transposeA, b, transposeB, plain, m, n, k, accumulate);
                        Gemm.Multiply(a, transposeA, packed, fromPacked, m, accumulate);
                    });
                    Assert.Equal(plain, fromPacked);
                }

            // Repacking new values of the same shape reuses the storage.
            float[] b2 = RandomMatrix(random, k * n), plain2 = new float[m * n], packed2 = new float[m * n];
            packed.Pack(b2, transposeB);
            Gemm.Multiply(a, transposeA, b2, transposeB, plain2, m, n, k);
            Gemm.Multiply(a, transposeA, packed, packed2, m);
            Assert.Equal(plain2, packed2);
        }
    }

    [Fact]
    public void PrePackedB_ChecksLengths()
    {
        var packed = new GemmPackedB(new float[12], false, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], false, packed, new float[8], 2));
        Assert.Equal("a", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], false, packed, new float[7], 2));
        Assert.Equal("c", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => packed.Pack(new float[11], false));
        Assert.Equal("b", ex.ParamName);
    }

    [Fact]
    public void ZeroDepth_ClearsOrKeepsC()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply([], false, [], false, c, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.Multiply([], false, [], false, c, 2, 2, 0);
        Assert.Equal([0f, 0, 0, 0], c);
    }

    [Fact]
    public void ShortSpans_ThrowNamingExpectedAndActual()
    {
        float[] a = new float[6], b = new float[12], c = new float[8];
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(a.AsSpan(0, 5), false, b, false, c, 2, 4, 3));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("expected at least 6", ex.Message);
        Assert.Contains("got 5", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, false, b.AsSpan(0, 11), true, c, 2, 4, 3));
        Assert.Equal("b", ex.ParamName);
        Assert.Contains("4×3 (transposed)", ex.Message);
        Assert.Contains("got 11", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, false, b, false, c.AsSpan(0, 7), 2, 4, 3));
        Assert.Equal("c", ex.ParamName);
        Assert.Contains("expected at least 8", ex.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(a, false, b, false, c, -1, 4, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SteadyState_AllocatesNothing(int degree)
    {
        // Packing buffers are per thread and allocated once; Parallelism's own test covers the worker side.
        WithDegree(degree, () =>
        {
            const int m = 300, n = 400, k = 200;
            var random = new Random(3);
            float[] a = RandomMatrix(random, m * k), b = RandomMatrix(random, k * n), c = new float[m * n];
            var packed = new GemmPackedB(b, false, k, n);
            ParallelismTests.AssertNoAllocationOnThread(() =>
            {
                Gemm.Multiply(a, true, b, true, c, m, n, k);
                Gemm.Multiply(a, false, b, false, c, 10, n, k, accumulate: true);
                Gemm.Multiply(a, false, packed, c, m);
            });
        });
    }

    private static void CheckAgainstReference(int m, int n, int k, bool transposeA, bool transposeB, bool accumulate)
    {
        var random = new Random(HashCode.Combine(m, n, k, transposeA, transposeB, accumulate));
        float[] a = RandomMatrix(random, m * k), b = RandomMatrix(random, k * n), c = RandomMatrix(random, m * n);
        double[] expected = Reference(a, transposeA, b, transposeB, c, m, n, k, accumulate);
        Gemm.Multiply(a, transposeA, b, transposeB, c, m, n, k, accumulate);
        for (int i = 0; i < m * n; i++)
        {
            // Entries are sums of k products of values in [-1, 1): rounding error grows with k and with the magnitudes.
            double tolerance = 1e-5 * (k + 2) * (1 + Math.Abs(expected[i]));
            if (Math.Abs(c[i] - expected[i]) > tolerance)
                Assert.Fail($"m={m} n={n} k={k} tA={transposeA} tB={transposeB} acc={accumulate} degree={Parallelism.MaxDegree}: " +
                    $"C[{i / n},{i % n}] = {c[i]}, expected {expected[i]}");
        }
    }

    private static double[] Reference(float[] a, bool transposeA, float[] b, bool transposeB, float[] c, int m, int n, int k, bool accumulate)
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0;
                for (int p = 0; p < k; p++)
                    sum += (double)(transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
                result[i * n + j] = sum;
            }
        return result;
    }

    private static float[] RandomMatrix(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    internal static void WithDegree(int degree, Action action)
    {
        int saved = Parallelism.MaxDegree;
        Parallelism.MaxDegree = degree;
        try
        {
            action();
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }
}
