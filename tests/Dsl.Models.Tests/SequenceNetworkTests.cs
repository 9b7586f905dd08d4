using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>
/// The generated recurrent networks: gradients of the generated backward pass against central differences (every cell,
/// stacked, carried state, masked loss, classifier, encoder–decoders), parameter counts against PyTorch's formulas,
/// dropout off in inference, equality with the hand-written <see cref="CharLanguageModel"/>, no allocation per step,
/// and learning: perplexity and BLEU bars an untrained model cannot reach.
/// </summary>
public class SequenceNetworkTests
{
    private static int[] Tokens(int count, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = random.Next(vocabulary);
        return tokens;
    }

    private static void AssertGradients(Span<float> parameters, float[] analytic, IReadOnlyList<ParameterInfo> infos, Func<double> loss)
    {
        const float epsilon = 5e-3f;
        var failures = new List<string>();
        for (int i = 0; i < parameters.Length; i++)
        {
            float original = parameters[i];
            parameters[i] = original + epsilon;
            double plus = loss();
            parameters[i] = original - epsilon;
            double minus = loss();
            parameters[i] = original;
            double numeric = (plus - minus) / ((double)(original + epsilon) - (original - epsilon));
            double error = Math.Abs(numeric - analytic[i]);
            if (error > 2e-2 * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])) + 3e-4)
                failures.Add($"{NameOf(infos, i)}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
        // A ReLU kink within ±ε can spoil a difference or two; a wrong backward pass spoils many.
        Assert.True(failures.Count <= parameters.Length / 200, $"{failures.Count} of {parameters.Length} gradients differ:\n" + string.Join("\n", failures.Take(20)));
    }

    private static string NameOf(IReadOnlyList<ParameterInfo> infos, int index)
    {
        foreach (var info in infos)
            if (index >= info.Offset && index < info.Offset + info.Length) return $"{info.Name}[{index - info.Offset}]";
        return $"parameter[{index}]";
    }

    private static void JitterBiases(Span<float> parameters, IReadOnlyList<ParameterInfo> infos, int seed)
    {
        var random = new Random(seed);
        foreach (var info in infos)
            if (info.Name.Contains("bias", StringComparison.Ordinal))
                for (int i = 0; i < info.Length; i++) parameters[info.Offset + i] = (float)(random.NextDouble() * 0.4 - 0.2);
    }

    // Truncated BPTT: a first minibatch leaves a state behind; the second starts from it as a constant. The loss of the second
    // minibatch, with that state restored before every evaluation, is what its gradients differentiate.
    private static void CheckLanguageModel(Func<int[], int[], int[]?, float> compute, Func<int[], int[], int[]?, float> evaluate,
        Func<(float[] H, float[] C)> save, Action<float[], float[]> restore, Span<float> parameters, Func<float[]> gradients,
        IReadOnlyList<ParameterInfo> infos, int batch, int steps, int vocab, bool masked)
    {
        JitterBiases(parameters, infos, 3);
        int[] warmX = Tokens(batch * steps, vocab, 1), warmY = Tokens(batch * steps, vocab, 2);
        int[] x = Tokens(batch * steps, vocab, 3), y = Tokens(batch * steps, vocab, 4);
        int[]? lengths = masked ? Enumerable.Range(0, batch).Select(b => (b * 2 + 1) % (steps + 1)).ToArray() : null;
        evaluate(warmX, warmY, null);
        var (h, c) = save();
        Assert.Contains(h, v => v != 0f);
        compute(x, y, lengths);
        float[] analytic = gradients();
        float[] p = parameters.ToArray();
        AssertGradients(parameters, analytic, infos, () =>
        {
            restore(h, c);
            return evaluate(x, y, lengths);
        });
    }

    [Fact]
    public void Stacked_LSTM_language_model_with_embedding_and_carried_state_matches_finite_differences()
    {
        var net = new TinyLstmLm(seed: 1);
        CheckLanguageModel((x, y, l) => net.ComputeGradients(x, y, l), (x, y, l) => net.Evaluate(x, y, l),
            () => (net.HiddenState.ToArray(), net.CellState.ToArray()), (h, c) => { h.CopyTo(net.HiddenState); c.CopyTo(net.CellState); },
            net.Parameters, () => net.Gradients.ToArray(), net.ParameterInfos, batch: 3, steps: TinyLstmLm.Steps, vocab: 7, masked: false);
    }

    [Fact]
    public void GRU_language_model_with_one_hot_input_and_tanh_head_matches_finite_differences_with_a_padding_mask()
    {
        var net = new TinyGruLm(seed: 2);
        Assert.True(net.CellState.IsEmpty);
        CheckLanguageModel((x, y, l) => net.ComputeGradients(x, y, l), (x, y, l) => net.Evaluate(x, y, l),
            () => (net.HiddenState.ToArray(), []), (h, _) => h.CopyTo(net.HiddenState),
            net.Parameters, () => net.Gradients.ToArray(), net.ParameterInfos, batch: 4, steps: TinyGruLm.Steps, vocab: 7, masked: true);
    }

    [Fact]
    public void Three_layer_RNN_language_model_with_a_two_layer_head_matches_finite_differences()
    {
        var net = new TinyRnnLm(seed: 3);
        CheckLanguageModel((x, y, l) => net.ComputeGradients(x, y, l), (x, y, l) => net.Evaluate(x, y, l),
            () => (net.HiddenState.ToArray(), []), (h, _) => h.CopyTo(net.HiddenState),
            net.Parameters, () => net.Gradients.ToArray(), net.ParameterInfos, batch: 2, steps: TinyRnnLm.Steps, vocab: 7, masked: false);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sequence_classifiers_including_bidirectional_ones_match_finite_differences(int which)
    {
        INetwork net = which switch
        {
            0 => new TinyRowLstm(seed: 4),
            1 => new TinyRowGru(seed: 4),
            2 => new TinyBiLstmRows(seed: 4),
            _ => new TinyBiGruRows(seed: 4),
        };
        JitterBiases(net.Parameters, net.ParameterInfos, 5);
        var random = new Random(6);
        var input = new float[3 * net.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
        int[] labels = [0, 2, 1];
        net.ComputeGradients(input, labels);
        float[] analytic = net.Gradients.ToArray();
        AssertGradients(net.Parameters, analytic, net.ParameterInfos, () => net.ComputeGradients(input, labels));
        Assert.Equal(12, net.InputSize);
        Assert.Equal(3, net.OutputSize);
        Assert.Equal(9, net.Forward(input).Length);
    }

    [Fact]
    public void LSTM_encoder_decoder_matches_finite_differences()
    {
        var net = new TinyLstmTranslator(seed: 5);
        CheckTranslator(net.Parameters, net.ParameterInfos, () => net.Gradients.ToArray(),
            (s, d, l, v) => net.ComputeGradients(s, d, l, v), (s, d, l, v) => net.Evaluate(s, d, l, v));
    }

    [Fact]
    public void GRU_encoder_decoder_with_one_hot_tokens_matches_finite_differences()
    {
        var net = new TinyGruTranslator(seed: 6);
        CheckTranslator(net.Parameters, net.ParameterInfos, () => net.Gradients.ToArray(),
            (s, d, l, v) => net.ComputeGradients(s, d, l, v), (s, d, l, v) => net.Evaluate(s, d, l, v));
    }

    private static void CheckTranslator(Span<float> parameters, IReadOnlyList<ParameterInfo> infos, Func<float[]> gradients,
        Func<int[], int[], int[], int[], float> compute, Func<int[], int[], int[], int[], float> evaluate)
    {
        JitterBiases(parameters, infos, 7);
        int[] source = Tokens(12, 6, 1), inputs = Tokens(12, 7, 2), labels = Tokens(12, 7, 3), lengths = [4, 2, 3];
        compute(source, inputs, labels, lengths);
        float[] analytic = gradients();
        Assert.Contains(analytic, g => g != 0f);
        AssertGradients(parameters, analytic, infos, () => evaluate(source, inputs, labels, lengths));
    }

    private static long Lstm(long input, long hidden, int layers)
    {
        long count = 0;
        for (int k = 0; k < layers; k++) count += 4 * (hidden * (k == 0 ? input : hidden) + hidden * hidden + 2 * hidden);
        return count;
    }

    private static long Gru(long input, long hidden, int layers)
    {
        long count = 0;
        for (int k = 0; k < layers; k++) count += 3 * (hidden * (k == 0 ? input : hidden) + hidden * hidden + 2 * hidden);
        return count;
    }

    [Fact]
    public void Parameter_counts_and_names_follow_PyTorch()
    {
        // nn.Embedding(28, 32), nn.LSTM(32, 256, num_layers=2), nn.Linear(256, 28)
        Assert.Equal(CharLstm.ParameterCount, 28 * 32 + Lstm(32, 256, 2) + 256 * 28 + 28);
        Assert.Equal(CharLstmOneHot.ParameterCount, Lstm(28, 256, 2) + 256 * 28 + 28);
        Assert.Equal(RowLstm.ParameterCount, Lstm(28, 128, 1) + 128 * 10 + 10);
        Assert.Equal(RowGru.ParameterCount, Gru(28, 128, 1) + 128 * 10 + 10);
        // nn.LSTM(28, 64, num_layers=2, bidirectional=True): two directions per layer, the upper layer reads 2 × 64 features.
        Assert.Equal(BiRowLstm.ParameterCount, 2 * (4 * (64 * 28 + 64 * 64 + 2 * 64)) + 2 * (4 * (64 * 128 + 64 * 64 + 2 * 64)) + 128 * 10 + 10);
        Assert.Equal(
            ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
             "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse"],
            new BiRowLstm().ParameterInfos.Take(8).Select(p => p.Name));
        Assert.Equal([256, 128], new BiRowLstm().ParameterInfos.Single(p => p.Name == "rnn.weight_ih_l1_reverse").Shape);
        // D2L's Seq2SeqDecoder: the GRU reads the embedding concatenated with the context (embed + hidden).
        Assert.Equal(Translator.ParameterCount, 56 * 64 + Gru(64, 128, 2) + 84 * 64 + Gru(64 + 128, 128, 2) + 128 * 84 + 84);
        var net = new CharLstm();
        Assert.Equal(CharLstm.ParameterCount, net.Parameters.Length);
        Assert.Equal(
            ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
             "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "fc.weight", "fc.bias"],
            net.ParameterInfos.Select(p => p.Name));
        Assert.Equal([1024, 32], net.ParameterInfos[1].Shape);
        Assert.Equal(28 * 256, net.Parameter("fc.weight").Length);
        Assert.Throws<ArgumentException>(() => net.Parameter("rnn.weight"));
        var translator = new Translator();
        Assert.Equal([384, 192], translator.ParameterInfos.Single(p => p.Name == "decoder.rnn.weight_ih_l0").Shape);
        Assert.Equal("decoder.dense.bias", translator.ParameterInfos[^1].Name);
        Assert.Contains("rnn (LSTM ×2)", CharLstm.Summary, StringComparison.Ordinal);
        Assert.Contains("Total params: " + CharLstm.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), CharLstm.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropout_is_off_in_inference_so_the_dropout_twin_evaluates_alike()
    {
        var plain = new TinyRnnLm(seed: 8);
        var dropped = new TinyRnnLmDropout(seed: 9);
        plain.Parameters.CopyTo(dropped.Parameters);
        int[] x = Tokens(10, 7, 1), y = Tokens(10, 7, 2);
        Assert.Equal(plain.Evaluate(x, y), dropped.Evaluate(x, y), 6);
        Assert.Equal(plain.Evaluate(x, y), dropped.Evaluate(x, y), 6);
        Assert.Equal(plain.Forward(x).ToArray(), dropped.Forward(x).ToArray());
        // In training the masks change the loss.
        Assert.NotEqual(plain.ComputeGradients(x, y), dropped.ComputeGradients(x, y));
    }

    [Fact]
    public void Generated_language_model_equals_the_hand_written_CharLanguageModel_with_the_same_weights()
    {
        var generated = new TinyOneHotLstmLm(seed: 1);
        var hand = new CharLanguageModel(new CharLanguageModelOptions
        {
            Vocabulary = 7, Cell = RecurrentCell.Lstm, Hidden = 8, Layers = 2, Steps = 5, BatchSize = 3,
        }, seed: 2);
        Assert.Equal(hand.ParameterInfos.Select(p => (p.Name, p.Offset)), generated.ParameterInfos.Select(p => (p.Name, p.Offset)));
        generated.Parameters.CopyTo(hand.Parameters);
        for (int batch = 0; batch < 3; batch++)
        {
            // The state carries over the minibatches in both.
            int[] x = Tokens(15, 7, 10 + batch), y = Tokens(15, 7, 20 + batch);
            float a = generated.ComputeGradients(x, y), b = hand.ComputeGradients(x, y);
            Assert.Equal(b, a, 5);
            for (int i = 0; i < hand.Gradients.Length; i++)
                Assert.True(Math.Abs(hand.Gradients[i] - generated.Gradients[i]) <= 1e-5f, $"gradient {i}");
            Assert.Equal(hand.HiddenState.ToArray(), generated.HiddenState.ToArray());
        }
        var r1 = new Rng(3);
        var r2 = new Rng(3);
        Assert.Equal(hand.Predict([1, 2, 3], 30, 0.7f, ref r1), generated.Predict([1, 2, 3], 30, 0.7f, ref r2));
    }

    [Fact]
    public void Training_steps_translation_and_generation_allocate_nothing_after_warm_up()
    {
        var lm = new TinyLstmLm(seed: 1);
        var translator = new TinyLstmTranslator(seed: 2);
        var classifier = new TinyRowLstm(seed: 3);
        var adam1 = new Adam(0.01f);
        var adam2 = new Adam(0.01f);
        var adam3 = new Adam(0.01f);
        int[] x = Tokens(15, 7, 1), y = Tokens(15, 7, 2);
        int[] source = Tokens(12, 6, 1), inputs = Tokens(12, 7, 2), labels = Tokens(12, 7, 3), lengths = [4, 2, 3];
        var rows = new float[2 * classifier.InputSize];
        int[] classes = [1, 2];
        var generated = new int[10];
        var output = new int[3 * 6];
        var outLengths = new int[3];
        var rng = new Rng(1);
        void Run()
        {
            lm.TrainStep(x, y, adam1);
            lm.Evaluate(x, y);
            lm.Predict([1, 2], generated, 0.8f, ref rng);
            translator.TrainStep(source, inputs, labels, lengths, adam2);
            translator.Translate(source, output, outLengths, bos: 1, eos: 2);
            classifier.TrainStep(rows, classes, adam3);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Held_out_perplexity_falls_far_below_what_an_untrained_model_reaches()
    {
        var (train, heldOut) = SyntheticTranslation.Generate(500, seed: 3, heldOutFraction: 0.2);
        var (corpus, vocabulary) = LanguageModelCorpus.FromCharacters(SyntheticTranslation.SourceText(train.Concat(heldOut)));
        Assert.True(vocabulary.Count <= SmallCharLm.VocabSize);
        int split = corpus.Length * 4 / 5;
        int[] trainCorpus = corpus[..split], heldOutCorpus = corpus[split..];
        var model = new SmallCharLm(seed: 1);

        double Perplexity()
        {
            var batches = new LanguageModelBatches(heldOutCorpus, 16, SmallCharLm.Steps, Partitioning.Sequential, seed: 9);
            var bx = new int[batches.BufferLength];
            var by = new int[batches.BufferLength];
            var meter = new PerplexityMeter();
            model.ResetState();
            while (batches.MoveNext(bx, by)) meter.Add(model.Evaluate(bx, by), bx.Length);
            return meter.Value;
        }

        double untrained = Perplexity();
        var train16 = new LanguageModelBatches(trainCorpus, 16, SmallCharLm.Steps, Partitioning.Sequential, seed: 2);
        var x = new int[train16.BufferLength];
        var y = new int[train16.BufferLength];
        var adam = new Adam(0.01f);
        for (int step = 0; step < 300; step++)
        {
            if (!train16.MoveNext(x, y))
            {
                model.ResetState();
                train16.MoveNext(x, y);
            }
            model.TrainStep(x, y, adam, clipNorm: 1f);
        }
        double trained = Perplexity();
        Assert.True(untrained > vocabulary.Count / 2.0, $"untrained perplexity {untrained:F2}");
        Assert.True(trained < 5, $"held-out perplexity {untrained:F2} → {trained:F2}, vocabulary {vocabulary.Count}");
    }

    [Fact]
    public void Generated_translator_reaches_a_held_out_BLEU_an_untrained_model_cannot()
    {
        var (train, heldOut) = SyntheticTranslation.Generate(2400, seed: 5, heldOutFraction: 0.1);
        var (trainSource, trainTarget) = SyntheticTranslation.Tokens(train);
        var (heldSource, _) = SyntheticTranslation.Tokens(heldOut);
        var sourceVocabulary = Vocabulary.Build(trainSource);
        var targetVocabulary = Vocabulary.Build(trainTarget);
        int steps = SmallTranslator.Steps;
        Assert.True(trainSource.Concat(trainTarget).Max(s => s.Length) <= steps);
        Assert.True(sourceVocabulary.Count <= SmallTranslator.VocabSize && targetVocabulary.Count <= SmallTranslator.TargetVocabSize,
            $"vocabularies {sourceVocabulary.Count} and {targetVocabulary.Count}");
        var arrays = TranslationArrays.Build(trainSource, trainTarget, sourceVocabulary, targetVocabulary, steps);
        var heldOutRows = new int[heldSource.Count * steps];
        for (int i = 0; i < heldSource.Count; i++)
            SequencePadding.PadOrTruncate(heldSource[i], heldOutRows.AsSpan(i * steps, steps), sourceVocabulary);
        var model = new SmallTranslator(seed: 1);
        var labels = heldOut.Select(p => p.Target).ToList();

        // Token ids past the task's vocabulary (the declaration's bound is larger) read as <unk>; an untrained model predicts them.
        double Score() => Bleu.Average(model.TranslateRows(heldOutRows, targetVocabulary.BeginIndex, targetVocabulary.EndIndex)
            .Select(p => targetVocabulary.Decode(p.Select(t => t < targetVocabulary.Count ? t : 0).ToArray())).ToList(), labels, 2);

        double untrained = Score();
        var batches = new TranslationBatches(arrays, 32, seed: 2);
        var adam = new Adam(0.01f);
        for (int epoch = 0; epoch < 15; epoch++)
            while (batches.MoveNext())
                model.TrainStep(batches.Source, batches.DecoderInputs, batches.Labels, batches.LabelValidLengths, adam);
        double trained = Score();
        Assert.True(untrained < 0.1, $"untrained BLEU {untrained:F3}");
        Assert.True(trained > 0.75, $"held-out BLEU {untrained:F3} → {trained:F3}");
    }
}
