using Xunit;
namespace Dsl.Runtime.Tests;

public class EarlyStoppingTests
{
    [Fact]
    public void StopsAfterPatienceEpochsWithoutImprovement()
    {
        var stopper = new EarlyStopping(patience: 2);

        Assert.False(stopper.ShouldStop(0.5f));
        Assert.True(stopper.Improved);
        Assert.False(stopper.ShouldStop(0.7f));
        Assert.False(stopper.ShouldStop(0.6f));
        Assert.False(stopper.Improved);
        Assert.Equal(1, stopper.EpochsWithoutImprovement);
        Assert.True(stopper.ShouldStop(0.7f)); // equal is not better

        Assert.Equal(0.7f, stopper.Best);
        Assert.Equal(2, stopper.BestEpoch);
        Assert.Equal(4, stopper.Epoch);
    }

    [Fact]
    public void ImprovementResetsTheCount()
    {
        var stopper = new EarlyStopping(patience: 2);
        float[] metrics = [0.5f, 0.4f, 0.6f, 0.5f, 0.55f];
        Assert.All(metrics[..^1], m => Assert.False(stopper.ShouldStop(m)));
        Assert.True(stopper.ShouldStop(metrics[^1]));
        Assert.Equal(3, stopper.BestEpoch);
    }

    [Fact]
    public void PatienceOneStopsAtTheFirstEpochWithoutImprovement()
    {
        var stopper = new EarlyStopping(patience: 1);
        Assert.False(stopper.ShouldStop(0.1f));
        Assert.False(stopper.ShouldStop(0.2f));
        Assert.True(stopper.ShouldStop(0.2f));
    }

    [Fact]
    public void LowerIsBetterForALoss()
    {
        var stopper = new EarlyStopping(patience: 1, higherIsBetter: false);
        Assert.False(stopper.ShouldStop(2.0f));
        Assert.False(stopper.ShouldStop(1.5f));
        Assert.True(stopper.ShouldStop(1.6f));
        Assert.Equal(1.5f, stopper.Best);
        Assert.Equal(2, stopper.BestEpoch);
    }

    [Fact]
    public void MinDeltaIgnoresTinyGains()
    {
        var stopper = new EarlyStopping(patience: 2, minDelta: 0.01f);
        Assert.False(stopper.ShouldStop(0.80f));
        Assert.False(stopper.ShouldStop(0.805f));
        Assert.True(stopper.ShouldStop(0.809f));
        Assert.Equal(0.80f, stopper.Best);
        Assert.Equal(1, stopper.BestEpoch);
    }

    [Fact]
    public void NaNNeverImproves()
    {
        var stopper = new EarlyStopping(patience: 1);
        Assert.True(stopper.ShouldStop(float.NaN));
        Assert.False(stopper.Improved);
        Assert.Equal(0, stopper.BestEpoch);
        Assert.True(float.IsNaN(stopper.Best));

        var later = new EarlyStopping(patience: 1);
        Assert.False(later.ShouldStop(0.3f));
        Assert.True(later.ShouldStop(float.NaN));
    }

    [Fact]
    public void RejectsMeaninglessSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(3, minDelta: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(3, minDelta: float.NaN));
    }
}
