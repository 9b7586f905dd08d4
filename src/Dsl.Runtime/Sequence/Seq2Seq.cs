namespace Dsl.Runtime;

/// <summary>
/// D2L 10.7's RNN encoder–decoder for machine translation, written by hand the way the generator will emit it. The encoder
/// embeds the source and runs a stack of GRU layers; the decoder starts from the encoder's final state (every layer), appends
/// the encoder's final top-layer state (the context) to each embedded target token, runs its own GRU stack and reads out
/// the target vocabulary at every step. Parameters live in one array under PyTorch-style names:
/// <c>encoder.embedding.weight</c>, <c>encoder.rnn.weight_ih_l0</c> …, <c>decoder.embedding.weight</c>, <c>decoder.rnn.…</c>,
/// <c>decoder.dense.weight</c>, <c>decoder.dense.bias</c>.
/// </summary>
/// <remarks>
/// Training is teacher forcing (the decoder reads <c>&lt;bos&gt;</c> and the true target shifted right) with a cross-entropy
/// averaged over the label positions within each row's valid length, as D2L's masked loss. As in D2L, the encoder runs over
/// the padded source: the kernels have no packed sequences, so the padding is part of what the encoder reads, in training
/// and in translation alike. Token rows are batch-major <c>[batch, steps]</c> as <see cref="TranslationBatches"/> yields them.
/// Nothing allocates per step once the first step has run.
/// </remarks>
public sealed class Seq2Seq
{
    private readonly ParameterLayout _layout = new();
    private readonly int _encoderEmbeddingAt, _decoderEmbeddingAt, _denseWeightAt, _denseBiasAt;
    private readonly RecurrentStackLayout _encoderRnn, _decoderRnn;
    private readonly RecurrentStack _encoder, _decoder, _decoderStep;
    private readonly float[] _parameters, _gradients;
    private readonly int[] _sourceTokens, _targetTokens, _labels;
    private readonly float[] _encoderX, _dEncoderX, _encoderH, _encoderC;
    private readonly float[] _decoderEmbedded, _decoderX, _dDecoderX, _dDecoderEmbedded, _logits, _dLogits, _dTop;
    private readonly float[] _dDecoderH0, _dDecoderC0, _dContext;
    private readonly int[] _stepTokens;
    private readonly float[] _stepEmbedded, _stepX, _stepH, _stepC, _stepLogits, _context;
    private readonly bool[] _finished;
    private Rng _dropoutRng;

    /// <summary>Creates the model; weights are Xavier-uniform as D2L's <c>init_seq2seq</c>, biases and embeddings as PyTorch's defaults.</summary>
    public Seq2Seq(Seq2SeqOptions options, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        Options = options;
        int e = options.EmbeddingSize, h = options.Hidden, l = options.Layers, b = options.BatchSize;
        int vs = options.SourceVocabulary, vt = options.TargetVocabulary, ts = options.SourceSteps, tt = options.TargetSteps;
        _encoderEmbeddingAt = _layout.Add("encoder.embedding.weight", vs, e);
        _encoderRnn = RecurrentStackLayout.Add(_layout, "encoder.rnn", options.Cell, e, h, l);
        _decoderEmbeddingAt = _layout.Add("decoder.embedding.weight", vt, e);
        _decoderRnn = RecurrentStackLayout.Add(_layout, "decoder.rnn", options.Cell, e + h, h, l);
        _denseWeightAt = _layout.Add("decoder.dense.weight", vt, h);
        _denseBiasAt = _layout.Add("decoder.dense.bias", vt);
        _parameters = new float[_layout.Length];
        _gradients = new float[_layout.Length];

        var rng = new Rng(seed);
        for (int i = 0; i < vs * e; i++) _parameters[_encoderEmbeddingAt + i] = rng.NextGaussian();
        _encoderRnn.Initialize(_parameters, ref rng, xavierWeights: true);
        for (int i = 0; i < vt * e; i++) _parameters[_decoderEmbeddingAt + i] = rng.NextGaussian();
        _decoderRnn.Initialize(_parameters, ref rng, xavierWeights: true);
        Initializers.Xavier(_parameters.AsSpan(_denseWeightAt, vt * h), h, vt, ref rng);
        RecurrentStackLayout.Uniform(_parameters.AsSpan(_denseBiasAt, vt), 1f / MathF.Sqrt(h), ref rng);
        _dropoutRng = new Rng(seed ^ 0x5EED_D50Cul);

        _encoder = new RecurrentStack(_encoderRnn, ts, b, options.Dropout);
        _decoder = new RecurrentStack(_decoderRnn, tt, b, options.Dropout);
        _decoderStep = new RecurrentStack(_decoderRnn, 1, b);
        bool lstm = _encoderRnn.HasCellState;
        int state = l * b * h;
        _sourceTokens = new int[ts * b];
        _targetTokens = new int[tt * b];
        _labels = new int[tt * b];
        _encoderX = new float[ts * b * e];
        _dEncoderX = new float[ts * b * e];
        _encoderH = new float[state];
        _encoderC = lstm ? new float[state] : [];
        _decoderEmbedded = new float[tt * b * e];
        _decoderX = new float[tt * b * (e + h)];
        _dDecoderX = new float[tt * b * (e + h)];
        _dDecoderEmbedded = new float[tt * b * e];
        _logits = new float[tt * b * vt];
        _dLogits = new float[tt * b * vt];
        _dTop = new float[tt * b * h];
        _dDecoderH0 = new float[state];
        _dDecoderC0 = lstm ? new float[state] : [];
        _dContext = new float[b * h];
        _stepTokens = new int[b];
        _stepEmbedded = new float[b * e];
        _stepX = new float[b * (e + h)];
        _stepH = new float[state];
        _stepC = lstm ? new float[state] : [];
        _stepLogits = new float[b * vt];
        _context = new float[b * h];
        _finished = new bool[b];
    }

    /// <summary>The shape this model was built with.</summary>
    public Seq2SeqOptions Options { get; }

    /// <summary>All parameters, contiguous, in <see cref="ParameterInfos"/> order.</summary>
    public Span<float> Parameters => _parameters;

    /// <summary>Gradients of the last <see cref="ComputeGradients"/> or <see cref="TrainStep"/>, laid out as <see cref="Parameters"/>.</summary>
    public Span<float> Gradients => _gradients;

    /// <summary>Name, offset and shape of each parameter tensor.</summary>
    public IReadOnlyList<ParameterInfo> ParameterInfos => _layout.Infos;

    /// <summary>
    /// Teacher-forced forward, masked cross-entropy, backward, global-norm clipping to <paramref name="clipNorm"/> (skipped when
    /// not positive) and the optimiser's update. Returns the mean loss over the counted label positions.
    /// </summary>
    public float TrainStep(ReadOnlySpan<int> source, ReadOnlySpan<int> decoderInputs, ReadOnlySpan<int> labels,
        ReadOnlySpan<int> labelValidLengths, Optimizer optimizer, float clipNorm = 1f)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        float loss = ComputeGradients(source, decoderInputs, labels, labelValidLengths);
        if (clipNorm > 0f) GradientClipping.ClipByGlobalNorm(_gradients, clipNorm);
        optimizer.Step(_parameters, _gradients);
        return loss;
    }

    /// <summary>Training-mode forward and backward without an update; fills <see cref="Gradients"/> and returns the mean loss.</summary>
    public float ComputeGradients(ReadOnlySpan<int> source, ReadOnlySpan<int> decoderInputs, ReadOnlySpan<int> labels, ReadOnlySpan<int> labelValidLengths)
    {
        int batch = Forward(source, decoderInputs, labels, labelValidLengths, training: true, out float loss);
        int e = Options.EmbeddingSize, h = Options.Hidden, vt = Options.TargetVocabulary, tt = Options.TargetSteps, ts = Options.SourceSteps;
        int rows = tt * batch, state = Options.Layers * batch * h;

        Dense.Backward(_decoder.Output(batch), _parameters.AsSpan(_denseWeightAt, vt * h), _dLogits.AsSpan(0, rows * vt), _dTop.AsSpan(0, rows * h),
            _gradients.AsSpan(_denseWeightAt, vt * h), _gradients.AsSpan(_denseBiasAt, vt), rows, h, vt);
        Span<float> dDecoderH0 = _dDecoderH0.AsSpan(0, state);
        Span<float> dDecoderC0 = _encoderRnn.HasCellState ? _dDecoderC0.AsSpan(0, state) : default;
        Span<float> encoderH = _encoderH.AsSpan(0, state);
        Span<float> encoderC = _encoderRnn.HasCellState ? _encoderC.AsSpan(0, state) : default;
        _decoder.Backward(_parameters, _gradients, _decoderX.AsSpan(0, rows * (e + h)), batch, encoderH, encoderC,
            _dTop.AsSpan(0, rows * h), default, default, _dDecoderX.AsSpan(0, rows * (e + h)), dDecoderH0, dDecoderC0);
        Span<float> dContext = _dContext.AsSpan(0, batch * h);
        SequenceContext.Backward(_dDecoderX.AsSpan(0, rows * (e + h)), _dDecoderEmbedded.AsSpan(0, rows * e), dContext, tt, batch, e, h);
        Embedding.Backward(_targetTokens.AsSpan(0, rows), _dDecoderEmbedded.AsSpan(0, rows * e),
            _gradients.AsSpan(_decoderEmbeddingAt, vt * e), vt, e);

        // The encoder's final state reached the loss twice: as the decoder's initial state (every layer) and, for the top
        // layer, as the context appended at every step. Its per-step outputs were not used.
        Span<float> dTopState = dDecoderH0.Slice((Options.Layers - 1) * batch * h, batch * h);
        System.Numerics.Tensors.TensorPrimitives.Add(dTopState, dContext, dTopState);
        Span<float> dEncoderX = _dEncoderX.AsSpan(0, ts * batch * e);
        _encoder.Backward(_parameters, _gradients, _encoderX.AsSpan(0, ts * batch * e), batch, default, default,
            default, dDecoderH0, dDecoderC0, dEncoderX, default, default);
        Embedding.Backward(_sourceTokens.AsSpan(0, ts * batch), dEncoderX, _gradients.AsSpan(_encoderEmbeddingAt, Options.SourceVocabulary * e), Options.SourceVocabulary, e);
        return loss;
    }

    /// <summary>Inference-mode teacher-forced loss (no dropout, no gradients): D2L's validation loss.</summary>
    public float Evaluate(ReadOnlySpan<int> source, ReadOnlySpan<int> decoderInputs, ReadOnlySpan<int> labels, ReadOnlySpan<int> labelValidLengths)
    {
        Forward(source, decoderInputs, labels, labelValidLengths, training: false, out float loss);
        return loss;
    }

    private int Forward(ReadOnlySpan<int> source, ReadOnlySpan<int> decoderInputs, ReadOnlySpan<int> labels,
        ReadOnlySpan<int> labelValidLengths, bool training, out float loss)
    {
        int ts = Options.SourceSteps, tt = Options.TargetSteps;
        int batch = labelValidLengths.Length;
        if (batch <= 0 || batch > Options.BatchSize)
            throw new ArgumentException($"labelValidLengths gives the batch and must have 1 to {Options.BatchSize} entries but has {batch}.", nameof(labelValidLengths));
        CheckRows(source.Length, batch, ts, nameof(source));
        CheckRows(decoderInputs.Length, batch, tt, nameof(decoderInputs));
        CheckRows(labels.Length, batch, tt, nameof(labels));
        int e = Options.EmbeddingSize, h = Options.Hidden, vt = Options.TargetVocabulary, rows = tt * batch, state = Options.Layers * batch * h;

        Span<int> sourceTokens = _sourceTokens.AsSpan(0, ts * batch);
        TimeMajor.FromBatchMajor(source, sourceTokens, batch, ts);
        Span<float> encoderX = _encoderX.AsSpan(0, ts * batch * e);
        Embedding.Forward(sourceTokens, _parameters.AsSpan(_encoderEmbeddingAt, Options.SourceVocabulary * e), encoderX, Options.SourceVocabulary, e);
        Span<float> encoderH = _encoderH.AsSpan(0, state);
        Span<float> encoderC = _encoderRnn.HasCellState ? _encoderC.AsSpan(0, state) : default;
        _encoder.Forward(_parameters, encoderX, batch, default, default, encoderH, encoderC, training, ref _dropoutRng);

        Span<int> targetTokens = _targetTokens.AsSpan(0, rows);
        TimeMajor.FromBatchMajor(decoderInputs, targetTokens, batch, tt);
        Span<int> timeMajorLabels = _labels.AsSpan(0, rows);
        TimeMajor.FromBatchMajor(labels, timeMajorLabels, batch, tt);
        Span<float> embedded = _decoderEmbedded.AsSpan(0, rows * e);
        Embedding.Forward(targetTokens, _parameters.AsSpan(_decoderEmbeddingAt, vt * e), embedded, vt, e);
        Span<float> decoderX = _decoderX.AsSpan(0, rows * (e + h));
        SequenceContext.Concatenate(embedded, TopLayer(encoderH, batch), decoderX, tt, batch, e, h);
        _decoder.Forward(_parameters, decoderX, batch, encoderH, encoderC, default, default, training, ref _dropoutRng);

        Span<float> logits = _logits.AsSpan(0, rows * vt);
        Dense.Forward(_decoder.Output(batch), _parameters.AsSpan(_denseWeightAt, vt * h), _parameters.AsSpan(_denseBiasAt, vt), logits, rows, h, vt);
        loss = SequenceCrossEntropy.ForwardBackward(logits, timeMajorLabels, labelValidLengths,
            training ? _dLogits.AsSpan(0, rows * vt) : default, tt, batch, vt);
        return batch;
    }

    /// <summary>
    /// Greedy translation of <c>count = lengths.Length</c> source rows <c>[count, SourceSteps]</c> (padded, as in training), at most
    /// <see cref="Seq2SeqOptions.BatchSize"/> at once. Row <c>i</c> of <paramref name="output"/> (<c>[count, maxLength]</c>) receives the
    /// predicted tokens up to, not including, <c>&lt;eos&gt;</c>; <paramref name="lengths"/>[i] how many (maxLength if no <c>&lt;eos&gt;</c> came).
    /// </summary>
    public void Translate(ReadOnlySpan<int> sources, Span<int> output, Span<int> lengths)
    {
        int count = lengths.Length, ts = Options.SourceSteps;
        if (count <= 0 || count > Options.BatchSize)
            throw new ArgumentException($"lengths gives the number of sentences and must have 1 to {Options.BatchSize} entries but has {count}.", nameof(lengths));
        CheckRows(sources.Length, count, ts, nameof(sources));
        if (output.Length == 0 || output.Length % count != 0)
            throw new ArgumentException($"output must hold [count {count}, maxLength] tokens with maxLength ≥ 1 but has {output.Length}.", nameof(output));
        int maxLength = output.Length / count;
        int e = Options.EmbeddingSize, h = Options.Hidden, vt = Options.TargetVocabulary, state = Options.Layers * count * h;

        Span<int> sourceTokens = _sourceTokens.AsSpan(0, ts * count);
        TimeMajor.FromBatchMajor(sources, sourceTokens, count, ts);
        Span<float> encoderX = _encoderX.AsSpan(0, ts * count * e);
        Embedding.Forward(sourceTokens, _parameters.AsSpan(_encoderEmbeddingAt, Options.SourceVocabulary * e), encoderX, Options.SourceVocabulary, e);
        Span<float> stepH = _stepH.AsSpan(0, state);
        Span<float> stepC = _encoderRnn.HasCellState ? _stepC.AsSpan(0, state) : default;
        var unused = default(Rng);
        _encoder.Forward(_parameters, encoderX, count, default, default, stepH, stepC, training: false, ref unused);
        Span<float> context = _context.AsSpan(0, count * h);
        TopLayer(stepH, count).CopyTo(context);

        Span<int> tokens = _stepTokens.AsSpan(0, count);
        Span<bool> finished = _finished.AsSpan(0, count);
        tokens.Fill(Options.TargetBeginIndex);
        finished.Clear();
        lengths.Fill(maxLength);
        Span<float> embedded = _stepEmbedded.AsSpan(0, count * e);
        Span<float> x = _stepX.AsSpan(0, count * (e + h));
        Span<float> logits = _stepLogits.AsSpan(0, count * vt);
        int active = count;
        for (int t = 0; t < maxLength && active > 0; t++)
        {
            Embedding.Forward(tokens, _parameters.AsSpan(_decoderEmbeddingAt, vt * e), embedded, vt, e);
            SequenceContext.Concatenate(embedded, context, x, 1, count, e, h);
            // Forward only: each layer's state is updated in place.
            _decoderStep.Forward(_parameters, x, count, stepH, stepC, stepH, stepC, training: false, ref unused);
            Dense.Forward(_decoderStep.Output(count), _parameters.AsSpan(_denseWeightAt, vt * h), _parameters.AsSpan(_denseBiasAt, vt), logits, count, h, vt);
            Sampling.GreedyRows(logits, vt, tokens);
            for (int i = 0; i < count; i++)
            {
                output[i * maxLength + t] = tokens[i];
                if (finished[i] || tokens[i] != Options.TargetEndIndex) continue;
                finished[i] = true;
                lengths[i] = t;
                active--;
            }
        }
    }

    /// <summary>
    /// Translates one sentence of source indices (padded with <see cref="Seq2SeqOptions.SourcePadIndex"/> or cut to
    /// <see cref="Seq2SeqOptions.SourceSteps"/>, as in training), returning the target indices before <c>&lt;eos&gt;</c>,
    /// at most <paramref name="maxLength"/> (default: <see cref="Seq2SeqOptions.TargetSteps"/>).
    /// </summary>
    public int[] Translate(ReadOnlySpan<int> sourceTokens, int maxLength = 0)
    {
        int ts = Options.SourceSteps;
        if (maxLength <= 0) maxLength = Options.TargetSteps;
        var row = new int[ts];
        Array.Fill(row, Options.SourcePadIndex);
        sourceTokens[..Math.Min(ts, sourceTokens.Length)].CopyTo(row);
        var output = new int[maxLength];
        Span<int> length = stackalloc int[1];
        Translate(row, output, length);
        return output[..length[0]];
    }

    /// <summary>Greedy translations of any number of source rows <c>[count, SourceSteps]</c>, in chunks of the batch size.</summary>
    public List<int[]> TranslateRows(ReadOnlySpan<int> sources, int maxLength = 0)
    {
        int ts = Options.SourceSteps;
        if (sources.Length % ts != 0)
            throw new ArgumentException($"sources must hold whole rows of {ts} tokens but has {sources.Length}.", nameof(sources));
        if (maxLength <= 0) maxLength = Options.TargetSteps;
        int count = sources.Length / ts;
        var result = new List<int[]>(count);
        var output = new int[Options.BatchSize * maxLength];
        var lengths = new int[Options.BatchSize];
        for (int start = 0; start < count; start += Options.BatchSize)
        {
            int n = Math.Min(Options.BatchSize, count - start);
            Translate(sources.Slice(start * ts, n * ts), output.AsSpan(0, n * maxLength), lengths.AsSpan(0, n));
            for (int i = 0; i < n; i++) result.Add(output.AsSpan(i * maxLength, lengths[i]).ToArray());
        }
        return result;
    }

    private Span<float> TopLayer(Span<float> state, int batch) =>
        state.Slice((Options.Layers - 1) * batch * Options.Hidden, batch * Options.Hidden);

    private static void CheckRows(int length, int batch, int steps, string name)
    {
        if (length != batch * steps)
            throw new ArgumentException($"{name} must hold {batch * steps} tokens [batch {batch}, steps {steps}] but has {length}.", name);
    }
}
