using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>Softmax followed by cross-entropy against integer labels, averaged over the batch (PyTorch's <c>cross_entropy</c>).</summary>
public static class SoftmaxCrossEntropy
{
    private const float NegligibleFraction = 1f / (1L << 40) / (1L << 40);

    /// <summary>Mean loss; throws <see cref="ArgumentOutOfRangeException"/> naming the example when a label is outside [0, classes).</summary>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
    {
        ValidateArguments(logits, labels, batch, classes);
        if (batch == 0) return 0f;

        double total = 0;
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<float> z = logits.Slice(row * classes, classes);
            float max = TensorPrimitives.Max(z);
            double sum = 0;
            for (int c = 0; c < z.Length; c++) sum += MathF.Exp(z[c] - max);
            total += Math.Log(sum) - (z[labels[row]] - max);
        }
        return (float)(total / batch);
    }

    /// <summary>Mean loss, and <c>dLogits = (softmax − onehot) / batch</c>.</summary>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits, int batch, int classes)
    {
        ValidateArguments(logits, labels, batch, classes);
        Validate.Length(dLogits.Length, (long)batch * classes, nameof(dLogits));
        if (batch == 0) return 0f;

        double total = 0;
        float inverseBatch = 1f / batch;
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<float> z = logits.Slice(row * classes, classes);
            Span<float> d = dLogits.Slice(row * classes, classes);
            int label = labels[row];
            // Read before d is written: dLogits may alias logits.
            float max = TensorPrimitives.Max(z);
            float shiftedLabel = z[label] - max;
            TensorPrimitives.Subtract(z, max, d);
            TensorPrimitives.Exp(d, d);
            float sum = TensorPrimitives.Sum(d);
            total += Math.Log(sum) - shiftedLabel;
            TensorPrimitives.Multiply(d, inverseBatch / sum, d);
            d[label] -= inverseBatch;
            // Once a confident network's wrong-class probabilities underflow, these gradients and everything the
            // backward pass derives from them become subnormal, which x86 handles in microcode: a step measured 10×
            // slower. Terms below 2^-80 of an example's weight change nothing a float can hold downstream, so they go to zero.
            float negligible = inverseBatch * NegligibleFraction;
            for (int c = 0; c < d.Length; c++)
                if (MathF.Abs(d[c]) < negligible) d[c] = 0f;
        }
        return (float)(total / batch);
    }

    private static void ValidateArguments(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(classes, nameof(classes));
        Validate.Length(logits.Length, (long)batch * classes, nameof(logits));
        Validate.Length(labels.Length, batch, nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label,
                    $"Label {label} of example {i} is outside the valid range [0, {classes - 1}] for {classes} classes.");
        }
    }
}
