using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

public class GradientClippingTests
{
    [Fact]
    public void Gradients_above_the_threshold_are_scaled_to_the_threshold()
    {
        float[] g = [3f, 4f, 0f, -12f]; // norm 13
        float norm = GradientClipping.ClipByGlobalNorm(g, 6.5f);
        Assert.Equal(13f, norm, 1e-5f);
        Assert.Equal([1.5f, 2f, 0f, -6f], g);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void Clipped_norm_equals_max_norm_and_direction_is_kept(int length)
    {
        var random = new Random(length);
        float[] g = RecurrentCase.Uniform(random, length, 10.0);
        float[] original = (float[])g.Clone();
        double expectedNorm = Math.Sqrt(original.Sum(v => (double)v * v));
        float maxNorm = (float)(expectedNorm / 3);
        float norm = GradientClipping.ClipByGlobalNorm(g, maxNorm);
        Assert.Equal(expectedNorm, norm, expectedNorm * 1e-5);
        Assert.Equal(maxNorm, Math.Sqrt(g.Sum(v => (double)v * v)), maxNorm * 1e-5);
        for (int i = 0; i < length; i++) Assert.Equal(original[i] / 3, g[i], Math.Abs(original[i]) * 1e-5 + 1e-7);
    }

    [Fact]
    public void Gradients_at_or_below_the_threshold_are_untouched()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 5f));
        Assert.Equal([3f, 4f], g);
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 100f));
        Assert.Equal([3f, 4f], g);
        Assert.Equal(0f, GradientClipping.ClipByGlobalNorm([], 1f));
    }

    [Fact]
    public void Non_finite_norm_is_returned_and_gradients_left_alone()
    {
        float[] g = [1f, float.PositiveInfinity];
        Assert.True(float.IsInfinity(GradientClipping.ClipByGlobalNorm(g, 1f)));
        Assert.Equal(1f, g[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(g, 0f));
    }
}
