namespace Dsl.Runtime;

/// <summary>
/// A stack of recurrent layers run over time-major sequences of a fixed length, with inverted dropout between layers
/// in training (PyTorch's <c>dropout</c> argument of <c>nn.LSTM</c>: on every layer's output except the last). It owns the
/// activations and workspaces for up to <see cref="MaxBatch"/> sequences and reads parameters from, and writes
/// gradients to, the model's arrays through a <see cref="RecurrentStackLayout"/>.
/// </summary>
/// <remarks>
/// States are <c>[layers · directions, batch, H]</c> as PyTorch's <c>h_n</c> (a bidirectional layer's forward state, then its
/// reverse one); a bidirectional layer's output is both directions' hidden states concatenated per step, <c>[steps, batch, 2H]</c>; an empty initial state means zeros, an empty final-state
/// destination means not wanted. For forward-only use (generation) the initial and final state may be the same buffer:
/// each layer reads its initial state before writing its final state. For training they must differ, since
/// <see cref="Backward"/> reads the initial state again. Nothing allocates after construction.
/// </remarks>
public sealed class RecurrentStack
{
    private readonly RecurrentStackLayout _layout;
    private readonly RecurrentGeometry[][] _geometry;
    private readonly float[][][] _hDirection, _dhDirection, _workspace;
    private readonly float[][] _hAll, _dropped, _mask, _dhAll;
    private readonly float[] _dxScratch, _dxReverse;
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
        int layers = layout.Layers, h = layout.HiddenSize, directions = layout.Directions;
        int perDirection = steps * maxBatch * h, output = directions * perDirection;
        _geometry = new RecurrentGeometry[layers][];
        _hDirection = new float[layers][][];
        _dhDirection = new float[layers][][];
        _workspace = new float[layers][][];
        _hAll = new float[layers][];
        _dhAll = new float[layers][];
        _dropped = new float[layers][];
        _mask = new float[layers][];
        int widestInput = 0;
        for (int k = 0; k < layers; k++)
        {
            widestInput = Math.Max(widestInput, layout.LayerInputSize(k));
            _geometry[k] = new RecurrentGeometry[directions];
            _hDirection[k] = new float[directions][];
            _dhDirection[k] = new float[directions][];
            _workspace[k] = new float[directions][];
            for (int d = 0; d < directions; d++)
            {
                _geometry[k][d] = new RecurrentGeometry(layout.LayerInputSize(k), h, steps, Reverse: d == 1);
                _hDirection[k][d] = new float[perDirection];
                // A bidirectional layer's output gradient is split per direction; a unidirectional one uses it as it is.
                _dhDirection[k][d] = directions > 1 ? new float[perDirection] : [];
                _workspace[k][d] = new float[RecurrentCellKernels.WorkspaceLength(layout.Cell, _geometry[k][d], maxBatch)];
            }
            _hAll[k] = directions > 1 ? new float[output] : _hDirection[k][0];
            _dhAll[k] = k < layers - 1 ? new float[output] : [];
            bool dropsOut = dropout > 0f && k < layers - 1;
            _dropped[k] = dropsOut ? new float[output] : [];
            _mask[k] = dropsOut ? new float[output] : [];
        }
        _dxScratch = layers > 1 && dropout > 0f ? new float[output] : [];
        _dxReverse = directions > 1 ? new float[steps * maxBatch * widestInput] : [];
    }

    /// <summary>The parameter layout this stack runs.</summary>
    public RecurrentStackLayout Layout => _layout;
    /// <summary>Time steps per sequence.</summary>
    public int Steps { get; }
    /// <summary>Most sequences per call.</summary>
    public int MaxBatch { get; }
    /// <summary>Probability of zeroing a unit of a lower layer's output in training.</summary>
    public float Dropout { get; }

    /// <summary>Floats of a state <c>[layers · directions, batch, H]</c>.</summary>
    public int StateLength(int batch) => _layout.Layers * _layout.Directions * batch * _layout.HiddenSize;

    /// <summary>The top layer's outputs of the last <see cref="Forward"/>, <c>[steps, batch, directions · H]</c>.</summary>
    public ReadOnlySpan<float> Output(int batch) => _hAll[^1].AsSpan(0, Steps * batch * _layout.OutputSize);

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
        int h = _layout.HiddenSize, directions = _layout.Directions, state = batch * h, perDirection = Steps * state, output = directions * perDirection;
        bool lstm = _layout.HasCellState;
        _droppedOut = training && Dropout > 0f;
        ReadOnlySpan<float> input = x;
        for (int k = 0; k < _layout.Layers; k++)
        {
            for (int d = 0; d < directions; d++)
            {
                int slot = k * directions + d;
                RecurrentCellKernels.Forward(_layout.Cell, _geometry[k][d], batch, input,
                    StateSlice(h0, slot, state), lstm ? StateSlice(c0, slot, state) : default,
                    _layout.WeightIh(p, k, d), _layout.WeightHh(p, k, d), _layout.BiasIh(p, k, d), _layout.BiasHh(p, k, d),
                    _hDirection[k][d].AsSpan(0, perDirection), StateSlice(hT, slot, state), lstm ? StateSlice(cT, slot, state) : default,
                    _workspace[k][d]);
            }
            Span<float> hAll = _hAll[k].AsSpan(0, output);
            if (directions > 1)
                Bidirectional.Concatenate(_hDirection[k][0].AsSpan(0, perDirection), _hDirection[k][1].AsSpan(0, perDirection), hAll, Steps * batch, h);
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
    /// of the final states <c>[layers · directions, batch, H]</c> (empty: zero). Writes <paramref name="dx"/>, <paramref name="dh0"/>,
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
        int h = _layout.HiddenSize, directions = _layout.Directions, state = batch * h, perDirection = Steps * state, output = directions * perDirection;
        bool lstm = _layout.HasCellState;
        for (int k = _layout.Layers - 1; k >= 0; k--)
        {
            ReadOnlySpan<float> input = k == 0 ? x : _droppedOut ? _dropped[k - 1].AsSpan(0, output) : _hAll[k - 1].AsSpan(0, output);
            ReadOnlySpan<float> dhAll = k == _layout.Layers - 1 ? dOutput : _dhAll[k].AsSpan(0, output);
            // Below the top, this layer's input gradient is the lower layer's output gradient, through the dropout mask if any.
            Span<float> dInput = k == 0 ? dx : _droppedOut ? _dxScratch.AsSpan(0, output) : _dhAll[k - 1].AsSpan(0, output);
            if (directions > 1 && !dhAll.IsEmpty)
                Bidirectional.Split(dhAll, _dhDirection[k][0].AsSpan(0, perDirection), _dhDirection[k][1].AsSpan(0, perDirection), Steps * batch, h);
            for (int d = 0; d < directions; d++)
            {
                int slot = k * directions + d;
                ReadOnlySpan<float> dhDirection = directions == 1 || dhAll.IsEmpty ? dhAll : _dhDirection[k][d].AsSpan(0, perDirection);
                // The reverse direction's input gradient goes aside and is added to the forward one's.
                Span<float> dInputDirection = d == 0 || dInput.IsEmpty ? dInput : _dxReverse.AsSpan(0, dInput.Length);
                RecurrentCellKernels.Backward(_layout.Cell, _geometry[k][d], batch, input,
                    StateSlice(h0, slot, state), lstm ? StateSlice(c0, slot, state) : default,
                    _layout.WeightIh(p, k, d), _layout.WeightHh(p, k, d), _hDirection[k][d].AsSpan(0, perDirection), dhDirection,
                    StateSlice(dhT, slot, state), lstm ? StateSlice(dcT, slot, state) : default,
                    dInputDirection, StateSlice(dh0, slot, state), lstm ? StateSlice(dc0, slot, state) : default,
                    _layout.WeightIh(gradients, k, d), _layout.WeightHh(gradients, k, d), _layout.BiasIh(gradients, k, d), _layout.BiasHh(gradients, k, d),
                    _workspace[k][d]);
                if (d == 1 && !dInput.IsEmpty)
                    System.Numerics.Tensors.TensorPrimitives.Add(dInput, dInputDirection, dInput);
            }
            if (k > 0 && _droppedOut)
                Runtime.Dropout.Backward(_dxScratch.AsSpan(0, output), _mask[k - 1].AsSpan(0, output), _dhAll[k - 1].AsSpan(0, output));
        }
    }

    private static ReadOnlySpan<float> StateSlice(ReadOnlySpan<float> all, int slot, int state) =>
        all.IsEmpty ? default : all.Slice(slot * state, state);

    private static Span<float> StateSlice(Span<float> all, int slot, int state) =>
        all.IsEmpty ? default : all.Slice(slot * state, state);

    private void CheckBatch(int batch)
    {
        if (batch <= 0 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"This stack holds buffers for 1 to {MaxBatch} sequences.");
    }

    private void CheckState(int length, int batch, string name)
    {
        if (length != 0 && length != StateLength(batch))
            throw new ArgumentException($"{name} must be empty or have {StateLength(batch)} elements [{_layout.Layers * _layout.Directions}, {batch}, {_layout.HiddenSize}] but has {length}.", name);
    }
}
