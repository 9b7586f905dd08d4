using Xunit;

namespace Dsl.Runtime.Tests.Blocks;

public class LayerNormTests
{
    private const float Eps = LayerNorm.DefaultEpsilon;

    public static IEnumerable<object[]> Shapes()
    {
        foreach (int rows in new[] { 1, 2, 7 })
            foreach (int features in new[] { 1, 3, 5, 17, 49 })
                yield return [rows, features];
    }

    private static float[] Input(int rows, int features, int seed)
    {
        float[] x = FiniteDifference.Random(rows * features, seed);
        for (int i = 0; i < x.Length; i++) x[i] = x[i] * (1 + 0.2f * (i / features)) + 0.3f * (i / features);
        return x;
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_reference(int rows, int features)
    {
        float[] x = Input(rows, features, 1);
        float[] gamma = FiniteDifference.Random(features, 2).Select(v => 1 + 0.5f * v).ToArray();
        float[] beta = FiniteDifference.Random(features, 3);
        float[] dy = FiniteDifference.Random(x.Length, 4);

        foreach (bool affine in new[] { true, false })
        {
            float[]? g = affine ? gamma : null, b = affine ? beta : null;
            var y = new float[x.Length];
            float[] mean = new float[rows], invStd = new float[rows];
            LayerNorm.Forward(x, g ?? [], b ?? [], y, mean, invStd, rows, features);
            var expected = BlockReference.LayerNormForward(x, g, b, rows, features, Eps);
            FiniteDifference.AssertNear(expected.Y, y, "y", 2e-5f);
            FiniteDifference.AssertNear(expected.Mean, mean, "mean", 1e-6f);
            FiniteDifference.AssertNear(expected.InvStd, invStd, "invStd", 1e-4f);

            var dx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
            var dGamma = Enumerable.Repeat(float.NaN, features).ToArray();
            var dBeta = Enumerable.Repeat(float.NaN, features).ToArray();
            LayerNorm.Backward(x, g ?? [], mean, invStd, dy, dx, dGamma, dBeta, rows, features);
            var reference = BlockReference.LayerNormBackward(x, g, dy, rows, features, Eps);
            // With one feature the output is constant, so dx is exactly zero up to rounding.
            FiniteDifference.AssertNear(reference.Dx, dx, "dx", 2e-4f);
            FiniteDifference.AssertNear(reference.DGamma, dGamma, "dGamma", 2e-5f);
            FiniteDifference.AssertNear(reference.DBeta, dBeta, "dBeta", 1e-6f);

            // y may alias x, dx may alias dy.
            float[] inPlace = (float[])x.Clone();
            LayerNorm.Forward(inPlace, g ?? [], b ?? [], inPlace, mean, invStd, rows, features);
            Assert.Equal(y, inPlace);
            float[] dInPlace = (float[])dy.Clone();
            LayerNorm.Backward(x, g ?? [], mean, invStd, dInPlace, dInPlace, dGamma, dBeta, rows, features);
            Assert.Equal(dx, dInPlace);
            FiniteDifference.AssertNear(reference.DGamma, dGamma, "dGamma (aliased)", 2e-5f);
        }
    }

    public static IEnumerable<object[]> GradientShapes() => [[1, 5], [2, 17], [7, 3], [3, 9]];

    [Theory, MemberData(nameof(GradientShapes))]
    public void Gradients_match_finite_differences(int rows, int features)
    {
        float[] x = Input(rows, features, 5);
        float[] gamma = FiniteDifference.Random(features, 6).Select(v => 1 + 0.5f * v).ToArray();
        float[] beta = FiniteDifference.Random(features, 7);
        float[] r = FiniteDifference.Random(x.Length, 8);
        float[] mean = new float[rows], invStd = new float[rows];
        float[] Forward()
        {
            var y = new float[x.Length];
            LayerNorm.Forward(x, gamma, beta, y, mean, invStd, rows, features);
            return y;
        }

        Forward();
        var dx = new float[x.Length];
        var dGamma = new float[features];
        var dBeta = new float[features];
        LayerNorm.Backward(x, gamma, mean, invStd, r, dx, dGamma, dBeta, rows, features);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Forward, r), "dx");
        FiniteDifference.AssertClose(dGamma, FiniteDifference.Gradient(gamma, Forward, r), "dGamma");
        FiniteDifference.AssertClose(dBeta, FiniteDifference.Gradient(beta, Forward, r), "dBeta");
    }

    [Fact]
    public void Large_layer_splits_parameter_gradients_over_feature_blocks()
    {
        // Enough work for several parts, and a feature count that leaves a partial block and a scalar tail.
        const int rows = 64, features = 1000 + 3;
        float[] x = Input(rows, features, 9);
        float[] gamma = FiniteDifference.Random(features, 10).Select(v => 1 + 0.5f * v).ToArray();
        float[] dy = FiniteDifference.Random(x.Length, 11);
        float[] mean = new float[rows], invStd = new float[rows];
        LayerNorm.Forward(x, gamma, [], new float[x.Length], mean, invStd, rows, features);
        var dx = new float[x.Length];
        var dGamma = new float[features];
        var dBeta = new float[features];
        LayerNorm.Backward(x, gamma, mean, invStd, dy, dx, dGamma, dBeta, rows, features);
        var reference = BlockReference.LayerNormBackward(x, gamma, dy, rows, features, Eps);
        FiniteDifference.AssertNear(reference.Dx, dx, "dx", 5e-4f);
        FiniteDifference.AssertNear(reference.DGamma, dGamma, "dGamma", 1e-4f);
        FiniteDifference.AssertNear(reference.DBeta, dBeta, "dBeta", 1e-5f);
    }

    [Fact]
    public void Bad_arguments_name_expected_and_actual_lengths()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LayerNorm.Forward(new float[10], new float[5], new float[5], new float[11], new float[2], new float[2], 2, 5));
        Assert.Equal("y", ex.ParamName);
        Assert.Contains("11", ex.Message);
        Assert.Contains("10", ex.Message);
        ex = Assert.Throws<ArgumentException>(() =>
            LayerNorm.Backward(new float[10], [], new float[2], new float[3], new float[10], [], [], [], 2, 5));
        Assert.Equal("saveInvStd", ex.ParamName);
    }
}
