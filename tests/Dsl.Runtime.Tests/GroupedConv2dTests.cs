using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Grouped and depthwise convolution (PyTorch's <c>groups</c>): weight <c>[out, in/groups, kh, kw]</c>.</summary>
public class GroupedConv2dTests
{
    // Groups of up to four input channels are computed directly, wider ones by lowering and a GEMM per group; the
    // comments say which path each shape takes.
    public static IEnumerable<object[]> Shapes() =>
    [
        // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, groups, batch
        new object[] { 4, 7, 8, 6, 3, 3, 1, 1, 1, 1, 2, 3 },      // direct: two groups, 2 → 3 channels each
        new object[] { 8, 9, 9, 8, 3, 3, 2, 2, 1, 1, 4, 1 },      // direct: four groups, stride 2, batch of one
        new object[] { 6, 7, 10, 9, 2, 4, 1, 2, 1, 0, 3, 2 },     // direct: rectangular kernel, stride in one axis
        new object[] { 4, 6, 6, 8, 3, 3, 1, 1, 0, 0, 2, 3 },      // direct: unpadded, more outputs than inputs per group
        new object[] { 128, 8, 8, 128, 3, 3, 1, 1, 1, 1, 32, 2 }, // direct: ResNeXt-50's 32 groups of four
        new object[] { 8, 5, 6, 12, 1, 1, 1, 1, 0, 0, 4, 3 },     // direct: grouped 1×1
        new object[] { 10, 7, 8, 14, 3, 3, 1, 1, 1, 1, 2, 3 },    // GEMM: two groups of five, 5 → 7 channels
        new object[] { 12, 9, 9, 12, 3, 3, 2, 2, 1, 1, 2, 1 },    // GEMM: stride 2, batch of one
        new object[] { 10, 7, 10, 6, 2, 4, 1, 2, 1, 0, 2, 2 },    // GEMM: rectangular kernel, stride in one axis
        new object[] { 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, 8, 6 },  // GEMM: more examples than one chunk holds
        new object[] { 80, 6, 6, 80, 3, 3, 1, 1, 1, 1, 16, 2 },   // GEMM: many small products, split over threads by group
        new object[] { 128, 12, 12, 128, 3, 3, 1, 1, 1, 1, 2, 2 },// GEMM: products large enough for the GEMM to split
        new object[] { 16, 5, 6, 24, 1, 1, 1, 1, 0, 0, 2, 3 },    // GEMM: grouped 1×1, no lowering
        new object[] { 10, 7, 7, 4, 1, 1, 2, 2, 0, 0, 2, 2 },     // GEMM: grouped 1×1 with stride, lowered
        new object[] { 5, 8, 8, 5, 3, 3, 1, 1, 1, 1, 5, 3 },      // depthwise 3×3
        new object[] { 4, 9, 11, 4, 3, 3, 2, 2, 1, 1, 4, 2 },     // depthwise, stride 2
        new object[] { 3, 6, 7, 6, 3, 3, 1, 1, 1, 1, 3, 2 },      // depthwise with two outputs per channel
        new object[] { 2, 5, 13, 2, 2, 5, 1, 3, 0, 2, 2, 1 },     // depthwise, rows of 5 (< one vector), width stride 3
        new object[] { 3, 6, 37, 3, 5, 5, 1, 1, 2, 2, 3, 2 },     // depthwise, rows of 37: vectors and an overlapping tail
        new object[] { 6, 11, 9, 6, 3, 2, 3, 1, 2, 0, 6, 3 },     // depthwise, height stride 3, rows not a multiple of the row block
        new object[] { 4, 5, 6, 4, 1, 1, 1, 1, 0, 0, 4, 2 },      // depthwise 1×1
        new object[] { 2, 4, 4, 2, 3, 3, 2, 2, 2, 2, 2, 2 },      // depthwise, padding as large as the kernel allows
        new object[] { 16, 14, 14, 16, 3, 3, 2, 2, 1, 1, 16, 4 }, // depthwise, a MobileNet-like downsampling layer
        new object[] { 3, 40, 40, 3, 3, 3, 1, 1, 1, 1, 3, 1 },    // depthwise, a plane larger than the first one each thread saw
        // Rows of 16 outputs or more use 16 lanes where AVX-512 is available, narrower ones 8.
        new object[] { 2, 5, 16, 2, 3, 3, 1, 1, 1, 1, 2, 2 },     // depthwise, rows of exactly one wide vector
        new object[] { 3, 4, 33, 6, 3, 1, 1, 1, 1, 0, 3, 2 },     // depthwise, two outputs per channel, rows of 33
        new object[] { 4, 5, 34, 6, 3, 3, 2, 2, 1, 1, 2, 2 },     // direct: groups of two, stride 2, rows of 17
        new object[] { 12, 9, 30, 12, 3, 3, 1, 1, 1, 1, 3, 3 },   // direct: groups of four, rows of 30
        // Groups of 5–16 on rows of 16 or more go direct where AVX-512 is available and the columns outgrow the cache.
        new object[] { 64, 24, 24, 64, 3, 3, 1, 1, 1, 1, 4, 2 },  // groups of 16
        new object[] { 64, 32, 34, 32, 3, 3, 1, 2, 1, 1, 8, 1 },  // groups of 8 → 4, width stride 2
        new object[] { 3, 6, 21, 3, 3, 3, 2, 2, 0, 0, 3, 2 },     // depthwise, stride 2 without padding: 16 input columns and a tail
        new object[] { 2, 5, 32, 4, 4, 4, 2, 2, 2, 2, 2, 1 },     // depthwise, stride 2, even padding, rows of exactly two 16-column blocks
        new object[] { 4, 3, 50, 4, 3, 3, 1, 2, 3, 3, 4, 2 },     // depthwise, stride 2, odd padding wider than the kernel
    ];

    internal static float[] ReferenceForward(Conv2dGeometry g, int batch, float[] x, float[] w, float[] b)
    {
        int groupIn = g.InChannels / g.Groups, groupOut = g.OutChannels / g.Groups;
        var y = new float[batch * g.OutSize];
        for (int n = 0; n < batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        double s = b.Length == 0 ? 0 : b[co];
                        for (int cl = 0; cl < groupIn; cl++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ci = co / groupOut * groupIn + cl;
                                    int ih = oh * g.StrideHeight - g.PadHeight + ki, iw = ow * g.StrideWidth - g.PadWidth + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    s += (double)w[((co * groupIn + cl) * g.KernelHeight + ki) * g.KernelWidth + kj]
                                        * x[((n * g.InChannels + ci) * g.InHeight + ih) * g.InWidth + iw];
                                }
                        y[((n * g.OutChannels + co) * g.OutHeight + oh) * g.OutWidth + ow] = (float)s;
                    }
        return y;
    }

    internal static (float[] Dx, float[] Dw, float[] Db) ReferenceBackward(Conv2dGeometry g, int batch, float[] x, float[] w, float[] dy)
    {
        int groupIn = g.InChannels / g.Groups, groupOut = g.OutChannels / g.Groups;
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
                        for (int cl = 0; cl < groupIn; cl++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ci = co / groupOut * groupIn + cl;
                                    int ih = oh * g.StrideHeight - g.PadHeight + ki, iw = ow * g.StrideWidth - g.PadWidth + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    int wi = ((co * groupIn + cl) * g.KernelHeight + ki) * g.KernelWidth + kj;
                                    int xi = ((n * g.InChannels + ci) * g.InHeight + ih) * g.InWidth + iw;
                                    dw[wi] += d * x[xi];
                                    dx[xi] += d * w[wi];
                                }
                    }
        return (dx.Select(v => (float)v).ToArray(), dw.Select(v => (float)v).ToArray(), db.Select(v => (float)v).ToArray());
    }

    private static Conv2dGeometry Geometry(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int groups) =>
        new(cin, h, w, cout, kh, kw, sh, sw, ph, pw, groups);

    [Theory, MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchScalarReference(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw,
        int groups, int batch)
    {
        var g = Geometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw, groups);
        Assert.Equal(cout * (cin / groups) * kh * kw, g.WeightSize);
        float[] x = FiniteDifference.Random(batch * g.InSize, 11), weight = FiniteDifference.Random(g.WeightSize, 12);
        float[] bias = FiniteDifference.Random(cout, 13), dy = FiniteDifference.Random(batch * g.OutSize, 14);
        // Garbage in the workspace and the outputs must not leak into results.
        float[] workspace = Enumerable.Repeat(float.NaN, Conv2d.WorkspaceLength(g, batch)).ToArray();

        var y = Enumerable.Repeat(float.NaN, batch * g.OutSize).ToArray();
        Conv2d.Forward(g, batch, x, weight, bias, y, workspace);
        FiniteDifference.AssertNear(ReferenceForward(g, batch, x, weight, bias), y, "y");
        Array.Fill(y, float.NaN);
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
        Array.Fill(dw, float.NaN);
        Conv2d.Backward(g, batch, x, weight, dy, [], dw, [], workspace);
        FiniteDifference.AssertNear(expected.Dw, dw, "dW without dx or db");
    }

    [Theory]
    [InlineData(4, 5, 6, 6, 3, 3, 1, 1, 1, 1, 2, 2)]   // direct: two groups
    [InlineData(6, 7, 5, 6, 3, 2, 2, 1, 1, 0, 3, 2)]   // direct: three groups, stride in one axis
    [InlineData(10, 4, 5, 4, 3, 3, 1, 1, 1, 1, 2, 2)]  // GEMM: two groups of five
    [InlineData(10, 6, 5, 4, 3, 2, 2, 1, 1, 0, 2, 2)]  // GEMM: stride in one axis
    [InlineData(16, 3, 4, 8, 1, 1, 1, 1, 0, 0, 2, 2)]  // GEMM: grouped 1×1
    [InlineData(3, 6, 6, 3, 3, 3, 1, 1, 1, 1, 3, 2)]   // depthwise
    [InlineData(2, 7, 9, 4, 3, 3, 2, 2, 1, 1, 2, 3)]   // depthwise with two outputs per channel, stride 2
    [InlineData(2, 5, 11, 2, 2, 4, 1, 3, 1, 1, 2, 1)]  // depthwise, rectangular kernel, width stride 3
    [InlineData(2, 4, 18, 2, 3, 3, 1, 1, 1, 1, 2, 2)]  // depthwise, rows of 18: wide vectors where available
    [InlineData(4, 3, 36, 4, 3, 3, 1, 2, 1, 1, 2, 2)]  // direct: groups of two, width stride 2, rows of 18
    public void GradientMatchesFiniteDifferences(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw,
        int groups, int batch)
    {
        var g = Geometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw, groups);
        float[] x = FiniteDifference.Random(batch * g.InSize, 15), weight = FiniteDifference.Random(g.WeightSize, 16);
        float[] bias = FiniteDifference.Random(cout, 17), r = FiniteDifference.Random(batch * g.OutSize, 18);
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

    /// <summary>A grouped convolution is the ungrouped one with a block-diagonal weight: an independent check of the
    /// channel slicing that does not share the grouped reference's indexing.</summary>
    [Theory]
    [InlineData(4, 7, 8, 6, 3, 3, 1, 1, 1, 1, 2, 2)]
    [InlineData(6, 6, 6, 6, 3, 3, 2, 2, 1, 1, 6, 3)]
    [InlineData(8, 5, 6, 4, 1, 1, 1, 1, 0, 0, 4, 2)]
    [InlineData(20, 7, 6, 10, 3, 3, 1, 1, 1, 1, 2, 2)]
    [InlineData(24, 5, 6, 12, 1, 1, 1, 1, 0, 0, 3, 2)]
    public void GroupedEqualsUngroupedWithBlockDiagonalWeight(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
        int ph, int pw, int groups, int batch)
    {
        var grouped = Geometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw, groups);
        var full = grouped with { Groups = 1 };
        int groupIn = cin / groups, groupOut = cout / groups, taps = kh * kw;
        float[] x = FiniteDifference.Random(batch * grouped.InSize, 19), weight = FiniteDifference.Random(grouped.WeightSize, 20);
        float[] bias = FiniteDifference.Random(cout, 21), dy = FiniteDifference.Random(batch * grouped.OutSize, 22);
        var blockDiagonal = new float[full.WeightSize];
        for (int co = 0; co < cout; co++)
            for (int cl = 0; cl < groupIn; cl++)
                Array.Copy(weight, (co * groupIn + cl) * taps, blockDiagonal, (co * cin + co / groupOut * groupIn + cl) * taps, taps);

        var yGrouped = new float[batch * grouped.OutSize];
        var yFull = new float[batch * full.OutSize];
        Conv2d.Forward(grouped, batch, x, weight, bias, yGrouped, new float[Conv2d.WorkspaceLength(grouped, batch)]);
        Conv2d.Forward(full, batch, x, blockDiagonal, bias, yFull, new float[Conv2d.WorkspaceLength(full, batch)]);
        FiniteDifference.AssertNear(yFull, yGrouped, "y");

        float[] dxGrouped = new float[x.Length], dwGrouped = new float[weight.Length], dbGrouped = new float[cout];
        float[] dxFull = new float[x.Length], dwFull = new float[blockDiagonal.Length], dbFull = new float[cout];
        Conv2d.Backward(grouped, batch, x, weight, dy, dxGrouped, dwGrouped, dbGrouped, new float[Conv2d.WorkspaceLength(grouped, batch)]);
        Conv2d.Backward(full, batch, x, blockDiagonal, dy, dxFull, dwFull, dbFull, new float[Conv2d.WorkspaceLength(full, batch)]);
        FiniteDifference.AssertNear(dxFull, dxGrouped, "dx");
        FiniteDifference.AssertNear(dbFull, dbGrouped, "db");
        for (int co = 0; co < cout; co++)
            for (int cl = 0; cl < groupIn; cl++)
                FiniteDifference.AssertNear(dwFull.AsSpan((co * cin + co / groupOut * groupIn + cl) * taps, taps),
                    dwGrouped.AsSpan((co * groupIn + cl) * taps, taps), $"dW[{co}, {cl}]");
    }

    [Fact]
    public void GroupsDefaultsToOneAndKeepsTheUngroupedLayout()
    {
        var ungrouped = new Conv2dGeometry(InChannels: 6, InHeight: 14, InWidth: 14, OutChannels: 16, KernelHeight: 5,
            KernelWidth: 5, StrideHeight: 1, StrideWidth: 1, PadHeight: 0, PadWidth: 0);
        Assert.Equal(1, ungrouped.Groups);
        Assert.Equal(16 * 6 * 25, ungrouped.WeightSize);
        Assert.Equal(ungrouped, ungrouped with { Groups = 1 });
        var grouped = ungrouped with { OutChannels = 18, Groups = 3 };
        Assert.Equal(2, grouped.InChannelsPerGroup);
        Assert.Equal(6, grouped.OutChannelsPerGroup);
        Assert.Equal(18 * 2 * 25, grouped.WeightSize);
    }

    [Theory]
    [InlineData(6, 8, 4, "InChannels = 6")]    // 4 does not divide 6
    [InlineData(8, 6, 4, "OutChannels = 6")]   // 4 does not divide 6
    [InlineData(3, 3, 6, "InChannels = 3")]    // more groups than channels
    public void GroupsThatDoNotDivideTheChannelsAreRejected(int cin, int cout, int groups, string named)
    {
        var g = new Conv2dGeometry(cin, 8, 8, cout, 3, 3, 1, 1, 1, 1, groups);
        var error = Assert.Throws<ArgumentException>(() => Conv2d.WorkspaceLength(g, 2));
        Assert.Contains($"Groups = {groups}", error.Message);
        Assert.Contains(named, error.Message);
        Assert.Contains($"InChannels = {cin}", error.Message);
        Assert.Contains($"OutChannels = {cout}", error.Message);
        Assert.Throws<ArgumentException>(() =>
            Conv2d.Forward(g, 1, new float[g.InSize], new float[g.WeightSize], [], new float[g.OutSize], new float[1 << 12]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void GroupsBelowOneAreRejected(int groups)
    {
        var g = new Conv2dGeometry(4, 8, 8, 4, 3, 3, 1, 1, 1, 1, groups);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.WorkspaceLength(g, 2));
        Assert.Equal("Groups", error.ParamName);
        Assert.Equal(groups, error.ActualValue);
        // The geometry stays printable, for messages that show it.
        Assert.Contains($"Groups = {groups}", g.ToString());
    }

    [Fact]
    public void GroupedWeightOfTheUngroupedSizeIsRejected()
    {
        var g = new Conv2dGeometry(4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 2);
        var error = Assert.Throws<ArgumentException>(() =>
            Conv2d.Forward(g, 1, new float[g.InSize], new float[4 * 4 * 9], [], new float[g.OutSize], new float[Conv2d.WorkspaceLength(g, 1)]));
        Assert.Contains($"{4 * 2 * 9}", error.Message);
        Assert.Equal("weight", error.ParamName);
    }
}

/// <summary>Grouped and depthwise results must not depend on the number of threads (they change
/// <see cref="Parallelism.MaxDegree"/>, so they run alone).</summary>
[Collection(nameof(ParallelismCollection))]
public class GroupedConv2dDeterminismTests
{
    [Theory]
    [InlineData(64, 10, 10, 64, 3, 3, 1, 1, 1, 1, 8, 5)]    // GEMM per group, groups split over threads
    [InlineData(32, 10, 10, 32, 3, 3, 1, 1, 1, 1, 8, 5)]    // direct, groups of four
    [InlineData(24, 12, 12, 24, 3, 3, 1, 1, 1, 1, 24, 5)]   // depthwise
    [InlineData(8, 20, 20, 8, 3, 3, 1, 1, 1, 1, 8, 3)]      // depthwise, wide rows
    [InlineData(12, 9, 9, 24, 3, 3, 2, 2, 1, 1, 12, 3)]     // depthwise, two outputs per channel, stride 2
    [InlineData(32, 6, 6, 32, 1, 1, 1, 1, 0, 0, 4, 3)]      // grouped 1×1 by GEMM
    public void ResultsDoNotDependOnTheThreadCount(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw,
        int groups, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw, groups);
        float[] x = FiniteDifference.Random(batch * g.InSize, 23), weight = FiniteDifference.Random(g.WeightSize, 24);
        float[] bias = FiniteDifference.Random(cout, 25), dy = FiniteDifference.Random(batch * g.OutSize, 26);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(int degree)
        {
            var result = (Y: new float[batch * g.OutSize], Dx: new float[x.Length], Dw: new float[weight.Length], Db: new float[cout]);
            GemmTests.WithDegree(degree, () =>
            {
                var workspace = new float[Conv2d.WorkspaceLength(g, batch)];
                Conv2d.Forward(g, batch, x, weight, bias, result.Y, workspace);
                Conv2d.Backward(g, batch, x, weight, dy, result.Dx, result.Dw, result.Db, workspace);
            });
            return result;
        }

        var single = Run(1);
        foreach (int degree in new[] { 2, 3 })
        {
            var parallel = Run(degree);
            Assert.Equal(single.Y, parallel.Y);
            Assert.Equal(single.Dx, parallel.Dx);
            Assert.Equal(single.Dw, parallel.Dw);
            Assert.Equal(single.Db, parallel.Db);
        }
        FiniteDifference.AssertNear(GroupedConv2dTests.ReferenceForward(g, batch, x, weight, bias), single.Y, "y");
    }
}
