using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>Which recurrent layer a <see cref="RecurrentClassifier"/> runs.</summary>
public enum RecurrentCell
{
    /// <summary><see cref="LstmLayer"/> (4 gates).</summary>
    Lstm,
    /// <summary><see cref="GruLayer"/> (3 gates).</summary>
    Gru,
}

/// <summary>
/// The <c>lstm</c> and <c>gru</c> workloads of ../shared/peers/torchsharp, composed by hand from the runtime's kernels
/// because the DSL has no recurrent layers yet: one layer (input 28, hidden 128) over a batch-first 64×28×28 input
/// (sequence 28) from a zero state, <c>Linear(128 → 10)</c> on the last hidden state, softmax cross-entropy.
/// Every buffer is allocated here, so a step allocates nothing.
/// </summary>
internal sealed class RecurrentClassifier
{
    /// <summary>Examples per step.</summary>
    public const int Batch = 64;
    /// <summary>Sequence length.</summary>
    public const int Steps = 28;
    /// <summary>Features per step.</summary>
    public const int InputSize = 28;
    /// <summary>Hidden units.</summary>
    public const int Hidden = 128;
    /// <summary>Output classes.</summary>
    public const int Classes = 10;

    // Parameter order as PyTorch's named_parameters: rnn.weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, head.weight, head.bias.
    private const int WeightIh = 0, WeightHh = 1, BiasIh = 2, BiasHh = 3, HeadWeight = 4, HeadBias = 5;

    private readonly RecurrentCell _cell;
    private readonly RecurrentGeometry _geometry = new(InputSize, Hidden, Steps);
    private readonly ParameterStore _parameters;
    private readonly float[] _x = new float[Steps * Batch * InputSize];
    private readonly float[] _hAll = new float[Steps * Batch * Hidden];
    private readonly float[] _hT = new float[Batch * Hidden];
    private readonly float[] _dhT = new float[Batch * Hidden];
    private readonly float[] _logits = new float[Batch * Classes];
    private readonly float[] _dLogits = new float[Batch * Classes];
    private readonly float[] _workspace;

    /// <summary>Creates the network with PyTorch's default initialisation from <paramref name="seed"/>.</summary>
    public RecurrentClassifier(RecurrentCell cell, ulong seed)
    {
        _cell = cell;
        int gates = cell == RecurrentCell.Lstm ? LstmLayer.Gates : GruLayer.Gates;
        float rnnBound = 1f / MathF.Sqrt(Hidden);
        _parameters = new ParameterStore(
            [gates * Hidden * InputSize, gates * Hidden * Hidden, gates * Hidden, gates * Hidden, Classes * Hidden, Classes],
            [rnnBound, rnnBound, rnnBound, rnnBound, rnnBound, rnnBound], // Linear(128 → 10) also has bound 1/√128
            seed);
        _workspace = new float[cell == RecurrentCell.Lstm
            ? LstmLayer.WorkspaceLength(_geometry, Batch)
            : GruLayer.WorkspaceLength(_geometry, Batch)];
    }

    /// <summary>Parameters and gradients, for <see cref="GradientCheck"/>.</summary>
    public ParameterStore Parameters => _parameters;

    /// <summary>Logits <c>[64, 10]</c> for a batch-first input <c>[64, 28, 28]</c> (inference: nothing kept for backward is used).</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input)
    {
        RunForward(input, inference: true);
        return _logits;
    }

    /// <summary>Forward, loss and backward: fills the gradients and returns the mean loss (the peer's <c>fwd_bwd</c>).</summary>
    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels)
    {
        RunForward(input, inference: false);
        float[] p = _parameters.Values, d = _parameters.Gradients;
        float loss = SoftmaxCrossEntropy.ForwardBackward(_logits, labels, _dLogits, Batch, Classes);
        Dense.Backward(_hT, _parameters[HeadWeight].In(p), _dLogits, _dhT,
            _parameters[HeadWeight].In(d), _parameters[HeadBias].In(d), Batch, Hidden, Classes);
        // Only the final state feeds the head, so dhAll is empty (zero); the data needs no gradient, so dx is empty too.
        if (_cell == RecurrentCell.Lstm)
            LstmLayer.Backward(_geometry, Batch, _x, default, default,
                _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _hAll,
                default, _dhT, default, default, default, default,
                _parameters[WeightIh].In(d), _parameters[WeightHh].In(d), _parameters[BiasIh].In(d), _parameters[BiasHh].In(d),
                _workspace);
        else
            GruLayer.Backward(_geometry, Batch, _x, default,
                _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _hAll,
                default, _dhT, default, default,
                _parameters[WeightIh].In(d), _parameters[WeightHh].In(d), _parameters[BiasIh].In(d), _parameters[BiasHh].In(d),
                _workspace);
        return loss;
    }

    /// <summary><see cref="ForwardBackward"/> then the optimiser's update of every parameter (the peer's <c>train_step</c>).</summary>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, Optimizer optimizer)
    {
        float loss = ForwardBackward(input, labels);
        optimizer.Step(_parameters.Values, _parameters.Gradients);
        return loss;
    }

    private void RunForward(ReadOnlySpan<float> input, bool inference)
    {
        float[] p = _parameters.Values;
        // The peer's input is batch-first and the kernels are time-major; libtorch transposes inside nn.LSTM, so we do it inside the step too.
        TimeMajor.FromBatchMajor(input, _x, Batch, Steps, InputSize);
        if (_cell == RecurrentCell.Lstm && inference)
            LstmLayer.Infer(_geometry, Batch, _x, default, default,
                _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _parameters[BiasIh].In(p), _parameters[BiasHh].In(p),
                _hAll, _hT, default, _workspace);
        else if (_cell == RecurrentCell.Lstm)
            LstmLayer.Forward(_geometry, Batch, _x, default, default,
                _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _parameters[BiasIh].In(p), _parameters[BiasHh].In(p),
                _hAll, _hT, default, _workspace);
        else
            GruLayer.Forward(_geometry, Batch, _x, default,
                _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _parameters[BiasIh].In(p), _parameters[BiasHh].In(p),
                _hAll, _hT, _workspace);
        Dense.Forward(_hT, _parameters[HeadWeight].In(p), _parameters[HeadBias].In(p), _logits, Batch, Hidden, Classes);
    }
}
