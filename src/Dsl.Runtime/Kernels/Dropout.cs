using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>Inverted dropout (training only; inference is the identity and calls nothing).</summary>
public static class Dropout
{
    /// <summary>mask[i] = 0 with probability p, else 1/(1-p); y = x·mask. x and y may alias.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float p, ref Rng rng)
    {
        Validate.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        Validate.SameLength(x.Length, mask.Length, nameof(x), nameof(mask));
        if (!(p >= 0f && p < 1f))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout probability must be in [0, 1).");

        if (p == 0f)
        {
            mask.Fill(1f);
            x.CopyTo(y);
            return;
        }

        // Compare raw 24-bit draws against an integer threshold: the same distribution as NextSingle() < p, without
        // the conversion per element.
        uint threshold = (uint)Math.Round(p * (1 << 24));
        float keep = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++)
            mask[i] = (rng.NextUInt32() >> 8) < threshold ? 0f : keep;
        TensorPrimitives.Multiply(x, mask, y);
    }

    /// <summary>dx = dy·mask. dx and dy may alias.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
    {
        Validate.SameLength(dy.Length, mask.Length, nameof(dy), nameof(mask));
        Validate.SameLength(dy.Length, dx.Length, nameof(dy), nameof(dx));
        TensorPrimitives.Multiply(dy, mask, dx);
    }
}
