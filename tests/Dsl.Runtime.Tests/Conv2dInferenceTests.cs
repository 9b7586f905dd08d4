using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// <see cref="Conv2d.ForwardInference(in Conv2dGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, bool, bool, Span{float}, Span{float})"/>
/// (bias, ReLU and 2×2 max pool in one pass where <c>WideConv2d</c> applies, the implicit-GEMM convolution then the pool
/// elsewhere) against <see cref="Conv2d.Forward"/>, <see cref="Activations.Relu"/> and <see cref="MaxPool2d.Forward"/>.
/// </summary>
// Parallelism.MaxDegree and ImplicitConv2d.UseAvx512 are process-wide.
[Collection(nameof(ParallelismCollection))]
public class Conv2dInferenceTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Shapes()
    {
        // Cin, H, W, Cout, kernel, stride, pad, batch
        var data = new TheoryData<int, int, int, int, int, int, int, int>
        {
            { 1, 28, 28, 6, 5, 1, 2, 3 },   // LeNet conv1 (wide): 14 pooled columns, vector pooling with an overlapping step
            { 6, 14, 14, 16, 5, 1, 0, 5 },  // LeNet conv2 (wide): 5 pooled columns, scalar pooling
            { 3, 13, 11, 5, 3, 1, 1, 2 },   // odd output (13×11): the last row and column are dropped
            { 2, 19, 19, 4, 3, 1, 1, 1 },   // 19 wide: 9 pooled columns, one vector step and an overlapping one
            { 3, 16, 16, 8, 3, 2, 1, 3 },   // stride 2: not the wide path; implicit GEMM, then the pool through the scratch
            { 4, 9, 9, 7, 3, 2, 0, 2 },     // stride 2, odd 4×4 → 2×2
        };
        return data;
    }

    private static (float[] Conv, float[] Relu, float[] Pooled, float[] PooledRelu) Layered(Conv2dGeometry g, int batch, float[] x, float[] w, float[] b)
    {
        var conv = new float[batch * g.OutSize];
        Conv2d.Forward(g, batch, x, w, b, conv, new float[Conv2d.WorkspaceLength(g, batch)]);
        float[] relu = conv.ToArray();
        Activations.Relu(relu, relu);
        var pool = new Pool2dGeometry(g.OutChannels, g.OutHeight, g.OutWidth, 2, 2, 2, 2, 0, 0);
        var pooled = new float[batch * pool.OutSize];
        MaxPool2d.Forward(pool, batch, conv, pooled);
        var pooledRelu = new float[batch * pool.OutSize];
        MaxPool2d.Forward(pool, batch, relu, pooledRelu);
        return (conv, relu, pooled, pooledRelu);
    }

    private static void AssertClose(float[] expected, float[] actual, string when)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"{when}: y[{i}] = {actual[i]}, expected {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_convolution_relu_and_pool_layer_by_layer(int cin, int h, int w, int cout, int k, int stride, int pad, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, k, k, stride, stride, pad, pad);
        float[] x = FiniteDifference.Random(batch * g.InSize, 1), weight = FiniteDifference.Random(g.WeightSize, 2);
        float[] bias = FiniteDifference.Random(cout, 3);
        (float[] conv, float[] relu, float[] pooled, float[] pooledRelu) = Layered(g, batch, x, weight, bias);
        int pooledSize = batch * cout * (g.OutHeight / 2) * (g.OutWidth / 2);
        bool savedAvx = ImplicitConv2d.UseAvx512;
        try
        {
            foreach (bool avx in savedAvx ? new[] { true, false } : new[] { false })
                foreach (int degree in new[] { 1, 2 })
                {
                    ImplicitConv2d.UseAvx512 = avx;
                    GemmTests.WithDegree(degree, () =>
                    {
                        string when = $"avx {avx}, degree {degree}";
                        var y = new float[pooledSize];
                        var scratch = new float[batch * g.OutSize];
                        Conv2d.ForwardInference(g, batch, x, weight, bias, relu: true, maxPool2x2: true, y, scratch);
                        AssertClose(pooledRelu, y, when + ", relu and pool");
                        Conv2d.ForwardInference(g, batch, x, weight, bias, relu: false, maxPool2x2: true, y, scratch);
                        AssertClose(pooled, y, when + ", pool");
                        var full = new float[batch * g.OutSize];
                        Conv2d.ForwardInference(g, batch, x, weight, bias, relu: true, maxPool2x2: false, full, default);
                        AssertClose(relu, full, when + ", relu");
                        Conv2d.ForwardInference(g, batch, x, weight, default, relu: false, maxPool2x2: false, full, default);
                        var noBias = new float[batch * g.OutSize];
                        Conv2d.Forward(g, batch, x, weight, default, noBias, new float[Conv2d.WorkspaceLength(g, batch)]);
                        AssertClose(noBias, full, when + ", no bias");
                    });
                }
        }
        finally
        {
            ImplicitConv2d.UseAvx512 = savedAvx;
        }
    }

    [Fact]
    public void The_one_pass_path_gives_the_bits_of_the_layered_kernels()
    {
        // Rounding the bias sum and the ReLU are monotone, so pooling before them changes nothing, to the bit.
        var g = new Conv2dGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2);
        const int batch = 4;
        float[] x = FiniteDifference.Random(batch * g.InSize, 7), weight = FiniteDifference.Random(g.WeightSize, 8);
        float[] bias = FiniteDifference.Random(6, 9);
        (_, _, _, float[] pooledRelu) = Layered(g, batch, x, weight, bias);
        var y = new float[pooledRelu.Length];
        Conv2d.ForwardInference(g, batch, x, weight, bias, relu: true, maxPool2x2: true, y, default);
        Assert.Equal(pooledRelu, y);
    }

    [Fact]
    public void Pooling_outside_the_wide_path_needs_the_scratch()
    {
        var g = new Conv2dGeometry(3, 16, 16, 8, 3, 3, 2, 2, 1, 1);
        var x = new float[g.InSize];
        var y = new float[8 * 4 * 4];
        var ex = Assert.Throws<ArgumentException>(() =>
            Conv2d.ForwardInference(g, 1, x, new float[g.WeightSize], default, true, true, y, new float[g.OutSize - 1]));
        Assert.Equal("unpooled", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() =>
            Conv2d.ForwardInference(g, 1, x, new float[g.WeightSize], default, true, true, new float[8 * 4 * 4 + 1], new float[g.OutSize]));
        Assert.Equal("y", ex.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SteadyState_AllocatesNothing(int degree)
    {
        GemmTests.WithDegree(degree, () =>
        {
            var g1 = new Conv2dGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2);
            var g2 = new Conv2dGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0);
            const int batch = 8;
            float[] x = FiniteDifference.Random(batch * g1.InSize, 1), w1 = FiniteDifference.Random(g1.WeightSize, 2);
            float[] w2 = FiniteDifference.Random(g2.WeightSize, 3), b1 = new float[6], b2 = new float[16];
            var p1 = new float[batch * 6 * 14 * 14];
            var p2 = new float[batch * 16 * 5 * 5];
            ParallelismTests.AssertNoAllocationOnThread(() =>
            {
                Conv2d.ForwardInference(g1, batch, x, w1, b1, relu: true, maxPool2x2: true, p1, default);
                Conv2d.ForwardInference(g2, batch, p1, w2, b2, relu: true, maxPool2x2: true, p2, default);
            });
        });
    }
}
