using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The training convolution's implicit-GEMM paths (<see cref="Conv2d.Forward"/> of ungrouped layers with a kernel wider
/// than 1×1, and <see cref="Conv2d.Backward"/>'s stride-1 data gradient as a convolution of dy with the flipped weights)
/// against the scalar reference and finite differences, on the AVX-512 and portable micro-kernels and one and two threads
/// (process-wide switches, so these run alone).
/// </summary>
[Collection(nameof(ParallelismCollection))]
public class Conv2dImplicitTrainingTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, batch
        new object[] { 16, 8, 8, 24, 3, 3, 1, 1, 1, 1, 3 },   // 'same' 3×3: implicit forward and data gradient
        new object[] { 8, 7, 9, 12, 3, 3, 1, 1, 0, 0, 2 },    // unpadded: the transposed layer pads by 2
        new object[] { 12, 6, 6, 8, 5, 5, 1, 1, 2, 2, 2 },    // 'same' 5×5
        new object[] { 10, 9, 7, 16, 3, 2, 1, 1, 1, 0, 2 },   // rectangular kernel, padding in one axis only
        new object[] { 9, 5, 5, 33, 3, 3, 1, 1, 2, 2, 2 },    // padding kh − 1: the transposed layer is unpadded
        new object[] { 8, 5, 5, 8, 3, 3, 1, 1, 3, 3, 1 },     // padding wider than kh − 1: data gradient lowered
        new object[] { 16, 8, 8, 16, 3, 3, 2, 2, 1, 1, 3 },   // stride 2: implicit forward, lowered data gradient
        new object[] { 16, 6, 6, 20, 1, 1, 2, 2, 0, 0, 2 },   // 1×1 stride 2: lowered both ways
        new object[] { 4, 8, 8, 16, 3, 3, 1, 1, 1, 1, 2 },    // fewer than 8 input channels: data gradient lowered
        new object[] { 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 6 }, // many column blocks, both threads busy
        new object[] { 64, 4, 4, 40, 3, 3, 1, 1, 1, 1, 2 },   // ResNet's last stage in small: 4×4 maps
        new object[] { 64, 24, 24, 16, 3, 3, 1, 1, 1, 1, 2 }, // one example per weight-gradient chunk: dy read in place
        new object[] { 128, 32, 32, 8, 3, 3, 2, 2, 1, 1, 2 }, // the same with stride 2 and the lowered data gradient
    ];

    private static void ForEachKernelAndDegree(Action<string> body)
    {
        bool savedAvx = ImplicitConv2d.UseAvx512;
        int savedDegree = Parallelism.MaxDegree;
        try
        {
            foreach (bool avx in ImplicitConv2d.UseAvx512 ? new[] { true, false } : new[] { false })
                foreach (int degree in new[] { 1, 2 })
                {
                    ImplicitConv2d.UseAvx512 = avx;
                    Parallelism.MaxDegree = degree;
                    Conv2d.UseWide = false;
                    body($"avx={avx} degree={degree}");
                }
        }
        finally
        {
            Conv2d.UseWide = true;
            ImplicitConv2d.UseAvx512 = savedAvx;
            Parallelism.MaxDegree = savedDegree;
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MatchesScalarReference(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 1), weight = FiniteDifference.Random(g.WeightSize, 2);
        float[] bias = FiniteDifference.Random(cout, 3), dy = FiniteDifference.Random(batch * g.OutSize, 4);
        float[] expectedY = Conv2dTests.ReferenceForward(g, batch, x, weight, bias);
        var expected = Conv2dTests.ReferenceBackward(g, batch, x, weight, dy);
        float tolerance = 1e-5f * MathF.Sqrt(cin * kh * kw * batch) + 1e-5f;

        ForEachKernelAndDegree(run =>
        {
            // Garbage in the workspace and outputs must not leak into results.
            float[] workspace = Enumerable.Repeat(float.NaN, Conv2d.WorkspaceLength(g, batch)).ToArray();
            var y = Enumerable.Repeat(float.NaN, batch * g.OutSize).ToArray();
            Conv2d.Forward(g, batch, x, weight, bias, y, workspace);
            FiniteDifference.AssertNear(expectedY, y, run + " y", tolerance);

            var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
            var dw = Enumerable.Repeat(float.NaN, weight.Length).ToArray();
            var db = Enumerable.Repeat(float.NaN, cout).ToArray();
            Conv2d.Backward(g, batch, x, weight, dy, dx, dw, db, workspace);
            FiniteDifference.AssertNear(expected.Dx, dx, run + " dx", tolerance);
            FiniteDifference.AssertNear(expected.Dw, dw, run + " dW", tolerance);
            FiniteDifference.AssertNear(expected.Db, db, run + " db", tolerance);
        });
    }

    [Theory, MemberData(nameof(Shapes))]
    public void OneThreadIsDeterministicAndAgreesWithTheLoweredPath(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 5), weight = FiniteDifference.Random(g.WeightSize, 6);
        float[] dy = FiniteDifference.Random(batch * g.OutSize, 7);
        var workspace = new float[Conv2d.WorkspaceLength(g, batch)];
        int savedDegree = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = 1;
            Conv2d.UseWide = false;
            (float[] Y, float[] Dx, float[] Dw) Run()
            {
                var y = new float[batch * g.OutSize];
                var dx = new float[x.Length];
                var dw = new float[weight.Length];
                Conv2d.Forward(g, batch, x, weight, [], y, workspace);
                Conv2d.Backward(g, batch, x, weight, dy, dx, dw, [], workspace);
                return (y, dx, dw);
            }

            var first = Run();
            var second = Run();
            Assert.Equal(first.Y, second.Y);
            Assert.Equal(first.Dx, second.Dx);
            Assert.Equal(first.Dw, second.Dw);

            Conv2d.UseImplicit = false;
            var lowered = Run();
            float tolerance = 1e-5f * MathF.Sqrt(cin * kh * kw * batch) + 1e-5f;
            FiniteDifference.AssertNear(lowered.Y, first.Y, "y", tolerance);
            FiniteDifference.AssertNear(lowered.Dx, first.Dx, "dx", tolerance);
            FiniteDifference.AssertNear(lowered.Dw, first.Dw, "dW", tolerance);
        }
        finally
        {
            Conv2d.UseImplicit = true;
            Conv2d.UseWide = true;
            Parallelism.MaxDegree = savedDegree;
        }
    }

    [Theory]
    [InlineData(8, 5, 5, 8, 3, 3, 1, 1, 1, 1, 2)]    // 'same' 3×3, batch 2
    [InlineData(8, 6, 5, 9, 3, 3, 1, 1, 0, 0, 2)]    // unpadded, odd channel count
    [InlineData(10, 5, 6, 8, 3, 2, 1, 1, 2, 1, 1)]   // rectangular, padding kh − 1
    [InlineData(8, 7, 7, 12, 3, 3, 2, 2, 1, 1, 2)]   // stride 2
    [InlineData(12, 4, 4, 16, 1, 1, 2, 2, 0, 0, 3)]  // 1×1 stride 2
    public void GradientMatchesFiniteDifferences(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int batch)
    {
        var g = new Conv2dGeometry(cin, h, w, cout, kh, kw, sh, sw, ph, pw);
        float[] x = FiniteDifference.Random(batch * g.InSize, 8), weight = FiniteDifference.Random(g.WeightSize, 9);
        float[] bias = FiniteDifference.Random(cout, 10), r = FiniteDifference.Random(batch * g.OutSize, 11);
        Conv2d.UseWide = false;
        var workspace = new float[Conv2d.WorkspaceLength(g, batch)];
        float[] Forward()
        {
            var y = new float[batch * g.OutSize];
            Conv2d.Forward(g, batch, x, weight, bias, y, workspace);
            return y;
        }

        double[] numericX, numericW, numericB;
        try
        {
            numericX = FiniteDifference.Gradient(x, Forward, r);
            numericW = FiniteDifference.Gradient(weight, Forward, r);
            numericB = FiniteDifference.Gradient(bias, Forward, r);
        }
        finally
        {
            Conv2d.UseWide = true;
        }
        ForEachKernelAndDegree(run =>
        {
            var dx = new float[x.Length];
            var dw = new float[weight.Length];
            var db = new float[cout];
            Conv2d.Backward(g, batch, x, weight, r, dx, dw, db, workspace);
            FiniteDifference.AssertClose(dx, numericX, run + " dx");
            FiniteDifference.AssertClose(dw, numericW, run + " dW");
            FiniteDifference.AssertClose(db, numericB, run + " db");
        });
    }
}
