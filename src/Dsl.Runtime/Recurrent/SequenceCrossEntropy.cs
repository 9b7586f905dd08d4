using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// Softmax cross-entropy over the positions of a batch of sequences, averaged over the positions that count
/// (D2L's <c>MaskedSoftmaxCELoss</c>, normalised per token as its perplexity is). Logits are <c>[positions, vocab]</c>;
/// for a time-major recurrent layer position <c>t·batch + b</c> is step t of sequence b.
/// Masked-out positions contribute nothing to the loss and get a zero gradient; their targets are not read,
/// so padding may carry any value.
/// </summary>
public static class SequenceCrossEntropy
{
    /// <summary>
    /// Mean loss over the positions where <paramref name="mask"/> is true (all of them when it is empty), and
    /// <c>dLogits = mask · (softmax − onehot) / count</c> unless <paramref name="dLogits"/> is empty (loss only).
    /// Returns 0 with a zero gradient when no position counts. Throws when a counted target is outside <c>[0, vocab)</c>.
    /// </summary>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<bool> mask,
        Span<float> dLogits, int positions, int vocab)
    {
        CheckShapes(logits.Length, targets.Length, dLogits.Length, positions, vocab);
        if (!mask.IsEmpty && mask.Length != positions)
            throw new ArgumentException($"mask must be empty or have {positions} elements but has {mask.Length}.", nameof(mask));
        int count = 0;
        for (int p = 0; p < positions; p++)
            if (mask.IsEmpty || mask[p]) count++;
        return Run(logits, targets, mask, default, 0, dLogits, positions, vocab, count);
    }

    /// <summary>
    /// Mean loss over time-major positions <c>t·batch + b</c> with <c>t &lt; validLengths[b]</c>, and the gradient as the masked
    /// overload (skipped when <paramref name="dLogits"/> is empty). Each length must be in <c>[0, steps]</c>.
    /// </summary>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<int> validLengths,
        Span<float> dLogits, int steps, int batch, int vocab)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be positive.");
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive.");
        if (validLengths.Length != batch)
            throw new ArgumentException($"validLengths must have one entry per sequence ({batch}) but has {validLengths.Length}.", nameof(validLengths));
        int count = 0;
        for (int b = 0; b < batch; b++)
        {
            if ((uint)validLengths[b] > (uint)steps)
                throw new ArgumentOutOfRangeException(nameof(validLengths), validLengths[b], $"Valid length of sequence {b} must be in [0, {steps}].");
            count += validLengths[b];
        }
        CheckShapes(logits.Length, targets.Length, dLogits.Length, steps * batch, vocab);
        return Run(logits, targets, default, validLengths, batch, dLogits, steps * batch, vocab, count);
    }

    /// <summary>The number of positions that count for the given valid lengths (the token count a perplexity averages over).</summary>
    public static int CountValid(ReadOnlySpan<int> validLengths)
    {
        int count = 0;
        foreach (int length in validLengths) count += length;
        return count;
    }

    private static float Run(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<bool> mask,
        ReadOnlySpan<int> validLengths, int batch, Span<float> dLogits, int positions, int vocab, int count)
    {
        bool gradient = !dLogits.IsEmpty;
        if (count == 0)
        {
            dLogits.Clear();
            return 0f;
        }
        float scale = 1f / count;
        double total = 0;
        for (int p = 0; p < positions; p++)
        {
            bool counts = validLengths.IsEmpty
                ? mask.IsEmpty || mask[p]
                : p / batch < validLengths[p % batch];
            if (!counts)
            {
                if (gradient) dLogits.Slice(p * vocab, vocab).Clear();
                continue;
            }
            int target = targets[p];
            if ((uint)target >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(targets), target, $"Target {target} at position {p} is outside [0, {vocab}).");
            ReadOnlySpan<float> row = logits.Slice(p * vocab, vocab);
            float max = TensorPrimitives.Max(row);
            // Shifting by the row maximum keeps exp from overflowing; the loss is log Σ exp(z − max) + max − z_target.
            double sum;
            if (gradient)
            {
                Span<float> dRow = dLogits.Slice(p * vocab, vocab);
                TensorPrimitives.Subtract(row, max, dRow);
                TensorPrimitives.Exp(dRow, dRow);
                sum = TensorPrimitives.Sum(dRow);
                TensorPrimitives.Multiply(dRow, (float)(scale / sum), dRow);
                dRow[target] -= scale;
            }
            else
            {
                sum = 0;
                for (int v = 0; v < vocab; v++) sum += Math.Exp(row[v] - max);
            }
            total += Math.Log(sum) + max - row[target];
        }
        return (float)(total / count);
    }

    private static void CheckShapes(int logits, int targets, int dLogits, int positions, int vocab)
    {
        if (positions <= 0) throw new ArgumentOutOfRangeException(nameof(positions), positions, "positions must be positive.");
        if (vocab <= 0) throw new ArgumentOutOfRangeException(nameof(vocab), vocab, "vocab must be positive.");
        if (logits != positions * vocab)
            throw new ArgumentException($"logits must have {positions * vocab} elements [{positions}, {vocab}] but has {logits}.", nameof(logits));
        if (targets != positions)
            throw new ArgumentException($"targets must have {positions} elements but has {targets}.", nameof(targets));
        if (dLogits != 0 && dLogits != positions * vocab)
            throw new ArgumentException($"dLogits must be empty or have {positions * vocab} elements [{positions}, {vocab}] but has {dLogits}.", nameof(dLogits));
    }
}
