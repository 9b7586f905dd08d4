using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// Appends a per-sequence context vector to every step of a time-major sequence, as D2L's seq2seq decoder feeds the
/// encoder's final hidden state alongside each target embedding: <c>output[t, b] = (sequence[t, b], context[b])</c>.
/// </summary>
public static class SequenceContext
{
    /// <summary>
    /// <paramref name="sequence"/> <c>[steps, batch, features]</c> and <paramref name="context"/> <c>[batch, contextSize]</c>
    /// into <paramref name="output"/> <c>[steps, batch, features + contextSize]</c>.
    /// </summary>
    public static void Concatenate(ReadOnlySpan<float> sequence, ReadOnlySpan<float> context, Span<float> output,
        int steps, int batch, int features, int contextSize)
    {
        Check(sequence.Length, context.Length, output.Length, steps, batch, features, contextSize, nameof(output));
        int width = features + contextSize;
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                Span<float> row = output.Slice((t * batch + b) * width, width);
                sequence.Slice((t * batch + b) * features, features).CopyTo(row);
                context.Slice(b * contextSize, contextSize).CopyTo(row.Slice(features));
            }
    }

    /// <summary>
    /// Gradient of <see cref="Concatenate"/>: the sequence part is copied into <paramref name="dSequence"/> (skipped when empty),
    /// and <paramref name="dContext"/> is overwritten with the context part summed over the steps, since every step used it.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dOutput, Span<float> dSequence, Span<float> dContext,
        int steps, int batch, int features, int contextSize)
    {
        Check(dSequence.IsEmpty ? steps * batch * features : dSequence.Length, dContext.Length, dOutput.Length,
            steps, batch, features, contextSize, nameof(dOutput));
        int width = features + contextSize;
        dContext.Clear();
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> row = dOutput.Slice((t * batch + b) * width, width);
                if (!dSequence.IsEmpty) row.Slice(0, features).CopyTo(dSequence.Slice((t * batch + b) * features, features));
                Span<float> dc = dContext.Slice(b * contextSize, contextSize);
                TensorPrimitives.Add(dc, row.Slice(features), dc);
            }
    }

    private static void Check(int sequence, int context, int joined, int steps, int batch, int features, int contextSize, string joinedName)
    {
        if (steps <= 0 || batch <= 0 || features <= 0 || contextSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(steps), $"steps ({steps}), batch ({batch}), features ({features}) and contextSize ({contextSize}) must be positive.");
        if (sequence != steps * batch * features)
            throw new ArgumentException($"The sequence must have {steps * batch * features} elements [{steps}, {batch}, {features}] but has {sequence}.");
        if (context != batch * contextSize)
            throw new ArgumentException($"The context must have {batch * contextSize} elements [{batch}, {contextSize}] but has {context}.");
        if (joined != steps * batch * (features + contextSize))
            throw new ArgumentException($"{joinedName} must have {steps * batch * (features + contextSize)} elements [{steps}, {batch}, {features + contextSize}] but has {joined}.", joinedName);
    }
}
