using Xunit;

namespace Dsl.Runtime.Tests;

public class Pool2dTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        // C, H, W, kh, kw, sh, sw, ph, pw, batch
        new object[] { 6, 28, 28, 2, 2, 2, 2, 0, 0, 3 },  // LeNet pool1, tiling fast path
        new object[] { 3, 7, 9, 2, 2, 2, 2, 0, 0, 2 },    // odd sizes leave a row and column uncovered
        new object[] { 2, 9, 19, 2, 2, 2, 2, 0, 0, 2 },   // vector fast path with an overlapping last step and odd width
        new object[] { 2, 9, 8, 3, 3, 2, 2, 1, 1, 2 },    // overlapping, padded (ResNet stem style)
        new object[] { 2, 6, 7, 3, 2, 3, 2, 0, 0, 2 },    // tiling, rectangular
        new object[] { 1, 5, 5, 3, 3, 1, 1, 1, 1, 1 },
        new object[] { 4, 10, 6, 4, 2, 3, 1, 2, 1, 1 },
    ];

    private static (int H0, int H1, int W0, int W1) Window(Pool2dGeometry g, int oh, int ow)
    {
        int h0 = oh * g.StrideHeight - g.PadHeight, w0 = ow * g.StrideWidth - g.PadWidth;
        return (Math.Max(h0, 0), Math.Min(h0 + g.KernelHeight, g.InHeight), Math.Max(w0, 0), Math.Min(w0 + g.KernelWidth, g.InWidth));
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MaxPoolMatchesScalarReference(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Pool2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw);
        CheckMaxPool(g, batch, FiniteDifference.Distinct(batch * g.InSize, 1, 0.01f));
        // Three distinct values make ties in most windows: the gradient must go to the first maximum in row-major order.
        CheckMaxPool(g, batch, FiniteDifference.Random(batch * g.InSize, 2).Select(v => MathF.Round(v)).ToArray());
    }

    private static void CheckMaxPool(Pool2dGeometry g, int batch, float[] x)
    {
        int c = g.Channels, h = g.InHeight, w = g.InWidth;
        float[] dy = FiniteDifference.Random(batch * g.OutSize, 2);
        var expectedY = new float[batch * g.OutSize];
        var expectedDx = new float[x.Length];
        for (int p = 0; p < batch * c; p++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (h0, h1, w0, w1) = Window(g, oh, ow);
                    float best = float.NegativeInfinity;
                    int at = -1;
                    for (int i = h0; i < h1; i++)
                        for (int j = w0; j < w1; j++)
                            if (x[(p * h + i) * w + j] > best) { best = x[(p * h + i) * w + j]; at = (p * h + i) * w + j; }
                    int o = (p * g.OutHeight + oh) * g.OutWidth + ow;
                    expectedY[o] = best;
                    expectedDx[at] += dy[o];
                }

        var y = new float[expectedY.Length];
        MaxPool2d.Forward(g, batch, x, y);
        Assert.Equal(expectedY, y);
        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        MaxPool2d.Backward(g, batch, x, y, dy, dx);
        FiniteDifference.AssertNear(expectedDx, dx, "dx", 1e-6f);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void AvgPoolMatchesScalarReference(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Pool2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 3);
        float[] dy = FiniteDifference.Random(batch * g.OutSize, 4);
        var expectedY = new float[batch * g.OutSize];
        var expectedDx = new float[x.Length];
        float divisor = kh * kw; // padding counts (count_include_pad)
        for (int p = 0; p < batch * c; p++)
            for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (h0, h1, w0, w1) = Window(g, oh, ow);
                    int o = (p * g.OutHeight + oh) * g.OutWidth + ow;
                    float sum = 0;
                    for (int i = h0; i < h1; i++)
                        for (int j = w0; j < w1; j++)
                        {
                            sum += x[(p * h + i) * w + j];
                            expectedDx[(p * h + i) * w + j] += dy[o] / divisor;
                        }
                    expectedY[o] = sum / divisor;
                }

        var y = new float[expectedY.Length];
        AvgPool2d.Forward(g, batch, x, y);
        FiniteDifference.AssertNear(expectedY, y, "y", 1e-5f);
        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        AvgPool2d.Backward(g, batch, dy, dx);
        FiniteDifference.AssertNear(expectedDx, dx, "dx", 1e-5f);
    }

    [Theory]
    [InlineData(2, 6, 6, 2, 2, 2, 2, 0, 0, 2)]
    [InlineData(2, 7, 6, 3, 3, 2, 2, 1, 1, 2)]
    public void MaxPoolGradientMatchesFiniteDifferences(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Pool2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw);
        // Spaced well beyond the step, so perturbing one input never changes which one wins.
        float[] x = FiniteDifference.Distinct(batch * g.InSize, 5, 0.05f);
        float[] r = FiniteDifference.Random(batch * g.OutSize, 6);
        float[] Run()
        {
            var y = new float[batch * g.OutSize];
            MaxPool2d.Forward(g, batch, x, y);
            return y;
        }

        var dx = new float[x.Length];
        MaxPool2d.Backward(g, batch, x, Run(), r, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
    }

    [Theory]
    [InlineData(2, 6, 6, 2, 2, 2, 2, 0, 0, 2)]
    [InlineData(2, 7, 6, 3, 3, 2, 2, 1, 1, 2)]
    [InlineData(1, 5, 5, 3, 2, 1, 2, 1, 1, 1)]
    public void AvgPoolGradientMatchesFiniteDifferences(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Pool2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 7);
        float[] r = FiniteDifference.Random(batch * g.OutSize, 8);
        float[] Run()
        {
            var y = new float[batch * g.OutSize];
            AvgPool2d.Forward(g, batch, x, y);
            return y;
        }

        var dx = new float[x.Length];
        AvgPool2d.Backward(g, batch, r, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
    }

    [Fact]
    public void MaxPoolRoutesTiesToTheFirstPosition()
    {
        var g = new Pool2dGeometry(1, 2, 2, 2, 2, 2, 2, 0, 0);
        float[] x = [1, 3, 3, 3];
        var y = new float[1];
        MaxPool2d.Forward(g, 1, x, y);
        var dx = new float[4];
        MaxPool2d.Backward(g, 1, x, y, [2f], dx);
        Assert.Equal(new float[] { 0, 2, 0, 0 }, dx);
    }

    [Fact]
    public void WrongLengthNamesExpectedAndActual()
    {
        var g = new Pool2dGeometry(2, 4, 4, 2, 2, 2, 2, 0, 0);
        var error = Assert.Throws<ArgumentException>(() => MaxPool2d.Forward(g, 2, new float[63], new float[16]));
        Assert.Contains("63", error.Message);
        Assert.Contains("64", error.Message);
    }
}
