namespace Dsl.Runtime;

/// <summary>
/// Picks the next token from a row of logits when generating text: greedily (the argmax, D2L 9.5 and 10.7) or by
/// sampling from <c>softmax(logits / temperature)</c> with the project's <see cref="Rng"/>, so a seed fixes the text.
/// Nothing here allocates.
/// </summary>
public static class Sampling
{
    /// <summary>Index of the largest logit (the first one on a tie).</summary>
    public static int Greedy(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("Expected at least one logit but the span was empty.", nameof(logits));
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > max) { max = logits[i]; best = i; }
        return best;
    }

    /// <summary>
    /// Draws an index with probability <c>softmax(logits / temperature)</c>. A temperature below 1 sharpens the distribution,
    /// above 1 flattens it; zero (or less) means <see cref="Greedy"/>. Two passes over the logits, no scratch memory:
    /// the first finds the maximum and the normaliser, the second walks the cumulative mass up to a uniform draw.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, ref Rng rng)
    {
        if (logits.IsEmpty) throw new ArgumentException("Expected at least one logit but the span was empty.", nameof(logits));
        if (float.IsNaN(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a number.");
        if (temperature <= 0) return Greedy(logits);

        int argmax = Greedy(logits);
        float max = logits[argmax];
        float inverse = 1f / temperature;
        double total = 0;
        for (int i = 0; i < logits.Length; i++) total += Math.Exp((logits[i] - max) * (double)inverse);

        double threshold = rng.NextSingle() * total;
        double cumulative = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            cumulative += Math.Exp((logits[i] - max) * (double)inverse);
            if (threshold < cumulative) return i;
        }
        // Rounding can leave the threshold a hair above the final sum; the largest logit is the right answer then.
        return argmax;
    }

    /// <summary><see cref="Greedy"/> for each row of <paramref name="logits"/> (<c>[rows, vocab]</c>) into <paramref name="tokens"/>.</summary>
    public static void GreedyRows(ReadOnlySpan<float> logits, int vocab, Span<int> tokens)
    {
        Validate.Positive(vocab, nameof(vocab));
        Validate.Length(logits.Length, (long)tokens.Length * vocab, nameof(logits));
        for (int r = 0; r < tokens.Length; r++) tokens[r] = Greedy(logits.Slice(r * vocab, vocab));
    }

    /// <summary><see cref="Sample"/> for each row of <paramref name="logits"/> (<c>[rows, vocab]</c>) into <paramref name="tokens"/>, rows in order.</summary>
    public static void SampleRows(ReadOnlySpan<float> logits, int vocab, float temperature, ref Rng rng, Span<int> tokens)
    {
        Validate.Positive(vocab, nameof(vocab));
        Validate.Length(logits.Length, (long)tokens.Length * vocab, nameof(logits));
        for (int r = 0; r < tokens.Length; r++) tokens[r] = Sample(logits.Slice(r * vocab, vocab), temperature, ref rng);
    }
}
