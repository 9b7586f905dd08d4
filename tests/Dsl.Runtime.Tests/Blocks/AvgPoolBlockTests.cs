using Xunit;

namespace Dsl.Runtime.Tests.Blocks;

public class AvgPoolBlockTests
{
    public static IEnumerable<object[]> GlobalShapes()
    {
        foreach (int batch in new[] { 1, 2, 7 })
            foreach (int channels in new[] { 1, 3, 17 })
                foreach (var (h, w) in new[] { (1, 1), (1, 5), (5, 1), (7, 7) })
                    yield return [batch, channels, h, w];
    }

    [Theory, MemberData(nameof(GlobalShapes))]
    public void Global_average_pool_matches_reference(int batch, int channels, int height, int width)
    {
        int planes = batch * channels;
        float[] x = FiniteDifference.Random(planes * height * width, 1);
        float[] dy = FiniteDifference.Random(planes, 2);
        var y = new float[planes];
        GlobalAvgPool2d.Forward(batch, channels, height, width, x, y);
        FiniteDifference.AssertNear(BlockReference.AdaptiveAvgPool(x, planes, height, width, 1, 1), y, "y", 1e-6f);
        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        GlobalAvgPool2d.Backward(batch, channels, height, width, dy, dx);
        FiniteDifference.AssertNear(BlockReference.AdaptiveAvgPoolBackward(dy, planes, height, width, 1, 1), dx, "dx", 1e-6f);
    }

    public static IEnumerable<object[]> AdaptiveShapes() =>
    [
        // batch, channels, inH, inW, outH, outW
        [2, 3, 7, 5, 3, 2],    // overlapping bins in both directions
        [1, 17, 7, 7, 1, 1],   // global
        [7, 1, 4, 6, 2, 3],    // exact tiling, same as AvgPool2d(2)
        [2, 3, 3, 2, 5, 4],    // output larger than input (bins repeat inputs)
        [1, 3, 49, 1, 6, 1],
        [2, 1, 5, 13, 4, 7],
        [1, 2, 14, 14, 7, 7],  // a typical head before a classifier
    ];

    [Theory, MemberData(nameof(AdaptiveShapes))]
    public void Adaptive_average_pool_matches_reference(int batch, int channels, int inH, int inW, int outH, int outW)
    {
        int planes = batch * channels;
        float[] x = FiniteDifference.Random(planes * inH * inW, 3);
        float[] dy = FiniteDifference.Random(planes * outH * outW, 4);
        var y = new float[planes * outH * outW];
        AdaptiveAvgPool2d.Forward(batch, channels, inH, inW, outH, outW, x, y);
        FiniteDifference.AssertNear(BlockReference.AdaptiveAvgPool(x, planes, inH, inW, outH, outW), y, "y", 1e-6f);
        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        AdaptiveAvgPool2d.Backward(batch, channels, inH, inW, outH, outW, dy, dx);
        FiniteDifference.AssertNear(BlockReference.AdaptiveAvgPoolBackward(dy, planes, inH, inW, outH, outW), dx, "dx", 1e-6f);
    }

    [Fact]
    public void Bins_follow_PyTorch()
    {
        // torch.nn.AdaptiveAvgPool1d(3) on length 7 averages [0,3), [2,5), [4,7); to 5 from 3: [0,1), [0,2), [1,2), [1,3), [2,3).
        Assert.Equal([(0, 3), (2, 5), (4, 7)], Enumerable.Range(0, 3).Select(i => (AdaptiveAvgPool2d.BinStart(i, 7, 3), AdaptiveAvgPool2d.BinEnd(i, 7, 3))));
        Assert.Equal([(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)], Enumerable.Range(0, 5).Select(i => (AdaptiveAvgPool2d.BinStart(i, 3, 5), AdaptiveAvgPool2d.BinEnd(i, 3, 5))));
        for (int input = 1; input <= 40; input++)
            for (int output = 1; output <= 40; output++)
                for (int i = 0; i < output; i++)
                    Assert.Equal(BlockReference.Bin(i, input, output), (AdaptiveAvgPool2d.BinStart(i, input, output), AdaptiveAvgPool2d.BinEnd(i, input, output)));
    }

    [Fact]
    public void Tiling_adaptive_pool_equals_average_pool()
    {
        const int batch = 2, channels = 3;
        float[] x = FiniteDifference.Random(batch * channels * 8 * 6, 5);
        var adaptive = new float[batch * channels * 4 * 3];
        var pooled = new float[adaptive.Length];
        AdaptiveAvgPool2d.Forward(batch, channels, 8, 6, 4, 3, x, adaptive);
        AvgPool2d.Forward(new Pool2dGeometry(channels, 8, 6, 2, 2, 2, 2, 0, 0), batch, x, pooled);
        FiniteDifference.AssertNear(pooled, adaptive, "y", 1e-6f);
    }

    [Theory]
    [InlineData(2, 3, 5, 4, 1, 1)]
    [InlineData(2, 2, 7, 5, 3, 2)]
    [InlineData(1, 2, 3, 2, 5, 4)]
    public void Gradients_match_finite_differences(int batch, int channels, int inH, int inW, int outH, int outW)
    {
        int planes = batch * channels;
        float[] x = FiniteDifference.Random(planes * inH * inW, 6);
        float[] r = FiniteDifference.Random(planes * outH * outW, 7);
        float[] Adaptive()
        {
            var y = new float[planes * outH * outW];
            AdaptiveAvgPool2d.Forward(batch, channels, inH, inW, outH, outW, x, y);
            return y;
        }
        var dx = new float[x.Length];
        AdaptiveAvgPool2d.Backward(batch, channels, inH, inW, outH, outW, r, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Adaptive, r), "adaptive dx");

        if (outH != 1 || outW != 1) return;
        float[] Global()
        {
            var y = new float[planes];
            GlobalAvgPool2d.Forward(batch, channels, inH, inW, x, y);
            return y;
        }
        GlobalAvgPool2d.Backward(batch, channels, inH, inW, r, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Global, r), "global dx");
    }

    [Fact]
    public void Bad_arguments_name_expected_and_actual_lengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => GlobalAvgPool2d.Forward(2, 3, 4, 4, new float[96], new float[5]));
        Assert.Equal("y", ex.ParamName);
        Assert.Contains("6", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => AdaptiveAvgPool2d.Backward(2, 3, 4, 4, 2, 2, new float[24], new float[95]));
        Assert.Equal("dx", ex.ParamName);
        Assert.Contains("96", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AdaptiveAvgPool2d.Forward(1, 1, 4, 4, 0, 2, new float[16], []));
    }
}
