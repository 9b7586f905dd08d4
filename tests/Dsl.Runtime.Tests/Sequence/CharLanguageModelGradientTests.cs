using Xunit;

namespace Dsl.Runtime.Tests.Sequence;

/// <summary>
/// The composed character language model (input → stacked recurrent layers → dense → cross-entropy) against central
/// differences of its own loss, for every cell, with one-hot and embedded input, including truncated BPTT's detachment.
/// </summary>
public class CharLanguageModelGradientTests
{
    private static CharLanguageModel Tiny(RecurrentCell cell, int embedding, int layers = 2, ulong seed = 3) => new(new CharLanguageModelOptions
    {
        Vocabulary = 5, Cell = cell, Hidden = 3, Layers = layers, EmbeddingSize = embedding, Steps = 3, BatchSize = 2,
    }, seed);

    [Theory]
    [InlineData(RecurrentCell.Rnn, 0)]
    [InlineData(RecurrentCell.Lstm, 0)]
    [InlineData(RecurrentCell.Gru, 0)]
    [InlineData(RecurrentCell.Rnn, 2)]
    [InlineData(RecurrentCell.Lstm, 2)]
    [InlineData(RecurrentCell.Gru, 2)]
    public void Gradients_of_every_parameter_match_central_differences(RecurrentCell cell, int embedding)
    {
        var model = Tiny(cell, embedding);
        int[] x = ParameterGradientCheck.Tokens(6, 5, seed: 1), y = ParameterGradientCheck.Tokens(6, 5, seed: 2);
        model.ComputeGradients(x, y);
        float[] analytic = model.Gradients.ToArray();
        ParameterGradientCheck.AssertMatches(model.Parameters, analytic, model.ParameterInfos, () =>
        {
            model.ResetState();
            return model.Evaluate(x, y);
        });
    }

    [Theory]
    [InlineData(RecurrentCell.Rnn)]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Gru)]
    public void Truncated_BPTT_differentiates_the_second_minibatch_with_the_carried_state_held_constant(RecurrentCell cell)
    {
        var model = Tiny(cell, embedding: 2);
        int[] x1 = ParameterGradientCheck.Tokens(6, 5, seed: 11), y1 = ParameterGradientCheck.Tokens(6, 5, seed: 12);
        int[] x2 = ParameterGradientCheck.Tokens(6, 5, seed: 13), y2 = ParameterGradientCheck.Tokens(6, 5, seed: 14);
        model.ResetState();
        model.ComputeGradients(x1, y1);
        Assert.True(model.CarriesState);
        float[] carriedH = model.HiddenState.ToArray(), carriedC = model.CellState.ToArray();
        Assert.Contains(carriedH, v => v != 0f);
        float secondLoss = model.ComputeGradients(x2, y2);
        float[] analytic = model.Gradients.ToArray();

        // The carried state matters: from a zero state the second minibatch's loss differs.
        model.ResetState();
        Assert.NotEqual(secondLoss, model.Evaluate(x2, y2));

        // Detached: the gradient is that of the second loss with the carried state as a constant input …
        ParameterGradientCheck.AssertMatches(model.Parameters, analytic, model.ParameterInfos, () =>
        {
            carriedH.CopyTo(model.HiddenState);
            carriedC.CopyTo(model.CellState);
            return model.Evaluate(x2, y2);
        });

        // … and not that of the second loss through the first minibatch (full BPTT), which differs by far more than the
        // differences' rounding noise (about 3e-5 here).
        double[] throughFirst = ParameterGradientCheck.Numeric(model.Parameters, () =>
        {
            model.ResetState();
            model.Evaluate(x1, y1);
            return model.Evaluate(x2, y2);
        });
        double largest = 0;
        for (int i = 0; i < analytic.Length; i++) largest = Math.Max(largest, Math.Abs(throughFirst[i] - analytic[i]));
        Assert.True(largest > 5e-4, $"full-BPTT and truncated gradients differ by at most {largest:G3}; the test cannot tell them apart");
    }

    [Fact]
    public void Carrying_the_state_over_two_minibatches_equals_one_minibatch_twice_as_long()
    {
        var longModel = new CharLanguageModel(new CharLanguageModelOptions
        {
            Vocabulary = 6, Cell = RecurrentCell.Lstm, Hidden = 4, Layers = 2, EmbeddingSize = 3, Steps = 8, BatchSize = 2,
        }, seed: 5);
        var shortModel = new CharLanguageModel(longModel.Options with { Steps = 4 }, seed: 9);
        longModel.Parameters.CopyTo(shortModel.Parameters);
        int[] x = ParameterGradientCheck.Tokens(16, 6, seed: 21), y = ParameterGradientCheck.Tokens(16, 6, seed: 22);

        float whole = longModel.Evaluate(x, y);
        // Rows of the long minibatch cut into two sequential minibatches of 4 steps each.
        int[] Half(int[] rows, int half) => [.. rows.AsSpan(half * 4, 4), .. rows.AsSpan(8 + half * 4, 4)];
        shortModel.ResetState();
        float first = shortModel.Evaluate(Half(x, 0), Half(y, 0));
        float second = shortModel.Evaluate(Half(x, 1), Half(y, 1));
        Assert.Equal(whole, (first + second) / 2, 5);

        shortModel.ResetState();
        shortModel.Evaluate(Half(x, 0), Half(y, 0));
        shortModel.ResetState();
        Assert.NotEqual(second, shortModel.Evaluate(Half(x, 1), Half(y, 1)), 5);
    }

    [Fact]
    public void Parameters_are_named_and_laid_out_as_PyTorch_does()
    {
        var model = new CharLanguageModel(new CharLanguageModelOptions
        {
            Vocabulary = 28, Cell = RecurrentCell.Lstm, Hidden = 16, Layers = 2, EmbeddingSize = 8, Steps = 5, BatchSize = 2,
        });
        string[] expected =
        [
            "embedding.weight [28, 8]",
            "rnn.weight_ih_l0 [64, 8]", "rnn.weight_hh_l0 [64, 16]", "rnn.bias_ih_l0 [64]", "rnn.bias_hh_l0 [64]",
            "rnn.weight_ih_l1 [64, 16]", "rnn.weight_hh_l1 [64, 16]", "rnn.bias_ih_l1 [64]", "rnn.bias_hh_l1 [64]",
            "fc.weight [28, 16]", "fc.bias [28]",
        ];
        Assert.Equal(expected, model.ParameterInfos.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]"));
        int offset = 0;
        foreach (var p in model.ParameterInfos)
        {
            Assert.Equal(offset, p.Offset);
            offset += p.Length;
        }
        Assert.Equal(model.Parameters.Length, offset);
    }

    [Fact]
    public void Wrong_minibatch_shape_names_what_was_expected()
    {
        var model = Tiny(RecurrentCell.Gru, embedding: 0);
        var e = Assert.Throws<ArgumentException>(() => model.ComputeGradients(new int[5], new int[6]));
        Assert.Contains("6 tokens [batch 2, steps 3]", e.Message);
        Assert.Contains("has 5", e.Message);
    }
}
