namespace Dsl.Runtime;

/// <summary>
/// A recurrent language model as D2L's <c>RNNLM</c> (9.5–9.6, 10.1–10.3): one-hot or embedded tokens, a stack of RNN, LSTM or
/// GRU layers, and a dense read-out to the vocabulary at every step, trained with cross-entropy on the next token.
/// Written by hand the way the generator will emit it: all parameters in one array, named as PyTorch names them
/// (<c>embedding.weight</c>, <c>rnn.weight_ih_l0</c> … <c>rnn.bias_hh_l{L−1}</c>, <c>fc.weight</c>, <c>fc.bias</c>).
/// </summary>
/// <remarks>
/// <para>Truncated backpropagation through time: the final state of a minibatch becomes the initial state of the next,
/// as a constant (no gradient flows into the previous minibatch), which is right for
/// <see cref="Partitioning.Sequential"/> batches. Call <see cref="ResetState"/> at the start of each epoch, and before
/// every minibatch with <see cref="Partitioning.Random"/>, where adjacent rows are unrelated.</para>
/// <para>Inputs and targets are batch-major token rows <c>[BatchSize, Steps]</c>, as <see cref="LanguageModelBatches"/> yields them.
/// Nothing allocates per step once the first step has run (the optimiser sizes its state then).</para>
/// </remarks>
public sealed class CharLanguageModel
{
    private readonly ParameterLayout _layout = new();
    private readonly int _embeddingAt, _fcWeightAt, _fcBiasAt;
    private readonly RecurrentStackLayout _rnn;
    private readonly RecurrentStack _stack, _stepStack;
    private readonly float[] _parameters, _gradients;
    private readonly int[] _tokens, _targets;
    private readonly float[] _x, _dx, _logits, _dLogits, _dTop;
    private readonly float[] _h0, _c0, _hT, _cT;
    private readonly float[] _stepX, _stepH, _stepC, _stepLogits;
    private readonly int[] _stepToken = new int[1];
    private Rng _dropoutRng;
    private bool _stateCarried;

    /// <summary>Creates the model with PyTorch's default initialisation drawn from <paramref name="seed"/>.</summary>
    public CharLanguageModel(CharLanguageModelOptions options, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        Options = options;
        int v = options.Vocabulary, h = options.Hidden, e = options.EmbeddingSize;
        int input = e > 0 ? e : v;
        _embeddingAt = e > 0 ? _layout.Add("embedding.weight", v, e) : -1;
        _rnn = RecurrentStackLayout.Add(_layout, "rnn", options.Cell, input, h, options.Layers);
        _fcWeightAt = _layout.Add("fc.weight", v, h);
        _fcBiasAt = _layout.Add("fc.bias", v);
        _parameters = new float[_layout.Length];
        _gradients = new float[_layout.Length];

        var rng = new Rng(seed);
        if (e > 0)
            for (int i = 0; i < v * e; i++) _parameters[_embeddingAt + i] = rng.NextGaussian();
        _rnn.Initialize(_parameters, ref rng);
        float bound = 1f / MathF.Sqrt(h);
        RecurrentStackLayout.Uniform(_parameters.AsSpan(_fcWeightAt, v * h + v), bound, ref rng);
        _dropoutRng = new Rng(seed ^ 0x5EED_D50Cul);

        int rows = options.Steps * options.BatchSize, state = options.Layers * options.BatchSize * h;
        _stack = new RecurrentStack(_rnn, options.Steps, options.BatchSize, options.Dropout);
        _tokens = new int[rows];
        _targets = new int[rows];
        _x = new float[rows * input];
        _dx = e > 0 ? new float[rows * input] : [];
        _logits = new float[rows * v];
        _dLogits = new float[rows * v];
        _dTop = new float[rows * h];
        _h0 = new float[state];
        _hT = new float[state];
        bool lstm = _rnn.HasCellState;
        _c0 = lstm ? new float[state] : [];
        _cT = lstm ? new float[state] : [];

        _stepStack = new RecurrentStack(_rnn, steps: 1, maxBatch: 1);
        _stepX = new float[input];
        _stepH = new float[options.Layers * h];
        _stepC = lstm ? new float[options.Layers * h] : [];
        _stepLogits = new float[v];
    }

    /// <summary>The shape this model was built with.</summary>
    public CharLanguageModelOptions Options { get; }

    /// <summary>All parameters, contiguous, in <see cref="ParameterInfos"/> order.</summary>
    public Span<float> Parameters => _parameters;

    /// <summary>Gradients of the last <see cref="ComputeGradients"/> or <see cref="TrainStep"/> (before clipping for the former), laid out as <see cref="Parameters"/>.</summary>
    public Span<float> Gradients => _gradients;

    /// <summary>Name, offset and shape of each parameter tensor.</summary>
    public IReadOnlyList<ParameterInfo> ParameterInfos => _layout.Infos;

    /// <summary>
    /// The hidden state the next minibatch starts from, <c>[layers, batch, H]</c> (zeros after <see cref="ResetState"/>
    /// until a minibatch has run). Writable, so a caller can save and restore it.
    /// </summary>
    public Span<float> HiddenState => _hT;

    /// <summary>The LSTM cell state the next minibatch starts from, <c>[layers, batch, H]</c>; empty for RNN and GRU.</summary>
    public Span<float> CellState => _cT;

    /// <summary>Whether the next minibatch starts from <see cref="HiddenState"/> (true after a minibatch) or from zeros.</summary>
    public bool CarriesState => _stateCarried;

    /// <summary>Makes the next minibatch start from a zero state.</summary>
    public void ResetState()
    {
        _stateCarried = false;
        _hT.AsSpan().Clear();
        _cT.AsSpan().Clear();
    }

    /// <summary>
    /// Forward, mean cross-entropy over all <c>BatchSize · Steps</c> positions, backward, global-norm clipping to
    /// <paramref name="clipNorm"/> (skipped when not positive) and the optimiser's update. Returns the mean loss (before the update).
    /// </summary>
    public float TrainStep(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, Optimizer optimizer, float clipNorm = 1f)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        float loss = ComputeGradients(inputs, targets);
        if (clipNorm > 0f) GradientClipping.ClipByGlobalNorm(_gradients, clipNorm);
        optimizer.Step(_parameters, _gradients);
        return loss;
    }

    /// <summary>Training-mode forward and backward without an update: fills <see cref="Gradients"/>, carries the state on, returns the mean loss.</summary>
    public float ComputeGradients(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        float loss = Forward(inputs, targets, training: true, _dLogits);
        int v = Options.Vocabulary, h = Options.Hidden, rows = Options.Steps * Options.BatchSize;
        ReadOnlySpan<float> top = _stack.Output(Options.BatchSize);
        Dense.Backward(top, _parameters.AsSpan(_fcWeightAt, v * h), _dLogits, _dTop,
            _gradients.AsSpan(_fcWeightAt, v * h), _gradients.AsSpan(_fcBiasAt, v), rows, h, v);
        // Truncated BPTT: no gradient for the final state (the next minibatch treats it as a constant) and none wanted for h0.
        _stack.Backward(_parameters, _gradients, _x, Options.BatchSize, _h0, _c0, _dTop, default, default, _dx, default, default);
        if (Options.EmbeddingSize > 0)
            Embedding.Backward(_tokens, _dx, _gradients.AsSpan(_embeddingAt, v * Options.EmbeddingSize), v, Options.EmbeddingSize);
        return loss;
    }

    /// <summary>Inference-mode mean cross-entropy of a minibatch (no dropout, no gradients); carries the state on like training.</summary>
    public float Evaluate(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets) => Forward(inputs, targets, training: false, default);

    private float Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, bool training, Span<float> dLogits)
    {
        int batch = Options.BatchSize, steps = Options.Steps, v = Options.Vocabulary, h = Options.Hidden, rows = steps * batch;
        if (inputs.Length != rows)
            throw new ArgumentException($"inputs must hold {rows} tokens [batch {batch}, steps {steps}] but has {inputs.Length}.", nameof(inputs));
        if (targets.Length != rows)
            throw new ArgumentException($"targets must hold {rows} tokens [batch {batch}, steps {steps}] but has {targets.Length}.", nameof(targets));
        TimeMajor.FromBatchMajor(inputs, _tokens, batch, steps);
        TimeMajor.FromBatchMajor(targets, _targets, batch, steps);

        // The carried state is copied aside: Backward needs this minibatch's initial state after Forward has written the final one.
        if (_stateCarried)
        {
            _hT.CopyTo(_h0, 0);
            _cT.CopyTo(_c0, 0);
        }
        Embed(_tokens, _x);
        _stack.Forward(_parameters, _x, batch, _stateCarried ? _h0 : default, _stateCarried ? _c0 : default, _hT, _cT, training, ref _dropoutRng);
        if (!_stateCarried)
        {
            // Backward reads the initial state; a fresh one is zero.
            _h0.AsSpan().Clear();
            _c0.AsSpan().Clear();
            _stateCarried = true;
        }
        Dense.Forward(_stack.Output(batch), _parameters.AsSpan(_fcWeightAt, v * h), _parameters.AsSpan(_fcBiasAt, v), _logits, rows, h, v);
        return SequenceCrossEntropy.ForwardBackward(_logits, _targets, ReadOnlySpan<bool>.Empty, dLogits, rows, v);
    }

    private void Embed(ReadOnlySpan<int> tokens, Span<float> x)
    {
        if (Options.EmbeddingSize > 0)
            Embedding.Forward(tokens, _parameters.AsSpan(_embeddingAt, Options.Vocabulary * Options.EmbeddingSize), x, Options.Vocabulary, Options.EmbeddingSize);
        else
            OneHot.Encode(tokens, x, Options.Vocabulary);
    }

    /// <summary>
    /// D2L's <c>predict</c>: runs the model over <paramref name="prefix"/> one token at a time from a zero state (warm-up), then
    /// writes <paramref name="generated"/>.Length tokens, each fed back as the next input. A <paramref name="temperature"/> of 0
    /// picks greedily; above 0 samples from <c>softmax(logits / temperature)</c> with <paramref name="rng"/>.
    /// Independent of the training state; allocates nothing.
    /// </summary>
    public void Predict(ReadOnlySpan<int> prefix, Span<int> generated, float temperature, ref Rng rng)
    {
        if (prefix.IsEmpty) throw new ArgumentException("The prefix needs at least one token to start from.", nameof(prefix));
        _stepH.AsSpan().Clear();
        _stepC.AsSpan().Clear();
        for (int i = 0; i < prefix.Length - 1; i++) Step(prefix[i], logits: false);
        int token = prefix[^1];
        for (int i = 0; i < generated.Length; i++)
        {
            Step(token, logits: true);
            token = temperature > 0f ? Sampling.Sample(_stepLogits, temperature, ref rng) : Sampling.Greedy(_stepLogits);
            generated[i] = token;
        }
    }

    /// <summary><see cref="Predict(ReadOnlySpan{int}, Span{int}, float, ref Rng)"/> into a new array of <paramref name="count"/> tokens.</summary>
    public int[] Predict(ReadOnlySpan<int> prefix, int count, float temperature, ref Rng rng)
    {
        Validate.NonNegative(count, nameof(count));
        var generated = new int[count];
        Predict(prefix, generated, temperature, ref rng);
        return generated;
    }

    private void Step(int token, bool logits)
    {
        _stepToken[0] = token;
        Embed(_stepToken, _stepX);
        var unused = default(Rng);
        // Forward only, so each layer's state is updated in place.
        _stepStack.Forward(_parameters, _stepX, 1, _stepH, _stepC, _stepH, _stepC, training: false, ref unused);
        if (logits)
            Dense.Forward(_stepStack.Output(1), _parameters.AsSpan(_fcWeightAt, Options.Vocabulary * Options.Hidden),
                _parameters.AsSpan(_fcBiasAt, Options.Vocabulary), _stepLogits, 1, Options.Hidden, Options.Vocabulary);
    }
}
