namespace Dsl.Runtime;

/// <summary>Softmax followed by cross-entropy against integer labels, averaged over the batch (PyTorch's <c>cross_entropy</c>).</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Mean loss; throws <see cref="ArgumentOutOfRangeException"/> naming the example when a label is outside [0, classes).</summary>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes) => throw new NotImplementedException();
    /// <summary>Mean loss, and <c>dLogits = (softmax − onehot) / batch</c>.</summary>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits, int batch, int classes) => throw new NotImplementedException();
}
