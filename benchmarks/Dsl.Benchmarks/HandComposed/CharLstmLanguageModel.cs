using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// The <c>lstm-lm</c> workload of ../shared/peers/torchsharp (a character language model), composed by hand from the
/// runtime's kernels because the DSL has no recurrent layers yet: tokens 35×32 (sequence-first), vocabulary 28,
/// one-hot input (the peer one-hot encodes inside its timed step; here the token ids go to the LSTM, whose input
/// projection of a one-hot row is a gathered column of <c>W_ih</c>: the same floats without the encoding or the GEMM),
/// one LSTM layer (hidden 256) from a zero state, <c>Linear(256 → 28)</c> on every position, cross-entropy averaged
/// over all 35·32 positions. Every buffer is allocated here, so a step allocates nothing.
/// </summary>
internal sealed class CharLstmLanguageModel
{
    /// <summary>Sequence length.</summary>
    public const int Steps = 35;
    /// <summary>Sequences per step.</summary>
    public const int Batch = 32;
    /// <summary>Distinct tokens (and one-hot width).</summary>
    public const int Vocab = 28;
    /// <summary>Hidden units.</summary>
    public const int Hidden = 256;
    /// <summary>Positions the loss averages over.</summary>
    public const int Positions = Steps * Batch;

    // Parameter order as PyTorch's named_parameters: lstm.weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, head.weight, head.bias.
    private const int WeightIh = 0, WeightHh = 1, BiasIh = 2, BiasHh = 3, HeadWeight = 4, HeadBias = 5;

    private readonly RecurrentGeometry _geometry = new(Vocab, Hidden, Steps);
    private readonly ParameterStore _parameters;
    private readonly float[] _hAll = new float[Positions * Hidden];
    private readonly float[] _dhAll = new float[Positions * Hidden];
    private readonly float[] _logits = new float[Positions * Vocab];
    private readonly float[] _dLogits = new float[Positions * Vocab];
    private readonly float[] _workspace = new float[LstmLayer.WorkspaceLength(new RecurrentGeometry(Vocab, Hidden, Steps), Batch)
        + LstmLayer.TokenTableLength(new RecurrentGeometry(Vocab, Hidden, Steps))];

    /// <summary>Creates the network with PyTorch's default initialisation from <paramref name="seed"/>.</summary>
    public CharLstmLanguageModel(ulong seed)
    {
        const int gates = LstmLayer.Gates;
        float bound = 1f / MathF.Sqrt(Hidden); // nn.LSTM: 1/√hidden; Linear(256 → 28): 1/√in, the same number
        _parameters = new ParameterStore(
            [gates * Hidden * Vocab, gates * Hidden * Hidden, gates * Hidden, gates * Hidden, Vocab * Hidden, Vocab],
            [bound, bound, bound, bound, bound, bound],
            seed);
    }

    /// <summary>Parameters and gradients, for <see cref="GradientCheck"/>.</summary>
    public ParameterStore Parameters => _parameters;

    /// <summary>Logits <c>[35·32, 28]</c> (time-major positions) for time-major tokens <c>[35, 32]</c>.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens)
    {
        float[] p = _parameters.Values;
        // Inference: nothing is kept for backward.
        LstmLayer.Infer(_geometry, Batch, tokens, default, default,
            _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _parameters[BiasIh].In(p), _parameters[BiasHh].In(p),
            _hAll, default, default, _workspace);
        Dense.Forward(_hAll, _parameters[HeadWeight].In(p), _parameters[HeadBias].In(p), _logits, Positions, Hidden, Vocab);
        return _logits;
    }

    /// <summary>Forward, loss, backward and the optimiser's update; returns the mean loss (the peer's <c>train_step</c>).</summary>
    public float TrainStep(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, Optimizer optimizer)
    {
        RunForward(tokens);
        float[] p = _parameters.Values, d = _parameters.Gradients;
        float loss = SequenceCrossEntropy.ForwardBackward(_logits, targets, ReadOnlySpan<bool>.Empty, _dLogits, Positions, Vocab);
        Dense.Backward(_hAll, _parameters[HeadWeight].In(p), _dLogits, _dhAll,
            _parameters[HeadWeight].In(d), _parameters[HeadBias].In(d), Positions, Hidden, Vocab);
        // Every step's output feeds the head (dhAll); the final state does not (dhT, dcT empty); tokens have no gradient.
        LstmLayer.Backward(_geometry, Batch, tokens, default, default,
            _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _hAll,
            _dhAll, default, default, default, default,
            _parameters[WeightIh].In(d), _parameters[WeightHh].In(d), _parameters[BiasIh].In(d), _parameters[BiasHh].In(d),
            _workspace);
        optimizer.Step(_parameters.Values, _parameters.Gradients);
        return loss;
    }

    private void RunForward(ReadOnlySpan<int> tokens)
    {
        float[] p = _parameters.Values;
        LstmLayer.Forward(_geometry, Batch, tokens, default, default,
            _parameters[WeightIh].In(p), _parameters[WeightHh].In(p), _parameters[BiasIh].In(p), _parameters[BiasHh].In(p),
            _hAll, default, default, _workspace);
        Dense.Forward(_hAll, _parameters[HeadWeight].In(p), _parameters[HeadBias].In(p), _logits, Positions, Hidden, Vocab);
    }
}
