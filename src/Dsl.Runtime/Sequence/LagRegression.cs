using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// D2L 9.1's autoregressive model of the noisy sine wave: an MLP <c>Dense(tau → hidden) → ReLU → Dense(hidden → 1)</c> on
/// windows of the previous <c>tau</c> values, trained with squared error. Parameters are named <c>net.0.weight</c>,
/// <c>net.0.bias</c>, <c>net.2.weight</c>, <c>net.2.bias</c> as in a PyTorch <c>nn.Sequential</c>.
/// </summary>
public sealed class LagRegression
{
    private readonly ParameterLayout _layout = new();
    private readonly int _w1, _b1, _w2, _b2;
    private readonly float[] _parameters, _gradients;
    private float[] _hidden = [], _output = [], _dOutput = [], _dHidden = [];

    /// <summary>Creates the MLP with PyTorch's default <c>nn.Linear</c> initialisation from <paramref name="seed"/>.</summary>
    public LagRegression(int tau = SineSeries.DefaultTau, int hidden = 10, ulong seed = 0)
    {
        Validate.Positive(tau, nameof(tau));
        Validate.Positive(hidden, nameof(hidden));
        Tau = tau;
        Hidden = hidden;
        _w1 = _layout.Add("net.0.weight", hidden, tau);
        _b1 = _layout.Add("net.0.bias", hidden);
        _w2 = _layout.Add("net.2.weight", 1, hidden);
        _b2 = _layout.Add("net.2.bias", 1);
        _parameters = new float[_layout.Length];
        _gradients = new float[_layout.Length];
        var rng = new Rng(seed);
        RecurrentStackLayout.Uniform(_parameters.AsSpan(_w1, hidden * tau + hidden), 1f / MathF.Sqrt(tau), ref rng);
        RecurrentStackLayout.Uniform(_parameters.AsSpan(_w2, hidden + 1), 1f / MathF.Sqrt(hidden), ref rng);
    }

    /// <summary>Window length.</summary>
    public int Tau { get; }
    /// <summary>Hidden units.</summary>
    public int Hidden { get; }
    /// <summary>All parameters, contiguous.</summary>
    public Span<float> Parameters => _parameters;
    /// <summary>Gradients of the last <see cref="TrainStep"/>.</summary>
    public Span<float> Gradients => _gradients;
    /// <summary>Name, offset and shape of each parameter tensor.</summary>
    public IReadOnlyList<ParameterInfo> ParameterInfos => _layout.Infos;

    /// <summary>One prediction per window of <see cref="Tau"/> values; usable as a <see cref="OneStepPredictor"/>.</summary>
    public void Predict(ReadOnlySpan<float> windows, int count, Span<float> predictions)
    {
        Validate.Length(windows.Length, (long)count * Tau, nameof(windows));
        Validate.Length(predictions.Length, count, nameof(predictions));
        Run(windows, count);
        _output.AsSpan(0, count).CopyTo(predictions);
    }

    /// <summary>Mean squared error <c>Σ (ŷ − y)² / n</c> of a minibatch, its gradient, and the optimiser's update; returns the loss.</summary>
    public float TrainStep(ReadOnlySpan<float> windows, ReadOnlySpan<float> labels, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        int count = labels.Length;
        Validate.Positive(count, nameof(labels));
        Validate.Length(windows.Length, (long)count * Tau, nameof(windows));
        Run(windows, count);
        Span<float> dOutput = _dOutput.AsSpan(0, count);
        TensorPrimitives.Subtract(_output.AsSpan(0, count), labels, dOutput);
        float loss = TensorPrimitives.Dot(dOutput, dOutput) / count;
        TensorPrimitives.Multiply(dOutput, 2f / count, dOutput);
        Span<float> hidden = _hidden.AsSpan(0, count * Hidden), dHidden = _dHidden.AsSpan(0, count * Hidden);
        Span<float> g = _gradients;
        Dense.Backward(hidden, _parameters.AsSpan(_w2, Hidden), dOutput, dHidden, g.Slice(_w2, Hidden), g.Slice(_b2, 1), count, Hidden, 1);
        Activations.ReluBackward(hidden, dHidden, dHidden);
        Dense.Backward(windows, _parameters.AsSpan(_w1, Hidden * Tau), dHidden, default, g.Slice(_w1, Hidden * Tau), g.Slice(_b1, Hidden), count, Tau, Hidden);
        optimizer.Step(_parameters, _gradients);
        return loss;
    }

    private void Run(ReadOnlySpan<float> windows, int count)
    {
        if (_output.Length < count)
        {
            _hidden = new float[count * Hidden];
            _dHidden = new float[count * Hidden];
            _output = new float[count];
            _dOutput = new float[count];
        }
        Span<float> hidden = _hidden.AsSpan(0, count * Hidden);
        Dense.Forward(windows, _parameters.AsSpan(_w1, Hidden * Tau), _parameters.AsSpan(_b1, Hidden), hidden, count, Tau, Hidden);
        Activations.Relu(hidden, hidden);
        Dense.Forward(hidden, _parameters.AsSpan(_w2, Hidden), _parameters.AsSpan(_b2, 1), _output.AsSpan(0, count), count, Hidden, 1);
    }
}
