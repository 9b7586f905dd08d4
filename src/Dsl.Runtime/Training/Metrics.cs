namespace Dsl.Runtime;

/// <summary>Classification metrics over row-major logits <c>[batch, classes]</c>.</summary>
public static class Metrics
{
    /// <summary>Number of rows whose arg-max equals the label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes) => throw new NotImplementedException();
    /// <summary>Index of the largest element (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values) => throw new NotImplementedException();
}
