namespace Dsl.Runtime;

/// <summary>
/// A stack of recurrent layers run over time-major sequences of a fixed length, with inverted dropout between layers
/// in training (PyTorch's <c>dropout</c> argument of <c>nn.LSTM</c>: on every layer's output except the last). It owns the
/// activations and workspaces for up to <see cref="MaxBatch"/> sequences and reads parameters from, and writes
/// gradients to, the model's arrays through a <see cref="RecurrentStackLayout"/>.
/// </summary>
/// <remarks>
/// States are <c>[layers, batch, H]</c> as PyTorch's <c>h_n</c>; an empty initial state means zeros, an empty final-state
/// destination means not wanted. For forward-only use (generation) the initial and final state may be the same buffer:
/// each layer reads its initial state before writing its final state. For training they must differ, since
/// <see cref="Backward"/> reads the initial state again. Nothing allocates after construction.
/// </remarks>
public sealed class RecurrentStack
{
    private readonly RecurrentStackLayout _layout;
    private readonly RecurrentGeometry[] _geometry;
    private readonly float[][] _hAll, _dropped, _mask, _dhAll, _workspace;
    private readonly float[] _dxScratch;
    private bool _droppedOut;

    /// <summary>Creates the buffers for sequences of <paramref name="steps"/> steps and up to <paramref name="maxBatch"/> rows.</summary>
    public RecurrentStack(RecurrentStackLayout layout, int steps, int maxBatch, float dropout = 0f)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Validate.Positive(steps, nameof(steps));
        Validate.Positive(maxBatch, nameof(maxBatch));
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout between layers must be in [0, 1).");
        _layout = layout;
        Steps = steps;
        MaxBatch = maxBatch;
        Dropout = dropout;
        int layers = layout.Layers, h = layout.HiddenSize, output = steps * maxBatch * h;
        _geometry = new RecurrentGeometry[layers];
        _hAll = new float[layers][];
        _dhAll = new float[layers][];
        _workspace = new float[layers][];
        _dropped = new float[layers][];
        _mask = new float[layers][];
        for (int k = 0; k < layers; k++)
        {
            _geometry[k] = new RecurrentGeometry(layout.LayerInputSize(k), h, steps);
            _hAll[k] = new float[output];
            _dhAll[k] = k < layers - 1 ? new float[output] : [];
            _workspace[k] = new float[RecurrentCellKernels.WorkspaceLength(layout.Cell, _geometry[k], maxBatch)];
            bool dropsOut = dropout > 0f && k < layers - 1;
            _dropped[k] = dropsOut ? new float[output] : [];
            _mask[k] = dropsOut ? new float[output] : [];
        }
        _dxScratch = layers > 1 && dropout > 0f ? new float[output] : [];
    }

    /// <summary>The parameter layout this stack runs.</summary>
    public RecurrentStackLayout Layout => _layout;
    /// <summary>Time steps per sequence.</summary>
    public int Steps { get; }
    /// <summary>Most sequences per call.</summary>
    public int MaxBatch { get; }
    /// <summary>Probability of zeroing a unit of a lower layer's output in training.</summary>
    public float Dropout { get; }

    /// <summary>Floats of a state <c>[layers, batch, H]</c>.</summary>
    public int StateLength(int batch) => _layout.Layers * batch * _layout.HiddenSize;

    /// <summary>The top layer's outputs of the last <see cref="Forward"/>, <c>[steps, batch, H]</c>.</summary>
    public ReadOnlySpan<float> Output(int batch) => _hAll[^1].AsSpan(0, Steps * batch * _layout.HiddenSize);

    /// <summary>
    /// Runs all layers over <paramref name="x"/> <c>[steps, batch, I]</c>. Dropout applies between layers only when
    /// <paramref name="training"/> is set, drawing from <paramref name="rng"/>.
    /// </summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int batch,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> hT, Span<float> cT, bool training, ref Rng rng)
    {
        CheckBatch(batch);
        CheckState(h0.Length, batch, nameof(h0));
        CheckState(c0.Length, batch, nameof(c0));
        CheckState(hT.Length, batch, nameof(hT));
        CheckState(cT.Length, batch, nameof(cT));
        ReadOnlySpan<float> p = parameters;
        int state = batch * _layout.HiddenSize, output = Steps * state;
        bool lstm = _layout.HasCellState;
        _droppedOut = training && Dropout > 0f;
        ReadOnlySpan<float> input = x;
        for (int k = 0; k < _layout.Layers; k++)
        {
            Span<float> hAll = _hAll[k].AsSpan(0, output);
            RecurrentCellKernels.Forward(_layout.Cell, _geometry[k], batch, input,
                StateSlice(h0, k, state), lstm ? StateSlice(c0, k, state) : default,
                _layout.WeightIh(p, k), _layout.WeightHh(p, k), _layout.BiasIh(p, k), _layout.BiasHh(p, k),
                hAll, StateSlice(hT, k, state), lstm ? StateSlice(cT, k, state) : default, _workspace[k]);
            if (k == _layout.Layers - 1) break;
            if (_droppedOut)
            {
                Span<float> dropped = _dropped[k].AsSpan(0, output);
                Runtime.Dropout.Forward(hAll, dropped, _mask[k].AsSpan(0, output), Dropout, ref rng);
                input = dropped;
            }
            else
            {
                input = hAll;
            }
        }
    }

    /// <summary>
    /// Backpropagation through all layers after <see cref="Forward"/> with the same parameters, input, batch and initial state.
    /// <paramref name="dOutput"/> is the gradient of the top layer's outputs (empty: zero); <paramref name="dhT"/>/<paramref name="dcT"/>
    /// of the final states <c>[layers, batch, H]</c> (empty: zero). Writes <paramref name="dx"/>, <paramref name="dh0"/>,
    /// <paramref name="dc0"/> when not empty and overwrites the stack's parameter gradients in <paramref name="gradients"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, int batch,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dx, Span<float> dh0, Span<float> dc0)
    {
        CheckBatch(batch);
        CheckState(dhT.Length, batch, nameof(dhT));
        CheckState(dcT.Length, batch, nameof(dcT));
        CheckState(dh0.Length, batch, nameof(dh0));
        CheckState(dc0.Length, batch, nameof(dc0));
        ReadOnlySpan<float> p = parameters;
        int state = batch * _layout.HiddenSize, output = Steps * state;
        bool lstm = _layout.HasCellState;
        for (int k = _layout.Layers - 1; k >= 0; k--)
        {
            ReadOnlySpan<float> input = k == 0 ? x : _droppedOut ? _dropped[k - 1].AsSpan(0, output) : _hAll[k - 1].AsSpan(0, output);
            ReadOnlySpan<float> dhAll = k == _layout.Layers - 1 ? dOutput : _dhAll[k].AsSpan(0, output);
            // Below the top, this layer's input gradient is the lower layer's output gradient, through the dropout mask if any.
            Span<float> dInput = k == 0 ? dx : _droppedOut ? _dxScratch.AsSpan(0, output) : _dhAll[k - 1].AsSpan(0, output);
            RecurrentCellKernels.Backward(_layout.Cell, _geometry[k], batch, input,
                StateSlice(h0, k, state), lstm ? StateSlice(c0, k, state) : default,
                _layout.WeightIh(p, k), _layout.WeightHh(p, k), _hAll[k].AsSpan(0, output), dhAll,
                StateSlice(dhT, k, state), lstm ? StateSlice(dcT, k, state) : default,
                dInput, StateSlice(dh0, k, state), lstm ? StateSlice(dc0, k, state) : default,
                _layout.WeightIh(gradients, k), _layout.WeightHh(gradients, k), _layout.BiasIh(gradients, k), _layout.BiasHh(gradients, k),
                _workspace[k]);
            if (k > 0 && _droppedOut)
                Runtime.Dropout.Backward(_dxScratch.AsSpan(0, output), _mask[k - 1].AsSpan(0, output), _dhAll[k - 1].AsSpan(0, output));
        }
    }

    private static ReadOnlySpan<float> StateSlice(ReadOnlySpan<float> all, int layer, int state) =>
        all.IsEmpty ? default : all.Slice(layer * state, state);

    private static Span<float> StateSlice(Span<float> all, int layer, int state) =>
        all.IsEmpty ? default : all.Slice(layer * state, state);

    private void CheckBatch(int batch)
    {
        if (batch <= 0 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"This stack holds buffers for 1 to {MaxBatch} sequences.");
    }

    private void CheckState(int length, int batch, string name)
    {
        if (length != 0 && length != StateLength(batch))
            throw new ArgumentException($"{name} must be empty or have {StateLength(batch)} elements [{_layout.Layers}, {batch}, {_layout.HiddenSize}] but has {length}.", name);
    }
}
