namespace Dsl.Runtime;

/// <summary>
/// Perplexity, the exponential of the mean per-token cross-entropy (in nats): 1 for a perfect model,
/// the vocabulary size for a uniform guess. D2L reports it per epoch as <c>exp(Σ loss / Σ tokens)</c>.
/// </summary>
public static class Perplexity
{
    /// <summary><c>exp(meanCrossEntropy)</c>.</summary>
    public static double FromMeanCrossEntropy(double meanCrossEntropy) => Math.Exp(meanCrossEntropy);

    /// <summary><c>exp(totalCrossEntropy / tokens)</c>: the perplexity over several minibatches, weighting each by its tokens.</summary>
    public static double FromTotal(double totalCrossEntropy, long tokens)
    {
        if (tokens <= 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be positive.");
        return Math.Exp(totalCrossEntropy / tokens);
    }
}

/// <summary>Accumulates per-minibatch mean losses weighted by their token counts, for an epoch's perplexity.</summary>
public sealed class PerplexityMeter
{
    private double _total;

    /// <summary>Tokens seen since the last <see cref="Reset"/>.</summary>
    public long Tokens { get; private set; }

    /// <summary>Adds a minibatch whose mean cross-entropy over <paramref name="tokens"/> tokens is <paramref name="meanCrossEntropy"/>.</summary>
    public void Add(double meanCrossEntropy, long tokens)
    {
        if (tokens < 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be non-negative.");
        _total += meanCrossEntropy * tokens;
        Tokens += tokens;
    }

    /// <summary>Mean cross-entropy per token so far (0 before any token).</summary>
    public double MeanCrossEntropy => Tokens == 0 ? 0 : _total / Tokens;

    /// <summary>Perplexity so far (1 before any token).</summary>
    public double Value => Math.Exp(MeanCrossEntropy);

    /// <summary>Starts a new epoch.</summary>
    public void Reset()
    {
        _total = 0;
        Tokens = 0;
    }
}
