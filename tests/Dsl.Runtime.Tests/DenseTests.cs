using Xunit;

namespace Dsl.Runtime.Tests;

public class DenseTests
{
    private static float[] Reference(float[] x, float[] w, float[] b, int batch, int inF, int outF)
    {
        var y = new float[batch * outF];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outF; o++)
            {
                double s = b.Length == 0 ? 0 : b[o];
                for (int i = 0; i < inF; i++) s += (double)x[n * inF + i] * w[o * inF + i];
                y[n * outF + o] = (float)s;
            }
        return y;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 17, 33)]
    [InlineData(9, 65, 10)]
    [InlineData(2, 784, 31)]
    // Batches 1 to 4 take the GEMV path, 5 the GEMM; widths straddle the 16-float chunk and the output groups.
    [InlineData(1, 100, 37)]
    [InlineData(2, 31, 9)]
    [InlineData(3, 48, 17)]
    [InlineData(4, 257, 12)]
    [InlineData(5, 257, 12)]
    public void ForwardAndBackwardMatchScalarReference(int batch, int inF, int outF)
    {
        float[] x = FiniteDifference.Random(batch * inF, 1), w = FiniteDifference.Random(outF * inF, 2);
        float[] b = FiniteDifference.Random(outF, 3), dy = FiniteDifference.Random(batch * outF, 4);
        var y = new float[batch * outF];
        Dense.Forward(x, w, b, y, batch, inF, outF);
        FiniteDifference.AssertNear(Reference(x, w, b, batch, inF, outF), y, "y");
        Dense.Forward(x, w, [], y, batch, inF, outF);
        FiniteDifference.AssertNear(Reference(x, w, [], batch, inF, outF), y, "y without bias");

        var dx = new float[batch * inF];
        var dw = Enumerable.Repeat(float.NaN, outF * inF).ToArray(); // overwritten, never accumulated
        var db = Enumerable.Repeat(float.NaN, outF).ToArray();
        Dense.Backward(x, w, dy, dx, dw, db, batch, inF, outF);
        var edx = new float[batch * inF];
        var edw = new float[outF * inF];
        var edb = new float[outF];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outF; o++)
            {
                edb[o] += dy[n * outF + o];
                for (int i = 0; i < inF; i++)
                {
                    edx[n * inF + i] += dy[n * outF + o] * w[o * inF + i];
                    edw[o * inF + i] += dy[n * outF + o] * x[n * inF + i];
                }
            }
        FiniteDifference.AssertNear(edx, dx, "dx");
        FiniteDifference.AssertNear(edw, dw, "dW");
        FiniteDifference.AssertNear(edb, db, "db");

        // Empty dx and dBias are skipped.
        Dense.Backward(x, w, dy, [], dw, [], batch, inF, outF);
        FiniteDifference.AssertNear(edw, dw, "dW without dx");
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        const int Batch = 3, In = 6, Out = 4;
        float[] x = FiniteDifference.Random(Batch * In, 5), w = FiniteDifference.Random(Out * In, 6), b = FiniteDifference.Random(Out, 7);
        float[] r = FiniteDifference.Random(Batch * Out, 8);
        float[] Run()
        {
            var y = new float[Batch * Out];
            Dense.Forward(x, w, b, y, Batch, In, Out);
            return y;
        }

        var dx = new float[x.Length];
        var dw = new float[w.Length];
        var db = new float[b.Length];
        Dense.Backward(x, w, r, dx, dw, db, Batch, In, Out);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
        FiniteDifference.AssertClose(dw, FiniteDifference.Gradient(w, Run, r), "dW");
        FiniteDifference.AssertClose(db, FiniteDifference.Gradient(b, Run, r), "db");
    }

    [Fact]
    public void WrongLengthNamesExpectedAndActual()
    {
        var error = Assert.Throws<ArgumentException>(() => Dense.Forward(new float[11], new float[12], [], new float[6], 3, 4, 2));
        Assert.Contains("11", error.Message);
        Assert.Contains("12", error.Message);
        Assert.Equal("x", error.ParamName);
    }
}
