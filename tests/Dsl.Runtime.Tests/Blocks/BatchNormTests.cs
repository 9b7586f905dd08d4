using Xunit;

namespace Dsl.Runtime.Tests.Blocks;

public class BatchNormTests
{
    private const float Eps = BatchNorm.DefaultEpsilon;

    /// <summary>Inputs with a per-channel offset and scale, so channels really have different statistics.</summary>
    private static float[] Input(int batch, int channels, int spatial, int seed)
    {
        float[] x = FiniteDifference.Random(batch * channels * spatial, seed);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int s = 0; s < spatial; s++)
                    x[BlockReference.Index(n, c, s, channels, spatial)] = x[BlockReference.Index(n, c, s, channels, spatial)] * (1 + 0.3f * c) + 0.5f * c - 1;
        return x;
    }

    private static float[] Gamma(int channels, int seed) => FiniteDifference.Random(channels, seed).Select(v => 1 + 0.5f * v).ToArray();

    [Theory, MemberData(nameof(BlockReference.TrainableShapes), MemberType = typeof(BlockReference))]
    public void Training_forward_matches_reference_and_updates_running_statistics_like_PyTorch(int batch, int channels, int spatial)
    {
        float[] x = Input(batch, channels, spatial, 1);
        float[] gamma = Gamma(channels, 2), beta = FiniteDifference.Random(channels, 3);
        float[] runningMean = FiniteDifference.Random(channels, 4);
        float[] runningVar = FiniteDifference.Random(channels, 5).Select(v => 1.5f + v).ToArray();
        float[] oldMean = (float[])runningMean.Clone(), oldVar = (float[])runningVar.Clone();
        var y = new float[x.Length];
        var saveMean = new float[channels];
        var saveInvStd = new float[channels];

        BatchNorm.ForwardTraining(x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd, batch, channels, spatial);

        var (mean, biased, unbiased) = BlockReference.ChannelStatistics(x, batch, channels, spatial);
        FiniteDifference.AssertNear(BlockReference.BatchNormNormalise(x, gamma, beta, mean, biased, batch, channels, spatial, Eps), y, "y", 2e-5f);
        FiniteDifference.AssertNear(mean.Select(v => (float)v).ToArray(), saveMean, "saveMean", 1e-6f);
        FiniteDifference.AssertNear(biased.Select(v => (float)(1 / Math.Sqrt(v + Eps))).ToArray(), saveInvStd, "saveInvStd", 1e-5f);
        // torch: running_mean = (1 − momentum)·running_mean + momentum·mean; running_var uses the unbiased variance.
        var expectedMean = new float[channels];
        var expectedVar = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            expectedMean[c] = (float)(0.9 * oldMean[c] + 0.1 * mean[c]);
            expectedVar[c] = (float)(0.9 * oldVar[c] + 0.1 * unbiased[c]);
        }
        FiniteDifference.AssertNear(expectedMean, runningMean, "runningMean", 1e-6f);
        FiniteDifference.AssertNear(expectedVar, runningVar, "runningVar", 1e-5f);
    }

    [Fact]
    public void Running_variance_is_unbiased_and_momentum_is_honoured()
    {
        // Channel values {1, 2, 3, 6}: mean 3, biased variance 3.5, unbiased 14/3.
        float[] x = [1, 2, 3, 6];
        float[] runningMean = [10], runningVar = [20];
        var y = new float[4];
        float[] saveMean = new float[1], saveInvStd = new float[1];
        BatchNorm.ForwardTraining(x, [], [], y, runningMean, runningVar, saveMean, saveInvStd, 2, 1, 2, momentum: 0.25f);
        Assert.Equal(0.75 * 10 + 0.25 * 3, runningMean[0], 5);
        Assert.Equal(0.75 * 20 + 0.25 * 14.0 / 3, runningVar[0], 5);
        Assert.Equal(1 / Math.Sqrt(3.5 + 1e-5), saveInvStd[0], 5);

        // Repeated steps converge to the batch statistics, as PyTorch's running estimates do on a fixed batch.
        for (int step = 0; step < 200; step++)
            BatchNorm.ForwardTraining(x, [], [], y, runningMean, runningVar, saveMean, saveInvStd, 2, 1, 2);
        Assert.Equal(3, runningMean[0], 4);
        Assert.Equal(14.0 / 3, runningVar[0], 4);
    }

    [Theory, MemberData(nameof(BlockReference.Shapes), MemberType = typeof(BlockReference))]
    public void Inference_uses_running_statistics(int batch, int channels, int spatial)
    {
        float[] x = Input(batch, channels, spatial, 6);
        float[] gamma = Gamma(channels, 7), beta = FiniteDifference.Random(channels, 8);
        float[] runningMean = FiniteDifference.Random(channels, 9);
        float[] runningVar = FiniteDifference.Random(channels, 10).Select(v => 1.2f + v).ToArray();
        var y = new float[x.Length];
        BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, y, batch, channels, spatial);
        float[] expected = BlockReference.BatchNormNormalise(x, gamma, beta,
            runningMean.Select(v => (double)v).ToArray(), runningVar.Select(v => (double)v).ToArray(), batch, channels, spatial, Eps);
        FiniteDifference.AssertNear(expected, y, "y", 2e-5f);

        // Without affine parameters gamma = 1, beta = 0.
        BatchNorm.ForwardInference(x, [], [], runningMean, runningVar, y, batch, channels, spatial);
        expected = BlockReference.BatchNormNormalise(x, null, null,
            runningMean.Select(v => (double)v).ToArray(), runningVar.Select(v => (double)v).ToArray(), batch, channels, spatial, Eps);
        FiniteDifference.AssertNear(expected, y, "y (no affine)", 2e-5f);
    }

    [Fact]
    public void Training_and_inference_outputs_differ_for_the_same_input()
    {
        const int batch = 4, channels = 3, spatial = 5;
        float[] x = Input(batch, channels, spatial, 11);
        float[] gamma = Gamma(channels, 12), beta = FiniteDifference.Random(channels, 13);
        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        float[] training = new float[x.Length], inference = new float[x.Length];
        BatchNorm.ForwardTraining(x, gamma, beta, training, runningMean, runningVar, new float[channels], new float[channels], batch, channels, spatial);
        BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, inference, batch, channels, spatial);
        double largest = training.Zip(inference, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest > 0.1, $"training and inference outputs differ by at most {largest}");

        // Training output has zero mean and unit (biased) variance per channel before the affine map.
        var (mean, biased, _) = BlockReference.ChannelStatistics(
            training.Select((v, i) => (v - beta[i / spatial % channels]) / gamma[i / spatial % channels]).ToArray(), batch, channels, spatial);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(0, mean[c], 4);
            Assert.Equal(1, biased[c], 3);
        }
    }

    [Theory, MemberData(nameof(BlockReference.TrainableShapes), MemberType = typeof(BlockReference))]
    public void Backward_matches_reference(int batch, int channels, int spatial)
    {
        float[] x = Input(batch, channels, spatial, 14);
        float[] gamma = Gamma(channels, 15), beta = FiniteDifference.Random(channels, 16);
        float[] dy = FiniteDifference.Random(x.Length, 17);
        var y = new float[x.Length];
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        BatchNorm.ForwardTraining(x, gamma, beta, y, [], [], saveMean, saveInvStd, batch, channels, spatial);

        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        var dGamma = Enumerable.Repeat(float.NaN, channels).ToArray();
        var dBeta = Enumerable.Repeat(float.NaN, channels).ToArray();
        BatchNorm.Backward(x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta, batch, channels, spatial);

        var expected = BlockReference.BatchNormBackward(x, gamma, dy, batch, channels, spatial, Eps);
        AssertGradientNear(expected.Dx, dx, "dx");
        AssertGradientNear(expected.DGamma, dGamma, "dGamma");
        AssertGradientNear(expected.DBeta, dBeta, "dBeta");

        // dx may alias dy.
        float[] inPlace = (float[])dy.Clone();
        BatchNorm.Backward(x, gamma, saveMean, saveInvStd, inPlace, inPlace, [], [], batch, channels, spatial);
        Assert.Equal(dx, inPlace);
    }

    /// <summary>dx sums to zero over a channel, so its entries are differences of O(1) terms; compare against the largest.</summary>
    private static void AssertGradientNear(float[] expected, float[] actual, string what)
    {
        float scale = Math.Max(1f, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 5e-5f * scale, $"{what}[{i}]: expected {expected[i]:G9}, actual {actual[i]:G9}.");
    }

    public static IEnumerable<object[]> GradientShapes() =>
    [
        [2, 3, 5], [7, 1, 1], [1, 3, 5], [7, 4, 1], [2, 2, 9],
    ];

    [Theory, MemberData(nameof(GradientShapes))]
    public void Gradients_match_finite_differences(int batch, int channels, int spatial)
    {
        float[] x = Input(batch, channels, spatial, 18);
        float[] gamma = Gamma(channels, 19), beta = FiniteDifference.Random(channels, 20);
        float[] r = FiniteDifference.Random(x.Length, 21);
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        float[] Forward()
        {
            var y = new float[x.Length];
            BatchNorm.ForwardTraining(x, gamma, beta, y, [], [], saveMean, saveInvStd, batch, channels, spatial);
            return y;
        }

        Forward();
        var dx = new float[x.Length];
        var dGamma = new float[channels];
        var dBeta = new float[channels];
        BatchNorm.Backward(x, gamma, saveMean, saveInvStd, r, dx, dGamma, dBeta, batch, channels, spatial);

        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Forward, r, 1e-2f), "dx");
        FiniteDifference.AssertClose(dGamma, FiniteDifference.Gradient(gamma, Forward, r), "dGamma");
        FiniteDifference.AssertClose(dBeta, FiniteDifference.Gradient(beta, Forward, r), "dBeta");
    }

    [Fact]
    public void Gradients_without_affine_parameters_match_finite_differences()
    {
        const int batch = 3, channels = 2, spatial = 4;
        float[] x = Input(batch, channels, spatial, 22);
        float[] r = FiniteDifference.Random(x.Length, 23);
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        float[] Forward()
        {
            var y = new float[x.Length];
            BatchNorm.ForwardTraining(x, [], [], y, [], [], saveMean, saveInvStd, batch, channels, spatial);
            return y;
        }

        Forward();
        var dx = new float[x.Length];
        BatchNorm.Backward(x, [], saveMean, saveInvStd, r, dx, [], [], batch, channels, spatial);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Forward, r), "dx");
    }

    [Theory]
    [InlineData(7, 130)]   // two full feature blocks and a partial one
    [InlineData(64, 300)]  // enough work to split over cores
    public void Wide_dense_layers_match_reference(int batch, int features)
    {
        float[] x = Input(batch, features, 1, 40);
        float[] gamma = Gamma(features, 41), beta = FiniteDifference.Random(features, 42), dy = FiniteDifference.Random(x.Length, 43);
        float[] runningMean = new float[features], runningVar = Enumerable.Repeat(1f, features).ToArray();
        float[] saveMean = new float[features], saveInvStd = new float[features];
        var y = new float[x.Length];
        BatchNorm.ForwardTraining(x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd, batch, features, 1);
        var (mean, biased, unbiased) = BlockReference.ChannelStatistics(x, batch, features, 1);
        FiniteDifference.AssertNear(BlockReference.BatchNormNormalise(x, gamma, beta, mean, biased, batch, features, 1, Eps), y, "y", 2e-5f);
        FiniteDifference.AssertNear(mean.Select(v => (float)(0.1 * v)).ToArray(), runningMean, "runningMean", 1e-6f);
        FiniteDifference.AssertNear(unbiased.Select(v => (float)(0.9 + 0.1 * v)).ToArray(), runningVar, "runningVar", 1e-5f);

        float[] dx = new float[x.Length], dGamma = new float[features], dBeta = new float[features];
        BatchNorm.Backward(x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta, batch, features, 1);
        var expected = BlockReference.BatchNormBackward(x, gamma, dy, batch, features, 1, Eps);
        AssertGradientNear(expected.Dx, dx, "dx");
        AssertGradientNear(expected.DGamma, dGamma, "dGamma");
        AssertGradientNear(expected.DBeta, dBeta, "dBeta");

        BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, y, batch, features, 1);
        FiniteDifference.AssertNear(BlockReference.BatchNormNormalise(x, gamma, beta,
            runningMean.Select(v => (double)v).ToArray(), runningVar.Select(v => (double)v).ToArray(), batch, features, 1, Eps), y, "inference y", 2e-5f);
    }

    [Fact]
    public void Statistics_keep_precision_when_the_mean_is_large()
    {
        // One-pass E[x²] − mean² would lose the whole variance here in float.
        const int batch = 8, channels = 2, spatial = 16;
        float[] x = FiniteDifference.Random(batch * channels * spatial, 24).Select(v => 1000 + 0.01f * v).ToArray();
        var y = new float[x.Length];
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        BatchNorm.ForwardTraining(x, [], [], y, [], [], saveMean, saveInvStd, batch, channels, spatial);
        var (mean, biased, _) = BlockReference.ChannelStatistics(x, batch, channels, spatial);
        for (int c = 0; c < channels; c++)
            Assert.Equal(1 / Math.Sqrt(biased[c] + Eps), saveInvStd[c], 1e-2 / Math.Sqrt(biased[c] + Eps));
        FiniteDifference.AssertNear(BlockReference.BatchNormNormalise(x, null, null, mean, biased, batch, channels, spatial, Eps), y, "y", 2e-2f);
    }

    [Fact]
    public void Folding_into_the_convolution_matches_conv_then_inference_batch_norm()
    {
        var g = new Conv2dGeometry(InChannels: 3, InHeight: 6, InWidth: 5, OutChannels: 4, KernelHeight: 3, KernelWidth: 3,
            StrideHeight: 1, StrideWidth: 1, PadHeight: 1, PadWidth: 1);
        const int batch = 2;
        float[] x = FiniteDifference.Random(batch * g.InSize, 25);
        float[] weight = FiniteDifference.Random(g.WeightSize, 26, 0.5f);
        float[] bias = FiniteDifference.Random(g.OutChannels, 27);
        float[] gamma = Gamma(g.OutChannels, 28), beta = FiniteDifference.Random(g.OutChannels, 29);
        float[] runningMean = FiniteDifference.Random(g.OutChannels, 30);
        float[] runningVar = FiniteDifference.Random(g.OutChannels, 31).Select(v => 1.1f + v).ToArray();
        var workspace = new float[Conv2d.WorkspaceLength(g, batch)];
        int spatial = g.OutHeight * g.OutWidth;

        foreach (bool withBias in new[] { true, false })
        {
            float[] b = withBias ? bias : [];
            var convolved = new float[batch * g.OutSize];
            Conv2d.Forward(g, batch, x, weight, b, convolved, workspace);
            var expected = new float[convolved.Length];
            BatchNorm.ForwardInference(convolved, gamma, beta, runningMean, runningVar, expected, batch, g.OutChannels, spatial);

            var foldedWeight = new float[weight.Length];
            var foldedBias = new float[g.OutChannels];
            BatchNorm.FoldIntoConv(weight, b, g.OutChannels, gamma, beta, runningMean, runningVar, BatchNorm.DefaultEpsilon, foldedWeight, foldedBias);
            var actual = new float[convolved.Length];
            Conv2d.Forward(g, batch, x, foldedWeight, foldedBias, actual, workspace);
            FiniteDifference.AssertNear(expected, actual, withBias ? "folded (bias)" : "folded (no bias)", 1e-4f);
        }

        // In place: the folded parameters may overwrite the originals.
        float[] w2 = (float[])weight.Clone(), b2 = (float[])bias.Clone();
        var fw = new float[weight.Length];
        var fb = new float[g.OutChannels];
        BatchNorm.FoldIntoConv(weight, bias, g.OutChannels, gamma, beta, runningMean, runningVar, BatchNorm.DefaultEpsilon, fw, fb);
        BatchNorm.FoldIntoConv(w2, b2, g.OutChannels, gamma, beta, runningMean, runningVar, BatchNorm.DefaultEpsilon, w2, b2);
        Assert.Equal(fw, w2);
        Assert.Equal(fb, b2);
    }

    [Fact]
    public void Output_may_alias_the_input()
    {
        const int batch = 3, channels = 5, spatial = 7;
        float[] x = Input(batch, channels, spatial, 32);
        float[] gamma = Gamma(channels, 33), beta = FiniteDifference.Random(channels, 34);
        var y = new float[x.Length];
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        BatchNorm.ForwardTraining(x, gamma, beta, y, [], [], saveMean, saveInvStd, batch, channels, spatial);
        float[] inPlace = (float[])x.Clone();
        BatchNorm.ForwardTraining(inPlace, gamma, beta, inPlace, [], [], saveMean, saveInvStd, batch, channels, spatial);
        Assert.Equal(y, inPlace);
    }

    [Fact]
    public void Bad_arguments_name_expected_and_actual_lengths()
    {
        float[] x = new float[2 * 3 * 4], y = new float[x.Length], c3 = new float[3];
        var ex = Assert.Throws<ArgumentException>(() =>
            BatchNorm.ForwardTraining(new float[23], c3, c3, y, c3, c3, c3, c3, 2, 3, 4));
        Assert.Contains("23", ex.Message);
        Assert.Contains("24", ex.Message);
        Assert.Equal("x", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining(x, new float[2], c3, y, c3, c3, c3, c3, 2, 3, 4));
        Assert.Equal("gamma", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x, c3, c3, c3, new float[4], y, 2, 3, 4));
        Assert.Equal("runningVar", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => BatchNorm.Backward(x, c3, c3, c3, y, new float[5], c3, c3, 2, 3, 4));
        Assert.Equal("dx", ex.ParamName);
        // One value per channel has no batch variance: PyTorch refuses it in training mode, and so do we.
        ex = Assert.Throws<ArgumentException>(() =>
            BatchNorm.ForwardTraining(new float[3], c3, c3, new float[3], c3, c3, c3, c3, 1, 3, 1));
        Assert.Contains("more than one value per channel", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining(x, c3, c3, y, c3, c3, c3, c3, 2, 3, 4, momentum: 1.5f));
        Assert.Throws<ArgumentException>(() =>
            BatchNorm.FoldIntoConv(new float[10], [], 3, c3, c3, c3, c3, 1e-5f, new float[10], c3));
    }
}
