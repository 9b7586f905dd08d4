using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

public class EmbeddingTests
{
    [Fact]
    public void Forward_gathers_rows()
    {
        // weight row v is (10v, 10v + 1, 10v + 2).
        float[] weight = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
        var output = new float[4 * 3];
        Embedding.Forward([2, 0, 2, 3], weight, output, vocab: 4, dim: 3);
        Assert.Equal([20f, 21, 22, 0, 1, 2, 20, 21, 22, 30, 31, 32], output);
    }

    [Fact]
    public void Backward_zeroes_then_scatter_adds_repeated_tokens()
    {
        float[] dOutput = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var dWeight = new float[4 * 3];
        Array.Fill(dWeight, 99f);
        Embedding.Backward([1, 3, 1], dOutput, dWeight, vocab: 4, dim: 3);
        Assert.Equal([0f, 0, 0, 8, 10, 12, 0, 0, 0, 4, 5, 6], dWeight);
    }

    [Fact]
    public void Backward_matches_central_differences()
    {
        var random = new Random(1);
        int vocab = 7, dim = 5;
        int[] tokens = [3, 0, 6, 3, 3, 1];
        float[] weight = RecurrentCase.Uniform(random, vocab * dim, 1.0);
        float[] r = RecurrentCase.Uniform(random, tokens.Length * dim, 1.0);
        var dWeight = new float[weight.Length];
        Embedding.Backward(tokens, r, dWeight, vocab, dim);
        var output = new float[r.Length];
        GradientCheck.AssertMatches("embedding", weight, dWeight, () =>
        {
            Embedding.Forward(tokens, weight, output, vocab, dim);
            return RecurrentGradientTests.Dot(r, output);
        });
    }

    [Fact]
    public void Out_of_range_token_is_named_with_its_position()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Forward([1, 28], new float[28 * 2], new float[4], vocab: 28, dim: 2));
        Assert.Contains("Token 28 at position 1 is outside the vocabulary [0, 28)", ex.Message);
        var dWeight = new float[6];
        Array.Fill(dWeight, 5f);
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Backward([0, -1], new float[4], dWeight, vocab: 3, dim: 2));
        Assert.All(dWeight, v => Assert.Equal(5f, v)); // validated before anything is written
        var shape = Assert.Throws<ArgumentException>(() => Embedding.Forward([0, 1], new float[6], new float[5], vocab: 3, dim: 2));
        Assert.Contains("[2, 2]", shape.Message);
    }

    [Fact]
    public void OneHot_sets_a_single_one_per_row()
    {
        var output = new float[3 * 4];
        Array.Fill(output, 7f);
        OneHot.Encode([2, 0, 3], output, classes: 4);
        Assert.Equal([0f, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1], output);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([4], new float[4], classes: 4));
    }
}

public class SequenceContextTests
{
    [Fact]
    public void Context_is_appended_to_every_step_and_its_gradient_summed_over_steps()
    {
        // steps 2, batch 2, features 1, context 2
        float[] sequence = [1, 2, 3, 4];
        float[] context = [10, 11, 20, 21];
        var output = new float[2 * 2 * 3];
        SequenceContext.Concatenate(sequence, context, output, steps: 2, batch: 2, features: 1, contextSize: 2);
        Assert.Equal([1f, 10, 11, 2, 20, 21, 3, 10, 11, 4, 20, 21], output);

        var dSequence = new float[4];
        var dContext = new float[4];
        Array.Fill(dContext, 9f);
        SequenceContext.Backward(output, dSequence, dContext, steps: 2, batch: 2, features: 1, contextSize: 2);
        Assert.Equal(sequence, dSequence);
        Assert.Equal([20f, 22, 40, 42], dContext);
        SequenceContext.Backward(output, [], dContext, steps: 2, batch: 2, features: 1, contextSize: 2);
        Assert.Equal([20f, 22, 40, 42], dContext);
    }
}

public class TimeMajorTests
{
    [Fact]
    public void Tokens_transpose_between_batch_major_and_time_major()
    {
        int[] batchMajor = [1, 2, 3, 4, 5, 6]; // batch 2, steps 3
        var timeMajor = new int[6];
        TimeMajor.FromBatchMajor<int>(batchMajor, timeMajor, batch: 2, steps: 3);
        Assert.Equal([1, 4, 2, 5, 3, 6], timeMajor);
        var back = new int[6];
        TimeMajor.ToBatchMajor<int>(timeMajor, back, batch: 2, steps: 3);
        Assert.Equal(batchMajor, back);

        float[] features = [1, 1, 2, 2, 3, 3, 4, 4]; // batch 2, steps 2, width 2
        var tm = new float[8];
        TimeMajor.FromBatchMajor<float>(features, tm, batch: 2, steps: 2, width: 2);
        Assert.Equal([1f, 1, 3, 3, 2, 2, 4, 4], tm);
        Assert.Throws<ArgumentException>(() => TimeMajor.FromBatchMajor<int>(batchMajor, new int[5], 2, 3));
    }
}
