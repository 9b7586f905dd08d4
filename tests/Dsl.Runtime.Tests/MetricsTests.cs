using Xunit;

namespace Dsl.Runtime.Tests;

public class MetricsTests
{
    [Fact]
    public void ArgMaxReturnsTheFirstOnTies()
    {
        Assert.Equal(0, Metrics.ArgMax([1f]));
        Assert.Equal(2, Metrics.ArgMax([1f, 2f, 5f, 5f, -1f]));
        Assert.Equal(1, Metrics.ArgMax([-3f, -1f, -2f]));
        Assert.Throws<ArgumentException>(() => Metrics.ArgMax([]));
    }

    [Fact]
    public void CountCorrectComparesRowArgMaxWithLabels()
    {
        float[] logits = [0.1f, 0.9f, 0.0f, 2f, 1f, 0f, 0f, 0f, 3f];
        Assert.Equal(2, Metrics.CountCorrect(logits, [1, 1, 2], 3, 3));
        Assert.Equal(0, Metrics.CountCorrect([], [], 0, 3));
    }
}
