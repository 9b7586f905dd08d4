using Xunit;

namespace Dsl.Runtime.Tests;

// Parallelism.MaxDegree and Gemv.ForcePortable are process-wide, so these tests must not run alongside others that change them.
[Collection(nameof(ParallelismCollection))]
public class GemvTests
{
    private static float[] Reference(float[] x, float[] w, float[] b, int rows, int inF, int outF)
    {
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = b.Length == 0 ? 0 : b[o];
                for (int i = 0; i < inF; i++) s += (double)x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = (float)s;
            }
        return y;
    }

    // Input widths straddle the 16-float chunk; output counts straddle the 8- and 4-output groups and the 16-output split unit.
    public static TheoryData<int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (bool portable in new[] { false, true })
            foreach (int rows in new[] { 1, 2, 3, 4 })
                foreach ((int inF, int outF) in new[] { (1, 1), (15, 7), (16, 8), (17, 9), (33, 31), (784, 256), (250, 130), (1000, 97) })
                    data.Add(rows, inF, outF, portable);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReference_AndTwoThreadsGiveTheBitsOfOne(int rows, int inF, int outF, bool portable)
    {
        float[] x = FiniteDifference.Random(rows * inF, 1), w = FiniteDifference.Random(outF * inF, 2), b = FiniteDifference.Random(outF, 3);
        bool saved = Gemv.ForcePortable;
        Gemv.ForcePortable = portable;
        try
        {
            foreach (float[] bias in new[] { b, [] })
            {
                var one = new float[rows * outF];
                var two = Enumerable.Repeat(float.NaN, rows * outF).ToArray();
                GemmTests.WithDegree(1, () => Gemv.MultiplyTransposed(x, w, bias, one, rows, inF, outF));
                GemmTests.WithDegree(2, () => Gemv.MultiplyTransposed(x, w, bias, two, rows, inF, outF));
                FiniteDifference.AssertNear(Reference(x, w, bias, rows, inF, outF), one, $"y (bias: {bias.Length > 0})", 1e-4f * MathF.Sqrt(inF));
                Assert.Equal(one, two);
            }
        }
        finally
        {
            Gemv.ForcePortable = saved;
        }
    }

    [Fact]
    public void OneRowGivesTheBitsOfTheSameRowInABatch()
    {
        // The one-row kernel groups eight outputs and the multi-row kernel four; each output's arithmetic is the same.
        const int InF = 100, OutF = 37;
        float[] x = FiniteDifference.Random(3 * InF, 4), w = FiniteDifference.Random(OutF * InF, 5), b = FiniteDifference.Random(OutF, 6);
        var batch = new float[3 * OutF];
        Gemv.MultiplyTransposed(x, w, b, batch, 3, InF, OutF);
        for (int r = 0; r < 3; r++)
        {
            var single = new float[OutF];
            Gemv.MultiplyTransposed(x.AsSpan(r * InF, InF), w, b, single, 1, InF, OutF);
            Assert.Equal(batch.AsSpan(r * OutF, OutF).ToArray(), single);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void RowsOutsideOneToFourThrow(int rows)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemv.MultiplyTransposed(new float[20], new float[20], [], new float[20], rows, 4, 4));
        Assert.Equal("rows", error.ParamName);
    }

    [Fact]
    public void ShortWeightNamesExpectedAndActual()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemv.MultiplyTransposed(new float[8], new float[11], [], new float[6], 2, 4, 3));
        Assert.Contains("11", error.Message);
        Assert.Contains("12", error.Message);
        Assert.Equal("weight", error.ParamName);
    }
}
