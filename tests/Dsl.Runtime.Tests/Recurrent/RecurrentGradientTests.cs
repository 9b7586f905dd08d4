using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

/// <summary>
/// Finite-difference checks of every input and parameter gradient: with random weights r on the outputs,
/// L = Σ r·hAll + Σ r_h·hT + Σ r_c·cT, whose gradients with respect to hAll, hT and cT are r, r_h and r_c,
/// is differentiated by central differences and compared with what Backward produces.
/// </summary>
public class RecurrentGradientTests
{
    private static readonly RecurrentGeometry Geometry = new(InputSize: 5, HiddenSize: 6, Steps: 4);
    private const int Batch = 3;

    public static TheoryData<CellKind, bool, bool, bool> Cases()
    {
        var data = new TheoryData<CellKind, bool, bool, bool>();
        foreach (CellKind kind in Enum.GetValues<CellKind>())
        {
            // (initial state, final-state gradients, per-step gradients)
            data.Add(kind, false, false, true);
            data.Add(kind, true, false, true);
            data.Add(kind, true, true, true);
            data.Add(kind, false, true, true);
            data.Add(kind, true, true, false); // only the final state matters, as for a seq2seq encoder
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_differences(CellKind kind, bool initialState, bool finalStateGradients, bool stepGradients)
    {
        var c = RecurrentCase.Create(kind, Geometry, Batch, initialState, bias: true, seed: 17 + (int)kind);
        var random = new Random(99);
        float[] rAll = stepGradients ? RecurrentCase.Uniform(random, c.OutputLength, 1.0) : [];
        float[] rT = finalStateGradients ? RecurrentCase.Uniform(random, c.StateLength, 1.0) : [];
        float[] rC = finalStateGradients && c.HasCell ? RecurrentCase.Uniform(random, c.StateLength, 1.0) : [];

        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, rAll, rT, rC);

        double Loss()
        {
            var (h, hT, cT) = c.Forward();
            return Dot(rAll, h) + Dot(rT, hT) + Dot(rC, cT);
        }
        foreach (var (name, values, analytic) in c.Tensors(gradients))
            GradientCheck.AssertMatches($"{kind} {name}", values, analytic, Loss);
    }

    [Theory]
    [InlineData(CellKind.Rnn, false)]
    [InlineData(CellKind.Rnn, true)]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Lstm, true)]
    [InlineData(CellKind.Gru, false)]
    [InlineData(CellKind.Gru, true)]
    public void Reverse_direction_gradients_match_central_differences(CellKind kind, bool initialState)
    {
        var c = RecurrentCase.Create(kind, Geometry with { Reverse = true }, Batch, initialState, bias: true, seed: 31);
        var random = new Random(32);
        float[] rAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] rT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[] rC = c.HasCell ? RecurrentCase.Uniform(random, c.StateLength, 1.0) : [];
        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, rAll, rT, rC);
        double Loss()
        {
            var (h, hT, cT) = c.Forward();
            return Dot(rAll, h) + Dot(rT, hT) + Dot(rC, cT);
        }
        foreach (var (name, values, analytic) in c.Tensors(gradients))
            GradientCheck.AssertMatches($"{kind} reverse {name}", values, analytic, Loss);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Wide_layer_gradients_match_central_differences(CellKind kind)
    {
        // 37 hidden units: whole vectors of every width up to Vector512 plus a tail, so vectorised and scalar paths both run.
        var c = RecurrentCase.Create(kind, new RecurrentGeometry(3, 37, 2), batch: 2, initialState: true, bias: true, seed: 41);
        var random = new Random(42);
        float[] rAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] rT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[] rC = c.HasCell ? RecurrentCase.Uniform(random, c.StateLength, 1.0) : [];
        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, rAll, rT, rC);
        double Loss()
        {
            var (h, hT, cT) = c.Forward();
            return Dot(rAll, h) + Dot(rT, hT) + Dot(rC, cT);
        }
        // Only x, the states and the biases: the weight gradients reuse the same per-element values through GEMMs already checked.
        foreach (var (name, values, analytic) in c.Tensors(gradients))
            if (!name.StartsWith("weight", StringComparison.Ordinal))
                GradientCheck.AssertMatches($"{kind} {name}", values, analytic, Loss);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Gradients_without_bias_and_single_step_match_central_differences(CellKind kind)
    {
        var c = RecurrentCase.Create(kind, new RecurrentGeometry(3, 4, 1), batch: 2, initialState: true, bias: false, seed: 5);
        var random = new Random(7);
        float[] rAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] rC = c.HasCell ? RecurrentCase.Uniform(random, c.StateLength, 1.0) : [];
        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, rAll, [], rC);
        double Loss()
        {
            var (h, _, cT) = c.Forward();
            return Dot(rAll, h) + Dot(rC, cT);
        }
        foreach (var (name, values, analytic) in c.Tensors(gradients))
            GradientCheck.AssertMatches($"{kind} {name}", values, analytic, Loss);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Empty_initial_state_behaves_as_zero_state(CellKind kind)
    {
        var empty = RecurrentCase.Create(kind, Geometry, Batch, initialState: false, bias: true, seed: 3);
        int state = Batch * Geometry.HiddenSize;
        var zero = new RecurrentCase
        {
            Kind = kind, Geometry = Geometry, Batch = Batch, X = empty.X, WeightIh = empty.WeightIh, WeightHh = empty.WeightHh,
            BiasIh = empty.BiasIh, BiasHh = empty.BiasHh,
            H0 = new float[state], C0 = empty.HasCell ? new float[state] : [],
        };
        var random = new Random(4);
        float[] rAll = RecurrentCase.Uniform(random, empty.OutputLength, 1.0);
        float[] rT = RecurrentCase.Uniform(random, state, 1.0);
        float[] rC = empty.HasCell ? RecurrentCase.Uniform(random, state, 1.0) : [];

        var (hEmpty, hTEmpty, cTEmpty) = empty.Forward();
        var (hZero, hTZero, cTZero) = zero.Forward();
        Assert.Equal(hZero, hEmpty, Tolerance);
        Assert.Equal(hTZero, hTEmpty, Tolerance);
        Assert.Equal(cTZero, cTEmpty, Tolerance);

        var gEmpty = empty.Backward(hEmpty, rAll, rT, rC);
        var gZero = zero.Backward(hZero, rAll, rT, rC);
        Assert.Equal(gZero.Dx, gEmpty.Dx, Tolerance);
        Assert.Equal(gZero.Dh0, gEmpty.Dh0, Tolerance);
        Assert.Equal(gZero.Dc0, gEmpty.Dc0, Tolerance);
        Assert.Equal(gZero.DWeightIh, gEmpty.DWeightIh, Tolerance);
        Assert.Equal(gZero.DWeightHh, gEmpty.DWeightHh, Tolerance);
        Assert.Equal(gZero.DBiasIh, gEmpty.DBiasIh, Tolerance);
        Assert.Equal(gZero.DBiasHh, gEmpty.DBiasHh, Tolerance);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Backward_is_repeatable_and_optional_outputs_can_be_skipped(CellKind kind)
    {
        var c = RecurrentCase.Create(kind, Geometry, Batch, initialState: true, bias: true, seed: 8);
        var random = new Random(9);
        float[] rAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        var (hAll, _, _) = c.Forward();
        var first = c.Backward(hAll, rAll, [], []);
        var second = c.Backward(hAll, rAll, [], [], wantInitialStateGradient: false, wantInputGradient: false);
        Assert.Empty(second.Dh0);
        Assert.Empty(second.Dx);
        var third = c.Backward(hAll, rAll, [], []);
        Assert.Equal(first.Dx, third.Dx);
        Assert.Equal(first.Dh0, third.Dh0);
        Assert.Equal(first.DWeightIh, second.DWeightIh);
        Assert.Equal(first.DWeightHh, second.DWeightHh);
        Assert.Equal(first.DBiasIh, second.DBiasIh);
    }

    private static readonly FloatComparer Tolerance = new(1e-6f);

    private sealed class FloatComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * (1 + Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }

    internal static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}

/// <summary>Central differences on float inputs, evaluated in double.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// Compares each element of <paramref name="analytic"/> with (L(v+ε) − L(v−ε)) / 2ε. The kernels compute in float, so the
    /// step is large enough that rounding in L stays well below the tolerance; the functions are smooth (tanh, sigmoid),
    /// so the O(ε²) truncation error is small as well.
    /// </summary>
    public static void AssertMatches(string name, float[] values, float[] analytic, Func<double> loss,
        float epsilon = 3e-3f, double relative = 1e-2, double absolute = 1e-3)
    {
        Assert.Equal(values.Length, analytic.Length);
        for (int i = 0; i < values.Length; i++)
        {
            float original = values[i];
            values[i] = original + epsilon;
            double plus = loss();
            values[i] = original - epsilon;
            double minus = loss();
            values[i] = original;
            // The step actually taken in float, not the nominal one.
            double step = (double)(original + epsilon) - (double)(original - epsilon);
            double numeric = (plus - minus) / step;
            double error = Math.Abs(numeric - analytic[i]);
            double allowed = relative * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])) + absolute;
            Assert.True(error <= allowed,
                $"{name}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}, error {error:G3} > allowed {allowed:G3}");
        }
    }
}
