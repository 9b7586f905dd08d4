using Xunit;

namespace Dsl.Runtime.Tests;

public class SoftmaxCrossEntropyTests
{
    private static double ReferenceLoss(float[] logits, int[] labels, int batch, int classes)
    {
        double total = 0;
        for (int n = 0; n < batch; n++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[n * classes + c]);
            total += Math.Log(sum) - logits[n * classes + labels[n]];
        }
        return total / batch;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 10)]
    [InlineData(5, 3)]
    [InlineData(7, 17)]
    [InlineData(32, 100)]
    public void MatchesReference(int batch, int classes)
    {
        float[] logits = FiniteDifference.Random(batch * classes, batch, 5f);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7) % classes).ToArray();
        double expected = ReferenceLoss(logits, labels, batch, classes);
        Assert.Equal(expected, SoftmaxCrossEntropy.Loss(logits, labels, batch, classes), 1e-5 * Math.Max(1, expected));

        var d = new float[logits.Length];
        Assert.Equal(expected, SoftmaxCrossEntropy.ForwardBackward(logits, labels, d, batch, classes), 1e-5 * Math.Max(1, expected));
        for (int n = 0; n < batch; n++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[n * classes + c]);
            for (int c = 0; c < classes; c++)
            {
                double expectedGradient = (Math.Exp(logits[n * classes + c]) / sum - (c == labels[n] ? 1 : 0)) / batch;
                Assert.Equal(expectedGradient, d[n * classes + c], 1e-6);
            }
        }
    }

    [Fact]
    public void StableForHugeLogits()
    {
        float[] logits = [1000f, 0f, -1000f, 3e4f, 3e4f, 0f];
        var d = new float[6];
        float loss = SoftmaxCrossEntropy.ForwardBackward(logits, [0, 1], d, 2, 3);
        Assert.Equal(Math.Log(2) / 2, loss, 1e-6);
        Assert.All(d, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SaturatedGradientHasNoSubnormals()
    {
        // exp(−95) and exp(−120) are subnormal floats; their gradient terms must come out as exact zeros.
        float[] logits = [0f, -95f, -120f, -20f];
        var d = new float[logits.Length];
        SoftmaxCrossEntropy.ForwardBackward(logits, [0], d, 1, logits.Length);
        Assert.All(d, v => Assert.False(float.IsSubnormal(v), $"{v} is subnormal"));
        Assert.Equal(0f, d[1]);
        Assert.Equal(0f, d[2]);
        Assert.Equal(MathF.Exp(-20f), d[3], 1e-3f * MathF.Exp(-20f));
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        const int Batch = 4, Classes = 5;
        float[] logits = FiniteDifference.Random(Batch * Classes, 3, 2f);
        int[] labels = [0, 4, 2, 2];
        var d = new float[logits.Length];
        SoftmaxCrossEntropy.ForwardBackward(logits, labels, d, Batch, Classes);
        // The loss is already a scalar: r = [1].
        double[] numeric = FiniteDifference.Gradient(logits, () => [SoftmaxCrossEntropy.Loss(logits, labels, Batch, Classes)], [1f], 1e-2f);
        FiniteDifference.AssertClose(d, numeric, "dLogits");
    }

    [Fact]
    public void LabelOutOfRangeNamesExampleLabelAndRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SoftmaxCrossEntropy.ForwardBackward(new float[30], [1, 2, 10], new float[30], 3, 10));
        Assert.Contains("example 2", error.Message);
        Assert.Contains("10", error.Message);
        Assert.Contains("[0, 9]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(new float[20], [-1, 0], 2, 10));
    }
}
