namespace Dsl.Runtime;

/// <summary>Weight initialisation.</summary>
public static class Initializers
{
    /// <summary>Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut)).</summary>
    public static void Xavier(Span<float> weight, int fanIn, int fanOut, ref Rng rng) => throw new NotImplementedException();
    /// <summary>He/Kaiming normal: N(0, 2 / fanIn).</summary>
    public static void He(Span<float> weight, int fanIn, ref Rng rng) => throw new NotImplementedException();
}
