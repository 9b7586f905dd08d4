using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

public class AdamTests
{
    [Fact]
    public void Two_steps_match_hand_computed_values()
    {
        // lr 0.1, β 0.9/0.999, ε 1e-8.
        // Step 1, g = (0.5, −1): m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², so p moves by lr·sign(g): (0.9, −1.9).
        // Step 2, g = (0.1, 0.3): m = (0.055, −0.06), v = (0.00025975, 0.001089),
        // m̂ = m / 0.19, v̂ = v / 0.001999, p −= 0.1·m̂ / (√v̂ + ε) = (0.0803043, −0.0427849).
        float[] p = [1f, -2f];
        var adam = new Adam(learningRate: 0.1f);
        adam.Step(p, [0.5f, -1f]);
        Assert.Equal(0.9f, p[0], 1e-6f);
        Assert.Equal(-1.9f, p[1], 1e-6f);
        adam.Step(p, [0.1f, 0.3f]);
        Assert.Equal(0.8196959f, p[0], 1e-6f);
        Assert.Equal(-1.8572151f, p[1], 1e-6f);
        Assert.Equal(2, adam.StepCount);
    }

    [Fact]
    public void Weight_decay_is_added_to_the_gradient()
    {
        // g + wd·p = (0.5 + 0.1, −1 − 0.2) = (0.6, −1.2); the first step is lr·sign of that.
        float[] p = [1f, -2f];
        new Adam(learningRate: 0.1f, weightDecay: 0.1f).Step(p, [0.5f, -1f]);
        Assert.Equal(0.9f, p[0], 1e-6f);
        Assert.Equal(-1.9f, p[1], 1e-6f);

        // Weight decay alone pulls towards zero.
        float[] q = [3f];
        new Adam(learningRate: 0.1f, weightDecay: 0.5f).Step(q, [0f]);
        Assert.Equal(2.9f, q[0], 1e-6f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(100)]
    public void Vectorised_update_matches_scalar_reference_for_every_tail(int length)
    {
        var random = new Random(length);
        float[] p = RecurrentCase.Uniform(random, length, 1.0);
        double[] reference = Array.ConvertAll(p, v => (double)v);
        double[] m = new double[length], v = new double[length];
        var adam = new Adam(learningRate: 0.01f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f, weightDecay: 0.01f);
        for (int t = 1; t <= 5; t++)
        {
            float[] g = RecurrentCase.Uniform(random, length, 2.0);
            adam.Step(p, g);
            for (int i = 0; i < length; i++)
            {
                double gi = g[i] + 0.01 * reference[i];
                m[i] = 0.8 * m[i] + 0.2 * gi;
                v[i] = 0.99 * v[i] + 0.01 * gi * gi;
                reference[i] -= 0.01 * (m[i] / (1 - Math.Pow(0.8, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.99, t))) + 1e-6);
            }
        }
        for (int i = 0; i < length; i++) Assert.Equal(reference[i], p[i], 1e-5);
    }

    [Fact]
    public void Allocates_only_on_the_first_step()
    {
        var p = new float[1000];
        var g = new float[1000];
        Array.Fill(g, 0.5f);
        var adam = new Adam();
        adam.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) adam.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Mismatched_lengths_throw()
    {
        var adam = new Adam();
        Assert.Throws<ArgumentException>(() => adam.Step(new float[3], new float[2]));
        adam.Step(new float[3], new float[3]);
        var ex = Assert.Throws<ArgumentException>(() => adam.Step(new float[4], new float[4]));
        Assert.Contains("3 parameters", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
    }
}
