namespace Dsl.Runtime;

/// <summary>Classification metrics over row-major logits <c>[batch, classes]</c>.</summary>
public static class Metrics
{
    /// <summary>Number of rows whose arg-max equals the label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(classes, nameof(classes));
        Validate.Length(logits.Length, (long)batch * classes, nameof(logits));
        Validate.Length(labels.Length, batch, nameof(labels));
        int correct = 0;
        for (int row = 0; row < batch; row++)
            if (ArgMax(logits.Slice(row * classes, classes)) == labels[row]) correct++;
        return correct;
    }

    /// <summary>Index of the largest element (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Cannot take the arg-max of an empty span.", nameof(values));
        int best = 0;
        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                max = values[i];
                best = i;
            }
        }
        return best;
    }
}
