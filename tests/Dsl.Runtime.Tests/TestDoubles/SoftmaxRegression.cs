using Dsl.Runtime;

namespace Dsl.Runtime.Tests.TestDoubles;

/// <summary>
/// A hand-written linear classifier (logits = x·Wᵀ + b) with softmax cross-entropy, standing in for a generated network
/// so that the training loop can be tested without the generator, the kernels or the real optimiser.
/// Parameters: weight [classes, inputs] then bias [classes], like a PyTorch <c>nn.Linear</c>.
/// </summary>
internal sealed class SoftmaxRegression : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private float[] _logits = [];
    private float[] _probabilities = [];

    public SoftmaxRegression(int inputs, int classes, int seed = 0)
    {
        InputSize = inputs;
        OutputSize = classes;
        _parameters = new float[classes * inputs + classes];
        _gradients = new float[_parameters.Length];
        var rng = new Rng((ulong)seed);
        float scale = 0.01f;
        for (int i = 0; i < classes * inputs; i++) _parameters[i] = scale * rng.NextGaussian();
        ParameterInfos =
        [
            new ParameterInfo("fc1.weight", 0, classes * inputs, [classes, inputs]),
            new ParameterInfo("fc1.bias", classes * inputs, classes, [classes]),
        ];
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;
    public IReadOnlyList<ParameterInfo> ParameterInfos { get; }

    /// <summary>Number of <see cref="TrainStep"/> calls, to check the loop's step count.</summary>
    public int Steps { get; private set; }

    /// <summary>Batch sizes seen by <see cref="TrainStep"/>.</summary>
    public List<int> BatchSizes { get; } = [];

    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input)
    {
        int batch = BatchOf(input);
        if (_logits.Length < batch * OutputSize) _logits = new float[batch * OutputSize];
        int wLen = OutputSize * InputSize;
        for (int n = 0; n < batch; n++)
        {
            var x = input.Slice(n * InputSize, InputSize);
            for (int c = 0; c < OutputSize; c++)
            {
                float sum = _parameters[wLen + c];
                var w = _parameters.AsSpan(c * InputSize, InputSize);
                for (int i = 0; i < InputSize; i++) sum += w[i] * x[i];
                _logits[n * OutputSize + c] = sum;
            }
        }
        return _logits.AsSpan(0, batch * OutputSize);
    }

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels)
    {
        int batch = labels.Length;
        if (input.Length != batch * InputSize)
            throw new ArgumentException($"Expected {batch}×{InputSize} inputs but got {input.Length}.");
        var logits = Forward(input);
        if (_probabilities.Length < logits.Length) _probabilities = new float[logits.Length];
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            var row = logits.Slice(n * OutputSize, OutputSize);
            var p = _probabilities.AsSpan(n * OutputSize, OutputSize);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float sum = 0;
            for (int c = 0; c < OutputSize; c++) { p[c] = MathF.Exp(row[c] - max); sum += p[c]; }
            for (int c = 0; c < OutputSize; c++) p[c] /= sum;
            loss -= Math.Log(Math.Max(p[labels[n]], 1e-30f));
            // dLoss/dLogits of the mean loss.
            p[labels[n]] -= 1f;
            for (int c = 0; c < OutputSize; c++) p[c] /= batch;
        }

        Array.Clear(_gradients);
        int wLen = OutputSize * InputSize;
        for (int n = 0; n < batch; n++)
        {
            var x = input.Slice(n * InputSize, InputSize);
            for (int c = 0; c < OutputSize; c++)
            {
                float d = _probabilities[n * OutputSize + c];
                var g = _gradients.AsSpan(c * InputSize, InputSize);
                for (int i = 0; i < InputSize; i++) g[i] += d * x[i];
                _gradients[wLen + c] += d;
            }
        }
        return (float)(loss / batch);
    }

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, Optimizer optimizer)
    {
        float loss = ComputeGradients(input, labels);
        optimizer.Step(_parameters, _gradients);
        Steps++;
        BatchSizes.Add(labels.Length);
        return loss;
    }

    private int BatchOf(ReadOnlySpan<float> input)
    {
        if (input.Length == 0 || input.Length % InputSize != 0)
            throw new ArgumentException($"Expected a positive multiple of {InputSize} floats but got {input.Length}.");
        return input.Length / InputSize;
    }
}

/// <summary>Plain gradient descent, <c>p -= lr·g</c>, so the tests do not depend on the real optimiser.</summary>
internal sealed class PlainSgd(float learningRate) : Optimizer(learningRate)
{
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * gradients[i];
    }
}
