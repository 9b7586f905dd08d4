using Xunit;

namespace Dsl.Runtime.Tests;

public class OptimizerTests
{
    [Fact]
    public void SgdMatchesHandComputedStepsWithMomentumAndWeightDecay()
    {
        // lr 0.1, μ 0.9, wd 0.01.
        // Step 1: g' = 0.5 + 0.01·2 = 0.52; v = 0.52; p = 2 − 0.052 = 1.948.
        // Step 2: g' = −0.25 + 0.01·1.948 = −0.23052; v = 0.9·0.52 − 0.23052 = 0.23748; p = 1.948 − 0.023748 = 1.924252.
        var sgd = new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.01f);
        float[] p = [2f];
        sgd.Step(p, [0.5f]);
        Assert.Equal(1.948f, p[0], 1e-6f);
        sgd.Step(p, [-0.25f]);
        Assert.Equal(1.924252f, p[0], 1e-6f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1031)]
    public void SgdMatchesScalarReferenceAtEveryLength(int length)
    {
        float[] p = FiniteDifference.Random(length, 1), expected = (float[])p.Clone();
        var v = new double[length];
        var sgd = new Sgd(0.05f, 0.8f, 0.001f);
        for (int step = 0; step < 3; step++)
        {
            float[] g = FiniteDifference.Random(length, 10 + step);
            sgd.Step(p, g);
            for (int i = 0; i < length; i++)
            {
                double gi = g[i] + 0.001 * expected[i];
                v[i] = step == 0 ? gi : 0.8 * v[i] + gi;
                expected[i] = (float)(expected[i] - 0.05 * v[i]);
            }
            FiniteDifference.AssertNear(expected, p, $"step {step}", 1e-5f);
        }
    }

    [Fact]
    public void SgdWithoutMomentumIsPlainDescent()
    {
        var sgd = new Sgd(0.5f);
        float[] p = [1f, -1f];
        sgd.Step(p, [0.2f, 0.4f]);
        Assert.Equal(new[] { 0.9f, -1.2f }, p);
    }

    [Fact]
    public void SgdAllocatesNothingAfterTheFirstStep()
    {
        var sgd = new Sgd(0.01f, 0.9f, 1e-4f);
        var p = new float[10_000];
        var g = FiniteDifference.Random(10_000, 3);
        sgd.Step(p, g);
        sgd.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) sgd.Step(p, g);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void SgdRejectsADifferentLengthNamingBoth()
    {
        var sgd = new Sgd(0.1f, 0.9f);
        sgd.Step(new float[8], new float[8]);
        var error = Assert.Throws<InvalidOperationException>(() => sgd.Step(new float[9], new float[9]));
        Assert.Contains("8", error.Message);
        Assert.Contains("9", error.Message);
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[8], new float[7]));
    }
}
