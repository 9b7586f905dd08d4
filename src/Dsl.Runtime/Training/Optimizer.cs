namespace Dsl.Runtime;

/// <summary>
/// Updates all of a network's parameters at once: a generated network keeps its parameters in one contiguous
/// array and its gradients in another of the same length, so an optimiser is one vectorised pass.
/// An optimiser's state (momentum, moments) is sized on first use and belongs to one network.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; }

    /// <summary>Creates an optimiser with the given step size.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>Applies one update. Throws if the length differs from the first call's.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);
}

/// <summary>Stochastic gradient descent with momentum and L2 weight decay, as PyTorch's <c>torch.optim.SGD</c>:
/// <c>g += wd·p; v = μ·v + g; p -= lr·v</c> (weight decay applies to every parameter, biases included, as with PyTorch's single parameter group).</summary>
public sealed class Sgd : Optimizer
{
    public Sgd(float learningRate, float momentum = 0f, float weightDecay = 0f) : base(learningRate)
    {
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    public float Momentum { get; set; }
    public float WeightDecay { get; set; }

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => throw new NotImplementedException();
}
