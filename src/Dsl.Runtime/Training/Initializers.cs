namespace Dsl.Runtime;

/// <summary>Weight initialisation.</summary>
public static class Initializers
{
    /// <summary>Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut)).</summary>
    public static void Xavier(Span<float> weight, int fanIn, int fanOut, ref Rng rng)
    {
        Validate.Positive(fanIn, nameof(fanIn));
        Validate.Positive(fanOut, nameof(fanOut));
        float bound = MathF.Sqrt(6f / ((float)fanIn + fanOut));
        for (int i = 0; i < weight.Length; i++)
            weight[i] = (2f * rng.NextSingle() - 1f) * bound;
    }

    /// <summary>He/Kaiming normal: N(0, 2 / fanIn).</summary>
    public static void He(Span<float> weight, int fanIn, ref Rng rng)
    {
        Validate.Positive(fanIn, nameof(fanIn));
        float std = MathF.Sqrt(2f / fanIn);
        for (int i = 0; i < weight.Length; i++)
            weight[i] = rng.NextGaussian() * std;
    }

    /// <summary>U(−bound, bound), PyTorch's default for recurrent and linear layers with <c>bound = 1/√fan_in</c>.</summary>
    public static void Uniform(Span<float> values, float bound, ref Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (2f * rng.NextSingle() - 1f) * bound;
    }

    /// <summary>N(0, 1), PyTorch's default for <c>nn.Embedding</c>.</summary>
    public static void Gaussian(Span<float> values, ref Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = rng.NextGaussian();
    }
}
