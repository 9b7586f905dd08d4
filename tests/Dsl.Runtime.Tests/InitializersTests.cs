using Xunit;

namespace Dsl.Runtime.Tests;

public class InitializersTests
{
    [Fact]
    public void XavierStaysInBoundsWithUniformVariance()
    {
        const int FanIn = 150, FanOut = 120, Count = 200_000;
        var w = new float[Count];
        var rng = new Rng(3);
        Initializers.Xavier(w, FanIn, FanOut, ref rng);
        double bound = Math.Sqrt(6.0 / (FanIn + FanOut));
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        double mean = w.Average(v => (double)v);
        double variance = w.Average(v => (v - mean) * (v - mean));
        double expected = bound * bound / 3; // = 2 / (fanIn + fanOut)
        Assert.InRange(mean, -0.01 * bound, 0.01 * bound);
        Assert.InRange(variance, expected * 0.98, expected * 1.02);
    }

    [Fact]
    public void HeHasZeroMeanAndVarianceTwoOverFanIn()
    {
        const int FanIn = 400, Count = 200_000;
        var w = new float[Count];
        var rng = new Rng(4);
        Initializers.He(w, FanIn, ref rng);
        double mean = w.Average(v => (double)v);
        double variance = w.Average(v => (v - mean) * (v - mean));
        double expected = 2.0 / FanIn;
        Assert.InRange(mean, -0.01 * Math.Sqrt(expected), 0.01 * Math.Sqrt(expected));
        Assert.InRange(variance, expected * 0.98, expected * 1.02);
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        var a = new float[100];
        var b = new float[100];
        var r1 = new Rng(9);
        var r2 = new Rng(9);
        Initializers.Xavier(a, 10, 10, ref r1);
        Initializers.Xavier(b, 10, 10, ref r2);
        Assert.Equal(a, b);
    }
}
