using Xunit;

namespace Dsl.Runtime.Tests;

public class DropoutTests
{
    [Theory]
    [InlineData(0, 0.5f)]
    [InlineData(1, 0.5f)]
    [InlineData(17, 0.3f)]
    [InlineData(1000, 0.1f)]
    public void MaskHoldsZeroOrInverseKeepAndScalesTheInput(int length, float p)
    {
        float[] x = FiniteDifference.Random(length, 1);
        var y = new float[length];
        var mask = new float[length];
        var rng = new Rng(42);
        Dropout.Forward(x, y, mask, p, ref rng);
        float keep = 1f / (1f - p);
        for (int i = 0; i < length; i++)
        {
            Assert.True(mask[i] == 0f || mask[i] == keep, $"mask[{i}] = {mask[i]}");
            Assert.Equal(x[i] * mask[i], y[i]);
        }
    }

    [Fact]
    public void DropRateMatchesProbability()
    {
        const int Length = 100_000;
        var mask = new float[Length];
        var rng = new Rng(7);
        Dropout.Forward(new float[Length], new float[Length], mask, 0.3f, ref rng);
        double dropped = mask.Count(m => m == 0f) / (double)Length;
        // Binomial standard deviation is about 0.0015; five of them.
        Assert.InRange(dropped, 0.3 - 0.0075, 0.3 + 0.0075);
    }

    [Fact]
    public void ZeroProbabilityKeepsEverything()
    {
        float[] x = FiniteDifference.Random(33, 2);
        var y = new float[33];
        var mask = new float[33];
        var rng = new Rng(1);
        Dropout.Forward(x, y, mask, 0f, ref rng);
        Assert.All(mask, m => Assert.Equal(1f, m));
        Assert.Equal(x, y);
    }

    [Fact]
    public void WorksInPlace()
    {
        float[] x = FiniteDifference.Random(50, 3);
        float[] copy = (float[])x.Clone();
        var mask = new float[50];
        var rng = new Rng(5);
        Dropout.Forward(x, x, mask, 0.5f, ref rng);
        for (int i = 0; i < 50; i++) Assert.Equal(copy[i] * mask[i], x[i]);
    }

    [Fact]
    public void GradientWithFixedMaskMatchesFiniteDifferences()
    {
        const int Length = 37;
        var mask = new float[Length];
        var rng = new Rng(9);
        Dropout.Forward(new float[Length], new float[Length], mask, 0.4f, ref rng);
        float[] x = FiniteDifference.Random(Length, 10), r = FiniteDifference.Random(Length, 11);
        // With the mask fixed, dropout is y = x·mask, a function of x alone.
        float[] Run()
        {
            var y = new float[Length];
            for (int i = 0; i < Length; i++) y[i] = x[i] * mask[i];
            return y;
        }

        var dx = new float[Length];
        Dropout.Backward(r, mask, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
    }

    [Fact]
    public void ProbabilityOutsideRangeIsRejected()
    {
        var rng = new Rng(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(new float[2], new float[2], new float[2], 1f, ref rng));
    }
}
