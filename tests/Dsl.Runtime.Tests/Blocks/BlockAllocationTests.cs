using Xunit;

namespace Dsl.Runtime.Tests.Blocks;

// One test changes the process-wide Parallelism.MaxDegree, so these run alone.
[Collection(nameof(ParallelismCollection))]
public class BlockAllocationTests
{
    [Fact]
    public void Block_kernels_allocate_nothing_after_warm_up()
    {
        // Large enough that the kernels split work over Parallelism (when more than one core is allowed).
        const int batch = 8, channels = 16, h = 14, w = 14, spatial = h * w;
        int length = batch * channels * spatial;
        float[] x = FiniteDifference.Random(length, 1), y = new float[length], dy = FiniteDifference.Random(length, 2), dx = new float[length];
        float[] gamma = FiniteDifference.Random(channels, 3), beta = new float[channels], dGamma = new float[channels], dBeta = new float[channels];
        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        float[] pooled = new float[batch * channels], adaptive = new float[batch * channels * 9];
        float[] rowMean = new float[batch * channels], rowInvStd = new float[batch * channels], lnGamma = FiniteDifference.Random(spatial, 4), lnBeta = new float[spatial];
        float[] lnDGamma = new float[spatial], lnDBeta = new float[spatial];
        float[] concat = new float[2 * length];
        float[] weight = FiniteDifference.Random(channels * 9, 5), foldedWeight = new float[channels * 9], foldedBias = new float[channels];

        void Step()
        {
            BatchNorm.ForwardTraining(x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd, batch, channels, spatial);
            BatchNorm.Backward(x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta, batch, channels, spatial);
            BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, y, batch, channels, spatial);
            // Dense layout: the same tensor read as (batch·spatial, channels) rows.
            BatchNorm.ForwardTraining(x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd, batch * spatial, channels, 1);
            BatchNorm.Backward(x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta, batch * spatial, channels, 1);
            BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, y, batch * spatial, channels, 1);
            BatchNorm.FoldIntoConv(weight, [], channels, gamma, beta, runningMean, runningVar, 1e-5f, foldedWeight, foldedBias);
            LayerNorm.Forward(x, lnGamma, lnBeta, y, rowMean, rowInvStd, batch * channels, spatial);
            LayerNorm.Backward(x, lnGamma, rowMean, rowInvStd, dy, dx, lnDGamma, lnDBeta, batch * channels, spatial);
            GlobalAvgPool2d.Forward(batch, channels, h, w, x, pooled);
            GlobalAvgPool2d.Backward(batch, channels, h, w, pooled, dx);
            AdaptiveAvgPool2d.Forward(batch, channels, h, w, 3, 3, x, adaptive);
            AdaptiveAvgPool2d.Backward(batch, channels, h, w, 3, 3, adaptive, dx);
            Merge.Add(x, dy, y);
            Merge.AddBackward(dy, dx, y);
            Merge.Accumulate(dy, dx);
            Merge.Concat(batch, spatial, x, channels, dy, channels, concat);
            Merge.Split(batch, spatial, concat, y, channels, dx, channels);
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(8, 16, 196)]
    [InlineData(64, 300, 1)]
    public void Parallel_and_single_threaded_results_agree(int batch, int channels, int spatial)
    {
        int length = batch * channels * spatial;
        float[] x = FiniteDifference.Random(length, 6), dy = FiniteDifference.Random(length, 7);
        float[] gamma = FiniteDifference.Random(channels, 8);
        float[] Run()
        {
            float[] y = new float[length], dx = new float[length], dGamma = new float[channels], dBeta = new float[channels];
            float[] mean = new float[channels], invStd = new float[channels];
            BatchNorm.ForwardTraining(x, gamma, [], y, [], [], mean, invStd, batch, channels, spatial);
            BatchNorm.Backward(x, gamma, mean, invStd, dy, dx, dGamma, dBeta, batch, channels, spatial);
            return [.. y, .. dx, .. dGamma, .. dBeta];
        }

        float[] parallel = Run();
        int saved = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = 1;
            Assert.Equal(Run(), parallel);
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }
}
