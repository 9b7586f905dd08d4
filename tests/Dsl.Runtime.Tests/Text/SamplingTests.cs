using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class SamplingTests
{
    [Fact]
    public void Greedy_takes_the_first_largest_logit()
    {
        Assert.Equal(2, Sampling.Greedy([0.1f, -3, 5, 5, 4.9f]));
        Assert.Equal(0, Sampling.Greedy([float.NegativeInfinity]));
        Assert.Throws<ArgumentException>(() => Sampling.Greedy([]));
    }

    [Fact]
    public void Temperature_towards_zero_equals_greedy()
    {
        var rng = new Rng(1);
        var random = new Random(2);
        for (int trial = 0; trial < 200; trial++)
        {
            float[] logits = Enumerable.Range(0, 10).Select(_ => (float)random.NextDouble() * 4).ToArray();
            int greedy = Sampling.Greedy(logits);
            Assert.Equal(greedy, Sampling.Sample(logits, 0f, ref rng));
            Assert.Equal(greedy, Sampling.Sample(logits, -1f, ref rng));
            Assert.Equal(greedy, Sampling.Sample(logits, 1e-5f, ref rng));
        }
    }

    [Theory]
    [InlineData(1.0f)]
    [InlineData(2.0f)]
    [InlineData(0.5f)]
    public void Empirical_frequencies_match_the_tempered_softmax(float temperature)
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        float[] logits = p.Select(v => (float)Math.Log(v) + 7).ToArray();   // a shift changes nothing
        // softmax(log p / T) ∝ p^(1/T).
        double[] tempered = p.Select(v => Math.Pow(v, 1 / temperature)).ToArray();
        double sum = tempered.Sum();
        var rng = new Rng(42);
        const int draws = 40_000;
        var counts = new int[4];
        for (int i = 0; i < draws; i++) counts[Sampling.Sample(logits, temperature, ref rng)]++;
        for (int i = 0; i < 4; i++)
        {
            double expected = tempered[i] / sum;
            double sigma = Math.Sqrt(expected * (1 - expected) / draws);
            Assert.InRange((double)counts[i] / draws, expected - 5 * sigma, expected + 5 * sigma);
        }
    }

    [Fact]
    public void Impossible_tokens_are_never_drawn_and_a_seed_fixes_the_draws()
    {
        float[] logits = [float.NegativeInfinity, 0, float.NegativeInfinity, 0];
        var a = new Rng(7);
        var b = new Rng(7);
        var c = new Rng(8);
        var fromA = new int[500];
        var fromB = new int[500];
        var fromC = new int[500];
        for (int i = 0; i < 500; i++)
        {
            fromA[i] = Sampling.Sample(logits, 1, ref a);
            fromB[i] = Sampling.Sample(logits, 1, ref b);
            fromC[i] = Sampling.Sample(logits, 1, ref c);
        }
        Assert.All(fromA, t => Assert.True(t is 1 or 3));
        Assert.Equal(fromA, fromB);
        Assert.NotEqual(fromA, fromC);
    }

    [Fact]
    public void Row_helpers_apply_per_row_and_allocate_nothing()
    {
        float[] logits = [0, 9, 1, /**/ 5, 0, 0, /**/ 0, 0, 3];
        var tokens = new int[3];
        Sampling.GreedyRows(logits, 3, tokens);
        Assert.Equal([1, 0, 2], tokens);
        var rng = new Rng(3);
        Sampling.SampleRows(logits, 3, 1e-6f, ref rng, tokens);
        Assert.Equal([1, 0, 2], tokens);
        Assert.Throws<ArgumentException>(() => Sampling.GreedyRows(logits, 4, tokens));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Sampling.SampleRows(logits, 3, 0.8f, ref rng, tokens);
            Sampling.GreedyRows(logits, 3, tokens);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
