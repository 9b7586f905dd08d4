namespace Dsl.Runtime;

/// <summary>A parameter tensor inside a network's contiguous parameter array, named as PyTorch would (<c>conv1.weight</c>).</summary>
public sealed record ParameterInfo(string Name, int Offset, int Length, int[] Shape);

/// <summary>What every generated network offers, so that training loops and tests can be written once.</summary>
public interface INetwork
{
    /// <summary>Floats in one input example (product of the input shape).</summary>
    int InputSize { get; }
    /// <summary>Floats in one output example (number of classes for a classifier).</summary>
    int OutputSize { get; }
    /// <summary>Inference-mode forward pass (dropout off). The batch is <c>input.Length / InputSize</c>.
    /// The result is valid until the next call on this network.</summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<float> input);
    /// <summary>Training-mode forward, softmax cross-entropy, backward and the optimiser's update; returns the mean loss.</summary>
    float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, Optimizer optimizer);
    /// <summary>Training-mode forward and backward without an update; fills <see cref="Gradients"/> and returns the mean loss.</summary>
    float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels);
    /// <summary>All parameters, contiguous, in declaration order.</summary>
    Span<float> Parameters { get; }
    /// <summary>Gradients of the last <see cref="TrainStep"/> or <see cref="ComputeGradients"/>, laid out like <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }
    /// <summary>Name, offset and shape of each parameter tensor.</summary>
    IReadOnlyList<ParameterInfo> ParameterInfos { get; }
}
