using Xunit;

namespace Dsl.Runtime.Tests;

public class ActivationsTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 70; n++) data.Add(n);
        foreach (int n in new[] { 127, 128, 129, 1000, 4099 }) data.Add(n);
        return data;
    }

    [Theory, MemberData(nameof(Lengths))]
    public void ForwardMatchesScalarReference(int length)
    {
        float[] x = FiniteDifference.Random(length, length, 4f);
        var y = new float[length];

        Activations.Relu(x, y);
        FiniteDifference.AssertNear(x.Select(v => MathF.Max(v, 0)).ToArray(), y, "relu", 0);
        Activations.Sigmoid(x, y);
        FiniteDifference.AssertNear(x.Select(v => 1f / (1f + MathF.Exp(-v))).ToArray(), y, "sigmoid", 1e-5f);
        Activations.Tanh(x, y);
        FiniteDifference.AssertNear(x.Select(MathF.Tanh).ToArray(), y, "tanh", 1e-5f);
        Activations.PRelu(x, [0.3f], y);
        FiniteDifference.AssertNear(x.Select(v => v > 0 ? v : 0.3f * v).ToArray(), y, "prelu", 0);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void BackwardMatchesScalarReference(int length)
    {
        float[] x = FiniteDifference.Random(length, length + 1000, 3f);
        float[] dy = FiniteDifference.Random(length, length + 2000);
        var y = new float[length];
        var dx = new float[length];

        Activations.Relu(x, y);
        Activations.ReluBackward(y, dy, dx);
        FiniteDifference.AssertNear(Enumerable.Range(0, length).Select(i => y[i] > 0 ? dy[i] : 0).ToArray(), dx, "relu'", 0);

        Activations.Sigmoid(x, y);
        Activations.SigmoidBackward(y, dy, dx);
        FiniteDifference.AssertNear(Enumerable.Range(0, length).Select(i => dy[i] * y[i] * (1 - y[i])).ToArray(), dx, "sigmoid'", 1e-6f);

        Activations.Tanh(x, y);
        Activations.TanhBackward(y, dy, dx);
        FiniteDifference.AssertNear(Enumerable.Range(0, length).Select(i => dy[i] * (1 - y[i] * y[i])).ToArray(), dx, "tanh'", 1e-6f);

        var dAlpha = new float[1];
        Activations.PReluBackward(x, [0.3f], dy, dx, dAlpha);
        FiniteDifference.AssertNear(Enumerable.Range(0, length).Select(i => x[i] > 0 ? dy[i] : 0.3f * dy[i]).ToArray(), dx, "prelu'", 0);
        double expectedAlpha = Enumerable.Range(0, length).Where(i => x[i] <= 0).Sum(i => (double)x[i] * dy[i]);
        Assert.Equal(expectedAlpha, dAlpha[0], 1e-3 * Math.Max(1, Math.Abs(expectedAlpha)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    public void InPlaceGivesTheSameResult(int length)
    {
        float[] x = FiniteDifference.Random(length, 7, 3f);
        float[] dy = FiniteDifference.Random(length, 8);
        var y = new float[length];
        var dx = new float[length];

        foreach (var (forward, backward) in new (Action<float[], float[]>, Action<float[], float[], float[]>)[]
        {
            ((a, b) => Activations.Relu(a, b), (a, b, c) => Activations.ReluBackward(a, b, c)),
            ((a, b) => Activations.Sigmoid(a, b), (a, b, c) => Activations.SigmoidBackward(a, b, c)),
            ((a, b) => Activations.Tanh(a, b), (a, b, c) => Activations.TanhBackward(a, b, c)),
        })
        {
            forward(x, y);
            float[] inPlace = (float[])x.Clone();
            forward(inPlace, inPlace);
            Assert.Equal(y, inPlace);

            backward(y, dy, dx);
            float[] dyInPlace = (float[])dy.Clone();
            backward(y, dyInPlace, dyInPlace);
            Assert.Equal(dx, dyInPlace);
        }

        var dAlpha = new float[1];
        Activations.PReluBackward(x, [0.2f], dy, dx, dAlpha);
        float[] aliased = (float[])dy.Clone();
        var dAlphaAliased = new float[1];
        Activations.PReluBackward(x, [0.2f], aliased, aliased, dAlphaAliased);
        Assert.Equal(dx, aliased);
        Assert.Equal(dAlpha[0], dAlphaAliased[0]);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    public void GradientMatchesFiniteDifferences(string name)
    {
        const int Length = 53;
        float[] x = FiniteDifference.RandomAwayFromZero(Length, 11, 0.1f);
        float[] r = FiniteDifference.Random(Length, 12);
        Action<float[], float[]> forward = name switch
        {
            "relu" => (a, b) => Activations.Relu(a, b),
            "sigmoid" => (a, b) => Activations.Sigmoid(a, b),
            _ => (a, b) => Activations.Tanh(a, b),
        };
        Action<float[], float[], float[]> backward = name switch
        {
            "relu" => (a, b, c) => Activations.ReluBackward(a, b, c),
            "sigmoid" => (a, b, c) => Activations.SigmoidBackward(a, b, c),
            _ => (a, b, c) => Activations.TanhBackward(a, b, c),
        };
        float[] Run()
        {
            var y = new float[Length];
            forward(x, y);
            return y;
        }

        var dx = new float[Length];
        backward(Run(), r, dx);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), name);
    }

    [Fact]
    public void PReluGradientMatchesFiniteDifferencesIncludingSlope()
    {
        const int Length = 41;
        float[] x = FiniteDifference.RandomAwayFromZero(Length, 21, 0.1f);
        float[] alpha = [0.25f];
        float[] r = FiniteDifference.Random(Length, 22);
        float[] Run()
        {
            var y = new float[Length];
            Activations.PRelu(x, alpha, y);
            return y;
        }

        var dx = new float[Length];
        var dAlpha = new float[1];
        Activations.PReluBackward(x, alpha, r, dx, dAlpha);
        FiniteDifference.AssertClose(dx, FiniteDifference.Gradient(x, Run, r), "dx");
        FiniteDifference.AssertClose(dAlpha, FiniteDifference.Gradient(alpha, Run, r), "dAlpha");
    }

    [Fact]
    public void SigmoidAndTanhSaturateWithoutOverflow()
    {
        float[] x = [-1e30f, -1000f, -100f, -88f, -87f, -20f, -1e-3f, -0f, 0f, 1e-7f, 1e-3f, 20f, 87f, 88f, 100f, 1e30f, 3f];
        var y = new float[x.Length];
        Activations.Sigmoid(x, y);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(1 / (1 + Math.Exp(-(double)x[i])) - y[i]) <= 1e-6, $"sigmoid({x[i]}) = {y[i]}");
        Activations.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(Math.Tanh(x[i]) - y[i]) <= 1e-6, $"tanh({x[i]}) = {y[i]}");
    }

    [Fact]
    public void MismatchedLengthsAreRejectedWithBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Activations.Relu(new float[5], new float[4]));
        Assert.Contains("4", error.Message);
        Assert.Contains("5", error.Message);
        Assert.Throws<ArgumentException>(() => Activations.PRelu(new float[5], new float[2], new float[5]));
    }
}
