using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

public class SequenceCrossEntropyTests
{
    private const int Steps = 4, Batch = 3, Vocab = 6;

    private static (float[] Logits, int[] Targets) Data(int seed)
    {
        var random = new Random(seed);
        float[] logits = RecurrentCase.Uniform(random, Steps * Batch * Vocab, 3.0);
        var targets = new int[Steps * Batch];
        for (int i = 0; i < targets.Length; i++) targets[i] = random.Next(Vocab);
        return (logits, targets);
    }

    private static double ReferenceLoss(float[] logits, int[] targets, bool[] mask)
    {
        double total = 0;
        int count = 0;
        for (int p = 0; p < targets.Length; p++)
        {
            if (!mask[p]) continue;
            double sum = 0;
            for (int v = 0; v < Vocab; v++) sum += Math.Exp(logits[p * Vocab + v]);
            total += Math.Log(sum) - logits[p * Vocab + targets[p]];
            count++;
        }
        return total / count;
    }

    private static bool[] MaskFromLengths(int[] lengths)
    {
        var mask = new bool[Steps * Batch];
        for (int t = 0; t < Steps; t++)
            for (int b = 0; b < Batch; b++) mask[t * Batch + b] = t < lengths[b];
        return mask;
    }

    [Fact]
    public void Masked_loss_and_gradient_match_reference_and_central_differences()
    {
        var (logits, targets) = Data(1);
        bool[] mask = MaskFromLengths([4, 1, 3]);
        var dLogits = new float[logits.Length];
        float loss = SequenceCrossEntropy.ForwardBackward(logits, targets, mask, dLogits, Steps * Batch, Vocab);
        Assert.Equal(ReferenceLoss(logits, targets, mask), loss, 1e-5);
        GradientCheck.AssertMatches("dLogits", logits, dLogits,
            () => ReferenceLoss(logits, targets, mask), epsilon: 1e-2f, relative: 1e-3, absolute: 1e-5);
        for (int p = 0; p < mask.Length; p++)
            if (!mask[p]) Assert.All(dLogits.AsSpan(p * Vocab, Vocab).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Valid_lengths_mean_the_same_time_major_mask()
    {
        var (logits, targets) = Data(2);
        int[] lengths = [2, 4, 0];
        var fromMask = new float[logits.Length];
        var fromLengths = new float[logits.Length];
        float a = SequenceCrossEntropy.ForwardBackward(logits, targets, MaskFromLengths(lengths), fromMask, Steps * Batch, Vocab);
        float b = SequenceCrossEntropy.ForwardBackward(logits, targets, lengths, fromLengths, Steps, Batch, Vocab);
        Assert.Equal(a, b);
        Assert.Equal(fromMask, fromLengths);
        Assert.Equal(6, SequenceCrossEntropy.CountValid(lengths));
    }

    [Fact]
    public void Masked_targets_are_not_read_and_empty_mask_counts_everything()
    {
        var (logits, targets) = Data(3);
        bool[] all = Enumerable.Repeat(true, Steps * Batch).ToArray();
        float full = SequenceCrossEntropy.ForwardBackward(logits, targets, [], [], Steps * Batch, Vocab);
        Assert.Equal(ReferenceLoss(logits, targets, all), full, 1e-5);

        int[] padded = (int[])targets.Clone();
        padded[Steps * Batch - 1] = -1; // last step of the last sequence is padding
        float masked = SequenceCrossEntropy.ForwardBackward(logits, padded, [4, 4, 3], [], Steps, Batch, Vocab);
        Assert.Equal(ReferenceLoss(logits, targets, MaskFromLengths([4, 4, 3])), masked, 1e-5);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SequenceCrossEntropy.ForwardBackward(logits, padded, [], [], Steps * Batch, Vocab));
        Assert.Contains("position 11", ex.Message);
    }

    [Fact]
    public void Nothing_counted_gives_zero_loss_and_zero_gradient()
    {
        var (logits, targets) = Data(4);
        var dLogits = new float[logits.Length];
        Array.Fill(dLogits, 1f);
        Assert.Equal(0f, SequenceCrossEntropy.ForwardBackward(logits, targets, [0, 0, 0], dLogits, Steps, Batch, Vocab));
        Assert.All(dLogits, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Uniform_logits_give_perplexity_equal_to_vocabulary()
    {
        var logits = new float[Steps * Batch * Vocab];
        Array.Fill(logits, 2.5f);
        var (_, targets) = Data(5);
        float loss = SequenceCrossEntropy.ForwardBackward(logits, targets, [], [], Steps * Batch, Vocab);
        Assert.Equal(Math.Log(Vocab), loss, 1e-6);
        Assert.Equal(Vocab, Perplexity.FromMeanCrossEntropy(loss), 1e-4);
    }

    [Fact]
    public void Perplexity_meter_weights_minibatches_by_tokens()
    {
        var meter = new PerplexityMeter();
        Assert.Equal(1.0, meter.Value);
        meter.Add(1.0, 10);
        meter.Add(2.0, 30);
        Assert.Equal(40, meter.Tokens);
        Assert.Equal(1.75, meter.MeanCrossEntropy, 1e-12);
        Assert.Equal(Math.Exp(1.75), meter.Value, 1e-12);
        Assert.Equal(meter.Value, Perplexity.FromTotal(70, 40), 1e-12);
        meter.Reset();
        Assert.Equal(0, meter.Tokens);
    }

    [Fact]
    public void Large_logits_do_not_overflow()
    {
        float[] logits = [1000f, 0f, -1000f];
        var d = new float[3];
        float loss = SequenceCrossEntropy.ForwardBackward(logits, [1], [], d, 1, 3);
        Assert.Equal(1000f, loss, 1e-3f);
        Assert.Equal([1f, -1f, 0f], d);
    }
}
