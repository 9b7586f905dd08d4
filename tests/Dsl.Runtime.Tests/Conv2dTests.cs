using Xunit;

namespace Dsl.Runtime.Tests;

public class Conv2dTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, batch
        new object[] { 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 3 },   // LeNet conv1
        new object[] { 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 2 },  // LeNet conv2
        new object[] { 3, 7, 9, 5, 3, 2, 2, 1, 1, 0, 3 },     // rectangular kernel, stride in one axis
        new object[] { 2, 8, 7, 3, 3, 3, 2, 2, 1, 1, 2 },
        new object[] { 5, 6, 5, 7, 1, 1, 1, 1, 0, 0, 2 },     // pointwise: no lowering
        new object[] { 4, 5, 6, 3, 1, 1, 2, 2, 0, 0, 2 },     // 1×1 with stride is lowered
        new object[] { 3, 5, 5, 2, 5, 5, 1, 1, 0, 0, 1 },     // kernel covers the input
        new object[] { 2, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2 },     // wide padding, stride 3
        new object[] { 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1 },
        new object[] { 3, 9, 11, 4, 2, 4, 1, 3, 1, 2, 2 },
        new object[] { 2, 6, 7, 3, 3, 3, 1, 1, 0, 1, 2 },     // rows of 7: the 128-bit copy path
        new object[] { 2, 5, 17, 3, 3, 1, 1, 1, 1, 0, 2 },    // rows of 17: one full vector and an overlapping one
        new object[] { 3, 6, 40, 2, 2, 5, 2, 1, 0, 2, 2 },    // rows of 40 with row stride 2
        new object[] { 2, 4, 9, 2, 3, 2, 1, 1, 1, 0, 3 },     // wide lowering with height padding only
        new object[] { 2, 6, 9, 3, 3, 3, 1, 1, 1, 1, 2 },     // direct forward: 8-wide segments, fewer than 4 channels
        new object[] { 1, 5, 20, 5, 2, 3, 1, 1, 0, 1, 2 },    // direct forward: 16-wide segments, a channel block and a remainder
        new object[] { 1, 3, 44, 4, 1, 5, 1, 1, 0, 0, 2 },    // direct forward: a segment pair, then a single overlapping segment
        new object[] { 16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 8 }, // more examples than one chunk holds
        new object[] { 2, 9, 12, 9, 3, 4, 1, 1, 1, 2, 5 },    // wide direct path: blocks of three channels, more examples than threads
        new object[] { 3, 7, 8, 5, 4, 3, 1, 1, 3, 0, 3 },     // wide direct path: a ragged channel block, padding as large as the kernel allows
        new object[] { 40, 9, 9, 3, 7, 7, 1, 1, 0, 0, 2 },
        new object[] { 1, 6, 6, 2, 3, 3, 1, 1, 1, 1, 37 },    // wide direct path: several weight-gradient chunks per part    // reduction too long for the direct path: lowered
    ];

    internal static float[] ReferenceForward(Conv2dGeometry g, int batch, float[] x, float[] w, float[] b)
    {
        var y = new float[batch * g.OutSize];
        for (int n = 0; n < batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        double s = b.Length == 0 ? 0 : b[co];
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ih = oh * g.StrideHeight - g.PadHeight + ki, iw = ow * g.StrideWidth - g.PadWidth + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    s += (double)w[((co * g.InChannels + ci) * g.KernelHeight + ki) * g.KernelWidth + kj]
                                        * x[((n * g.InChannels + ci) * g.InHeight + ih) * g.InWidth + iw];
                                }
                        y[((n * g.OutChannels + co) * g.OutHeight + oh) * g.OutWidth + ow] = (float)s;
                    }
        return y;
    }

    internal static (float[] Dx, float[] Dw, float[] Db) ReferenceBackward(Conv2dGeometry g, int batch, float[] x, float[] w, float[] dy)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[g.OutChannels];
        for (int n = 0; n < batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        double d = dy[((n * g.OutChannels + co) * g.OutHeight + oh) * g.OutWidth + ow];
                        db[co] += d;
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ih = oh * g.StrideHeight - g.PadHeight + ki, iw = ow * g.StrideWidth - g.PadWidth + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    int wi = ((co * g.InChannels + ci) * g.KernelHeight + ki) * g.KernelWidth + kj;
                                    int xi = ((n * g.InChannels + ci) * g.InHeight + ih) * g.InWidth + iw;
                                    dw[wi] += d * x[xi];
                                    dx[xi] += d * w[wi];
                                }
                    }
        return (dx.Select(v => (float)v).ToArray(), dw.Select(v => (float)v).ToArray(), db.Select(v => (float)v).ToArray());
    }

    [Theory, MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchScalarReference(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 1), weight = FiniteDifference.Random(g.WeightSize, 2);
        float[] bias = FiniteDifference.Random(cout, 3), dy = FiniteDifference.Random(batch * g.OutSize, 4);
        // Garbage in the workspace must not leak into results.
        float[] workspace = Enumerable.Repeat(float.NaN, Conv2d.WorkspaceLength(g, batch)).ToArray();

        var y = new float[batch * g.OutSize];
        Conv2d.Forward(g, batch, x, weight, bias, y, workspace);
        FiniteDifference.AssertNear(ReferenceForward(g, batch, x, weight, bias), y, "y");
        Conv2d.Forward(g, batch, x, weight, [], y, workspace);
        FiniteDifference.AssertNear(ReferenceForward(g, batch, x, weight, []), y, "y without bias");

        var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        var dw = Enumerable.Repeat(float.NaN, weight.Length).ToArray();
        var db = Enumerable.Repeat(float.NaN, cout).ToArray();
        Conv2d.Backward(g, batch, x, weight, dy, dx, dw, db, workspace);
        var expected = ReferenceBackward(g, batch, x, weight, dy);
        FiniteDifference.AssertNear(expected.Dx, dx, "dx");
        FiniteDifference.AssertNear(expected.Dw, dw, "dW");
        FiniteDifference.AssertNear(expected.Db, db, "db");

        // A first layer asks for no dx; dW and db must not depend on it.
        Array.Fill(dw, float.NaN);
        Array.Fill(db, float.NaN);
        Conv2d.Backward(g, batch, x, weight, dy, [], dw, db, workspace);
        FiniteDifference.AssertNear(expected.Dw, dw, "dW without dx");
        FiniteDifference.AssertNear(expected.Db, db, "db without dx");
        Conv2d.Backward(g, batch, x, weight, dy, [], dw, [], workspace);
        FiniteDifference.AssertNear(expected.Dw, dw, "dW without dx or db");
    }

    [Theory]
    [InlineData(2, 5, 6, 3, 3, 2, 2, 1, 1, 1, 2)]
    [InlineData(3, 6, 6, 2, 3, 3, 1, 1, 0, 0, 2)]
    [InlineData(2, 7, 5, 2, 3, 3, 2, 2, 1, 1, 1)]
    [InlineData(3, 4, 4, 2, 1, 1, 1, 1, 0, 0, 2)]
    [InlineData(2, 4, 9, 2, 3, 2, 1, 1, 1, 0, 2)]   // wide lowering: padded width 9 against 8 outputs per row
    [InlineData(1, 4, 18, 2, 3, 3, 1, 1, 1, 1, 2)]  // direct forward: rows of 18
    [InlineData(2, 6, 5, 6, 3, 3, 1, 1, 2, 1, 3)]   // wide direct path: three-channel blocks, padding wider than needed
    public void GradientMatchesFiniteDifferences(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 5), weight = FiniteDifference.Random(g.WeightSize, 6);
        float[] bias = FiniteDifference.Random(cout, 7), r = FiniteDifference.Random(batch * g.OutSize, 8);
        var workspace = new float[Conv2d.WorkspaceLength(g, batch)];
        float[] Run()
        {
            var y = new float[batch * g.OutSize];
            Conv2d.Forward(g, batch, x, weight, bias, y, workspace);
            return y;
        }

        var dx = new float[x.Length];
        var dw = new float[weight.Length];
        var db = new float[cout];
        Conv2d.Backward(g, batch, x, weight, r, dx, dw, db, workspace);
        double[] numericW = FiniteDifference.Gradient(weight, Run, r), numericB = FiniteDifference.Gradient(bias, Run, r);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
        FiniteDifference.AssertClose(dw, numericW, "dW");
        FiniteDifference.AssertClose(db, numericB, "db");

        Conv2d.Backward(g, batch, x, weight, r, [], dw, db, workspace);
        FiniteDifference.AssertClose(dw, numericW, "dW without dx");
        FiniteDifference.AssertClose(db, numericB, "db without dx");
    }

    [Fact]
    public void ShortWorkspaceIsRejected()
    {
        var g = new Conv2dGeometry(1, 8, 8, 2, 3, 3, 1, 1, 0, 0);
        int needed = Conv2d.WorkspaceLength(g, 2);
        var error = Assert.Throws<ArgumentException>(() =>
            Conv2d.Forward(g, 2, new float[2 * g.InSize], new float[g.WeightSize], [], new float[2 * g.OutSize], new float[needed - 1]));
        Assert.Contains(needed.ToString(), error.Message);
        Assert.Equal(0, Conv2d.WorkspaceLength(g, 0));
    }
}
