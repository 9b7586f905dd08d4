using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// <see cref="Dense.ForwardInference"/> (bias and ReLU in the GEMV's and GEMM's stores, the weight packed once and
/// shared by the threads) against <see cref="Dense.Forward"/> then <see cref="Activations.Relu"/>, and against a
/// double-precision reference.
/// </summary>
// Parallelism.MaxDegree, Gemv.ForcePortable and Gemm.ForcePortableEpilogue are process-wide.
[Collection(nameof(ParallelismCollection))]
public class DenseInferenceTests
{
    private static float[] Reference(float[] x, float[] w, float[] b, bool relu, int rows, int inF, int outF)
    {
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = b.Length == 0 ? 0 : b[o];
                for (int i = 0; i < inF; i++) s += (double)x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = relu && s <= 0 ? 0f : (float)s;
            }
        return y;
    }

    // Rows on both sides of the GEMV limit (4) and of the 12- and 6-row tiles; outputs straddling 16-, 32- and 8-wide
    // stores; depths beyond one 256-deep block (784); the MLP's and LeNet's layers.
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (bool portable in new[] { false, true })
            foreach ((int rows, int inF, int outF) in new[] { (1, 784, 256), (3, 17, 9), (4, 120, 84), (5, 33, 31), (13, 400, 120),
                         (37, 784, 256), (64, 256, 128), (256, 128, 10), (256, 784, 256), (7, 5, 1) })
                foreach (bool bias in new[] { true, false })
                    data.Add(rows, inF, outF, bias, portable);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_forward_then_relu_and_the_reference_on_one_and_two_threads(int rows, int inF, int outF, bool withBias, bool portable)
    {
        float[] x = FiniteDifference.Random(rows * inF, 1), w = FiniteDifference.Random(outF * inF, 2);
        float[] b = withBias ? FiniteDifference.Random(outF, 3) : [];
        bool savedGemv = Gemv.ForcePortable, savedGemm = Gemm.ForcePortableEpilogue;
        Gemv.ForcePortable = portable;
        Gemm.ForcePortableEpilogue = portable;
        try
        {
            float[] expected = Reference(x, w, b, relu: true, rows, inF, outF);
            foreach (int degree in new[] { 1, 2 })
            {
                GemmTests.WithDegree(degree, () =>
                {
                    var layered = new float[rows * outF];
                    Dense.Forward(x, w, b, layered, rows, inF, outF);
                    float[] linear = layered.ToArray();
                    Activations.Relu(layered, layered);
                    var fused = new float[rows * outF];
                    Dense.ForwardInference(x, w, b, relu: true, fused, rows, inF, outF);
                    Assert.Equal(layered, fused);
                    var plain = new float[rows * outF];
                    Dense.ForwardInference(x, w, b, relu: false, plain, rows, inF, outF);
                    Assert.Equal(linear, plain);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(Math.Abs(expected[i] - fused[i]) <= 1e-4f * (1 + Math.Abs(expected[i])),
                            $"degree {degree}: y[{i}] = {fused[i]}, reference {expected[i]}");
                });
            }
        }
        finally
        {
            Gemv.ForcePortable = savedGemv;
            Gemm.ForcePortableEpilogue = savedGemm;
        }
    }

    [Fact]
    public void The_relu_maps_nan_and_negative_zero_to_zero_as_activations_relu_does()
    {
        // One input column of NaN poisons every output; a zero weight row gives −0 + −0 = −0 with a −0 bias.
        const int rows = 8, inF = 3, outF = 40;
        float[] x = FiniteDifference.Random(rows * inF, 4), w = FiniteDifference.Random(outF * inF, 5);
        float[] b = FiniteDifference.Random(outF, 6);
        x[0] = float.NaN;
        for (int i = 0; i < inF; i++) w[inF + i] = 0f;
        b[1] = -0f;
        var layered = new float[rows * outF];
        Dense.Forward(x, w, b, layered, rows, inF, outF);
        Activations.Relu(layered, layered);
        var fused = new float[rows * outF];
        Dense.ForwardInference(x, w, b, relu: true, fused, rows, inF, outF);
        Assert.Equal(layered.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Rejects_an_output_overlapping_the_input()
    {
        var buffer = new float[40];
        var w = new float[4 * 4];
        var ex = Assert.Throws<ArgumentException>(() => Dense.ForwardInference(buffer.AsSpan(0, 20), w, default, true, buffer.AsSpan(10, 20), 5, 4, 4));
        Assert.Equal("y", ex.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SteadyState_AllocatesNothing(int degree)
    {
        GemmTests.WithDegree(degree, () =>
        {
            float[] x = FiniteDifference.Random(256 * 784, 1), w = FiniteDifference.Random(256 * 784, 2), b = FiniteDifference.Random(256, 3);
            var y = new float[256 * 256];
            ParallelismTests.AssertNoAllocationOnThread(() =>
            {
                Dense.ForwardInference(x, w, b, relu: true, y, 256, 784, 256);
                Dense.ForwardInference(x.AsSpan(0, 784), w, b, relu: true, y.AsSpan(0, 256), 1, 784, 256);
            });
        });
    }
}
