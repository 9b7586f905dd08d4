using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The fused inference convolution (<see cref="Conv2d.ForwardInference"/>) against a double-precision reference,
/// on the AVX-512 and the portable micro-kernels and on one and two threads (both process-wide switches, so these run alone).</summary>
[Collection(nameof(ParallelismCollection))]
public class ImplicitConv2dTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, batch
        new object[] { 3, 32, 32, 64, 3, 3, 1, 1, 1, 1, 2 },   // ResNet stem: 32-column rows, reduction 27
        new object[] { 16, 8, 8, 24, 3, 3, 1, 1, 1, 1, 3 },    // 64 positions: tiles within one example
        new object[] { 16, 8, 8, 16, 3, 3, 2, 2, 1, 1, 5 },    // stride 2, 4×4 outputs: tiles span examples
        new object[] { 8, 8, 8, 16, 1, 1, 2, 2, 0, 0, 4 },     // 1×1 stride-2 projection
        new object[] { 20, 6, 6, 13, 1, 1, 1, 1, 0, 0, 2 },    // 1×1, channels not multiples of 8 or 16
        new object[] { 5, 7, 9, 11, 3, 2, 1, 2, 1, 0, 3 },     // rectangular, odd sizes, ragged tiles and rows
        new object[] { 150, 4, 4, 17, 3, 3, 1, 1, 1, 1, 1 },   // reduction 1,350: several depth blocks, 16 columns at batch 1
        new object[] { 64, 4, 4, 40, 3, 3, 1, 1, 1, 1, 1 },    // batch 1, few columns: split by output channel
        new object[] { 4, 40, 40, 8, 3, 3, 1, 1, 2, 2, 2 },    // rows longer than a tile, wide padding
        new object[] { 2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 1 },      // kernel covers the input: one column
        new object[] { 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 6 },  // many column blocks, both threads busy
        // From 256 columns on the weights are packed into panels of 12 and 8 rows; stride-1 layers whose rows keep their
        // width and whose maps are whole 16-column vectors pack their im2col tiles with shifted masked loads.
        new object[] { 20, 8, 8, 28, 3, 3, 1, 1, 1, 1, 5 },    // 28 rows = 12 + 8 + 8, depth 180: a partial depth block
        new object[] { 7, 16, 16, 13, 3, 3, 1, 1, 1, 1, 1 },   // batch 1 with 256 columns, 13 rows padded to two 8-row panels
        new object[] { 9, 4, 4, 20, 3, 3, 1, 1, 1, 1, 17 },    // 272 columns: a 16-column last tile; 4×4 maps, 20 = 12 + 8
        new object[] { 6, 12, 12, 40, 5, 5, 1, 1, 2, 2, 2 },   // 5×5 taps, 144-position maps, 40 = 12 + 12 + 8 + 8
        new object[] { 24, 16, 16, 36, 1, 1, 1, 1, 0, 0, 2 },  // 1×1 stride 1, 36 = 3 · 12
        new object[] { 16, 16, 16, 44, 3, 3, 2, 2, 1, 1, 4 },  // stride 2 with packed weights, 44 = 3 · 12 + 8
        new object[] { 40, 8, 8, 64, 1, 1, 2, 2, 0, 0, 16 },   // 1×1 stride-2 projection, 64 = 4 · 12 + 8 + 8
        new object[] { 3, 10, 10, 5, 3, 3, 1, 1, 1, 1, 3 },    // 100-position maps (vectors would span examples), 5 rows
    ];

    private static double[] ReferenceConv(Conv2dGeometry g, int batch, float[] x, float[] w)
    {
        var y = new double[batch * g.OutSize];
        for (int n = 0; n < batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        double s = 0;
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ih = oh * g.StrideHeight - g.PadHeight + ki, iw = ow * g.StrideWidth - g.PadWidth + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    s += (double)w[((co * g.InChannels + ci) * g.KernelHeight + ki) * g.KernelWidth + kj]
                                        * x[((n * g.InChannels + ci) * g.InHeight + ih) * g.InWidth + iw];
                                }
                        y[((n * g.OutChannels + co) * g.OutHeight + oh) * g.OutWidth + ow] = s;
                    }
        return y;
    }

    private static float[] Random(int length, int seed)
    {
        var rng = new System.Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReferenceWithEveryEpilogue(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = Random(batch * g.InSize, 1), weight = Random(g.WeightSize, 2);
        float[] scale = Random(cout, 3), shift = Random(cout, 4), residual = Random(batch * g.OutSize, 5);
        double[] conv = ReferenceConv(g, batch, x, weight);
        double tolerance = 1e-5 * Math.Sqrt(cin * kh * kw) + 1e-6;

        bool savedAvx = ImplicitConv2d.UseAvx512;
        int savedDegree = Parallelism.MaxDegree;
        try
        {
            foreach (bool avx in ImplicitConv2d.UseAvx512 ? new[] { true, false } : new[] { false })
                foreach (int degree in new[] { 1, 2 })
                    foreach (bool withScale in new[] { false, true })
                        foreach (bool withResidual in new[] { false, true })
                            foreach (bool relu in new[] { false, true })
                            {
                                ImplicitConv2d.UseAvx512 = avx;
                                Parallelism.MaxDegree = degree;
                                var y = new float[batch * g.OutSize];
                                y.AsSpan().Fill(float.NaN);
                                Conv2d.ForwardInference(g, batch, x, weight, withScale ? scale : default, withScale ? shift : default,
                                    withResidual ? residual : default, relu, y);
                                for (int i = 0; i < y.Length; i++)
                                {
                                    int co = i / (g.OutHeight * g.OutWidth) % cout;
                                    double e = withScale ? conv[i] * scale[co] + shift[co] : conv[i];
                                    if (withResidual) e += residual[i];
                                    if (relu) e = Math.Max(e, 0);
                                    if (!(Math.Abs(y[i] - e) <= tolerance * (1 + Math.Abs(e))))
                                        Assert.Fail($"avx={avx} degree={degree} scale={withScale} residual={withResidual} relu={relu}: y[{i}] = {y[i]}, expected {e}");
                                }
                            }
        }
        finally
        {
            ImplicitConv2d.UseAvx512 = savedAvx;
            Parallelism.MaxDegree = savedDegree;
        }
    }

    [Fact]
    public void ResidualMayBeTheOutputItself()
    {
        var g = new Conv2dGeometry(6, 9, 9, 10, 3, 3, 1, 1, 1, 1);
        const int batch = 3;
        float[] x = Random(batch * g.InSize, 7), weight = Random(g.WeightSize, 8), residual = Random(batch * g.OutSize, 9);
        float[] shift = Random(10, 10);
        var expected = new float[residual.Length];
        Conv2d.ForwardInference(g, batch, x, weight, default, shift, residual, relu: true, expected);
        float[] inPlace = (float[])residual.Clone();
        Conv2d.ForwardInference(g, batch, x, weight, default, shift, inPlace, relu: true, inPlace);
        Assert.Equal(expected, inPlace);
    }

    [Fact]
    public void MatchesTheTrainingPathWithBatchNormFolded()
    {
        // Conv2d.Forward then BatchNorm.ForwardInference, versus the folded scale and shift (with a conv bias folded too).
        var g = new Conv2dGeometry(12, 10, 10, 20, 3, 3, 2, 2, 1, 1);
        const int batch = 4;
        float[] x = Random(batch * g.InSize, 11), weight = Random(g.WeightSize, 12), bias = Random(20, 13);
        float[] gamma = Random(20, 14), beta = Random(20, 15), mean = Random(20, 16), variance = Random(20, 17);
        for (int i = 0; i < variance.Length; i++) variance[i] = Math.Abs(variance[i]) + 0.1f;
        var conv = new float[batch * g.OutSize];
        var expected = new float[conv.Length];
        Conv2d.Forward(g, batch, x, weight, bias, conv, new float[Conv2d.WorkspaceLength(g, batch)]);
        BatchNorm.ForwardInference(conv, gamma, beta, mean, variance, expected, batch, 20, g.OutHeight * g.OutWidth, eps: 1e-3f);

        var scale = new float[20];
        var shift = new float[20];
        BatchNorm.InferenceScaleShift(gamma, beta, mean, variance, bias, scale, shift, eps: 1e-3f);
        var y = new float[conv.Length];
        Conv2d.ForwardInference(g, batch, x, weight, scale, shift, default, relu: false, y);
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"y[{i}] = {y[i]}, expected {expected[i]}");
    }

    [Fact]
    public void RejectsOverlapsAndGroups()
    {
        var g = new Conv2dGeometry(2, 4, 4, 2, 3, 3, 1, 1, 1, 1);
        var buffer = new float[64];
        float[] weight = new float[g.WeightSize];
        Assert.Throws<ArgumentException>(() => Conv2d.ForwardInference(g, 1, buffer.AsSpan(0, 32), weight, default, default, default, false, buffer.AsSpan(16, 32)));
        var y = new float[64];
        Assert.Throws<ArgumentException>(() => Conv2d.ForwardInference(g, 1, buffer.AsSpan(0, 32), weight, default, default, y.AsSpan(1, 32), false, y.AsSpan(0, 32)));
        var grouped = g with { Groups = 2 };
        Assert.Throws<ArgumentException>(() => Conv2d.ForwardInference(grouped, 1, buffer.AsSpan(0, 32), new float[grouped.WeightSize], default, default, default, false, y.AsSpan(0, 32)));
    }
}
