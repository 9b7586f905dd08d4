using Xunit;

namespace Dsl.Runtime.Tests.Sequence;

/// <summary>
/// D2L 10.7's encoder–decoder as composed in <see cref="Seq2Seq"/>: gradients of every parameter (through the decoder's
/// initial state, the context at every step and the masked loss) against central differences, the naming, greedy
/// decoding's stopping rule, and the allocation-free training step.
/// </summary>
public class Seq2SeqTests
{
    private static Seq2SeqOptions TinyOptions(RecurrentCell cell) => new()
    {
        SourceVocabulary = 6, TargetVocabulary = 7, SourceSteps = 3, TargetSteps = 4,
        SourcePadIndex = 1, TargetBeginIndex = 2, TargetEndIndex = 3,
        EmbeddingSize = 2, Hidden = 3, Layers = 2, BatchSize = 3, Cell = cell,
    };

    [Theory]
    [InlineData(RecurrentCell.Gru)]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Rnn)]
    public void Gradients_of_every_parameter_match_central_differences_with_masked_labels(RecurrentCell cell)
    {
        var model = new Seq2Seq(TinyOptions(cell), seed: 4);
        int[] source = ParameterGradientCheck.Tokens(6, 6, seed: 1);
        int[] decoderInputs = ParameterGradientCheck.Tokens(8, 7, seed: 2);
        int[] labels = ParameterGradientCheck.Tokens(8, 7, seed: 3);
        int[] validLengths = [4, 2];
        model.ComputeGradients(source, decoderInputs, labels, validLengths);
        float[] analytic = model.Gradients.ToArray();
        ParameterGradientCheck.AssertMatches(model.Parameters, analytic, model.ParameterInfos,
            () => model.Evaluate(source, decoderInputs, labels, validLengths));

        // Labels past a row's valid length do not count: changing them changes nothing.
        labels[1 * 4 + 3] = (labels[1 * 4 + 3] + 1) % 7;
        Assert.Equal(model.Evaluate(source, decoderInputs, labels, validLengths), model.Evaluate(source, decoderInputs, labels, [4, 2]));
        model.ComputeGradients(source, decoderInputs, labels, validLengths);
        Assert.Equal(analytic, model.Gradients.ToArray());
    }

    [Fact]
    public void Parameters_are_named_as_D2L_modules()
    {
        var model = new Seq2Seq(TinyOptions(RecurrentCell.Gru) with { Layers = 1 });
        string[] expected =
        [
            "encoder.embedding.weight [6, 2]",
            "encoder.rnn.weight_ih_l0 [9, 2]", "encoder.rnn.weight_hh_l0 [9, 3]", "encoder.rnn.bias_ih_l0 [9]", "encoder.rnn.bias_hh_l0 [9]",
            "decoder.embedding.weight [7, 2]",
            "decoder.rnn.weight_ih_l0 [9, 5]", "decoder.rnn.weight_hh_l0 [9, 3]", "decoder.rnn.bias_ih_l0 [9]", "decoder.rnn.bias_hh_l0 [9]",
            "decoder.dense.weight [7, 3]", "decoder.dense.bias [7]",
        ];
        Assert.Equal(expected, model.ParameterInfos.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]"));
        Assert.Equal(model.Parameters.Length, model.ParameterInfos.Sum(p => p.Length));
    }

    [Fact]
    public void Greedy_decoding_stops_before_eos_and_batches_agree_with_single_sentences()
    {
        var options = TinyOptions(RecurrentCell.Gru) with { TargetSteps = 6 };
        var model = new Seq2Seq(options, seed: 8);
        // A large bias on <eos> makes it the first prediction (nothing before it is returned); a large negative one means it never
        // comes and decoding runs to the length limit.
        var dense = model.ParameterInfos.Single(p => p.Name == "decoder.dense.bias");
        model.Parameters[dense.Offset + options.TargetEndIndex] = 100f;
        Assert.Empty(model.Translate([0, 4, 5]));
        model.Parameters[dense.Offset + options.TargetEndIndex] = -100f;
        int[] noEnd = model.Translate([0, 4, 5]);
        Assert.Equal(options.TargetSteps, noEnd.Length);
        Assert.DoesNotContain(options.TargetEndIndex, noEnd);
        Assert.Equal(noEnd, model.Translate([0, 4, 5], maxLength: 10)[..6]);

        model.Parameters[dense.Offset + options.TargetEndIndex] = 0f;
        int[] sources = [0, 4, 5, 5, 1, 1, 3, 0, 2];
        var together = model.TranslateRows(sources);
        for (int i = 0; i < 3; i++) Assert.Equal(model.Translate(sources.AsSpan(i * 3, 3)), together[i]);
        // A short source is padded as in training.
        Assert.Equal(model.Translate([5]), model.Translate([5, 1, 1]));
    }

    [Fact]
    public void Training_step_and_translation_allocate_nothing_after_warm_up()
    {
        var model = new Seq2Seq(TinyOptions(RecurrentCell.Gru) with { Dropout = 0.2f }, seed: 1);
        var adam = new Adam(0.01f);
        int[] source = ParameterGradientCheck.Tokens(9, 6, seed: 1);
        int[] decoderInputs = ParameterGradientCheck.Tokens(12, 7, seed: 2);
        int[] labels = ParameterGradientCheck.Tokens(12, 7, seed: 3);
        int[] validLengths = [4, 3, 1];
        var output = new int[3 * 5];
        var lengths = new int[3];
        model.TrainStep(source, decoderInputs, labels, validLengths, adam);
        model.Translate(source, output, lengths);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            model.TrainStep(source, decoderInputs, labels, validLengths, adam);
            model.Translate(source, output, lengths);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
