using System.Buffers;

namespace Dsl.Runtime;

/// <summary>
/// BLEU exactly as D2L 10.7 defines it for one prediction and one label:
/// <c>exp(min(0, 1 − len_label / len_pred)) · Π_{n=1}^{min(k, len_pred)} p_n^{1/2^n}</c>, where <c>p_n</c> is the number of
/// the prediction's n-grams matched in the label (each label n-gram matched at most as often as it occurs) over the
/// prediction's n-gram count <c>len_pred − n + 1</c>.
/// </summary>
/// <remarks>
/// Unlike Papineni et al.'s corpus BLEU this weighs longer n-grams more (<c>1/2^n</c> rather than <c>1/k</c>) and has no
/// smoothing: a prediction sharing no n-gram of some order n ≤ k with the label scores 0. An empty prediction scores 0
/// (D2L would divide by zero).
/// </remarks>
public static class Bleu
{
    /// <summary>BLEU of <paramref name="prediction"/> against <paramref name="label"/> with n-grams up to <paramref name="k"/>.</summary>
    public static double Score<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> label, int k) where T : IEquatable<T>
    {
        Validate.Positive(k, nameof(k));
        int lenPred = prediction.Length, lenLabel = label.Length;
        if (lenPred == 0) return 0;
        double score = Math.Exp(Math.Min(0.0, 1.0 - (double)lenLabel / lenPred));

        // Which label n-grams are already used up: matching each prediction n-gram to the first unused equal label
        // n-gram gives the same count as D2L's decrementing counter, without a dictionary of joined strings.
        bool[]? rented = null;
        Span<bool> used = lenLabel <= 256 ? stackalloc bool[256] : (rented = ArrayPool<bool>.Shared.Rent(lenLabel));
        try
        {
            for (int n = 1; n <= Math.Min(k, lenPred); n++)
            {
                int labelGrams = Math.Max(0, lenLabel - n + 1);
                used[..labelGrams].Clear();
                int matches = 0;
                for (int i = 0; i + n <= lenPred; i++)
                {
                    ReadOnlySpan<T> gram = prediction.Slice(i, n);
                    for (int j = 0; j < labelGrams; j++)
                    {
                        if (!used[j] && label.Slice(j, n).SequenceEqual(gram))
                        {
                            used[j] = true;
                            matches++;
                            break;
                        }
                    }
                }
                score *= Math.Pow((double)matches / (lenPred - n + 1), Math.Pow(0.5, n));
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<bool>.Shared.Return(rented);
        }
        return score;
    }

    /// <summary>BLEU of two token arrays (words or indices).</summary>
    public static double Score<T>(T[] prediction, T[] label, int k) where T : IEquatable<T>
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        return Score<T>(prediction.AsSpan(), label.AsSpan(), k);
    }

    /// <summary>BLEU of two sentences split on single spaces, as D2L's <c>bleu(pred_seq, label_seq, k)</c> does.</summary>
    public static double Score(string prediction, string label, int k)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        return Score(prediction.Length == 0 ? [] : prediction.Split(' '), label.Split(' '), k);
    }

    /// <summary>The mean sentence BLEU over pairs of predictions and labels (D2L reports BLEU per sentence; this averages it).</summary>
    public static double Average<T>(IReadOnlyList<T[]> predictions, IReadOnlyList<T[]> labels, int k) where T : IEquatable<T>
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (predictions.Count != labels.Count)
            throw new ArgumentException($"{labels.Count} labels were given for {predictions.Count} predictions; they must pair up.", nameof(labels));
        if (predictions.Count == 0)
            throw new ArgumentException("Averaging BLEU needs at least one pair.", nameof(predictions));
        double sum = 0;
        for (int i = 0; i < predictions.Count; i++) sum += Score(predictions[i], labels[i], k);
        return sum / predictions.Count;
    }
}
