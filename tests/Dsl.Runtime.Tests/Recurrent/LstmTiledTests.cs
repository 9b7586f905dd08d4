using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

/// <summary>
/// The AVX-512 LSTM recurrence (<c>LstmKernels</c>, <c>LstmRecurrence</c>) against the portable path it replaces, the
/// gate functions against System.Math, and the token-input and inference overloads against their compositions.
/// On a machine without AVX-512 both paths are the portable one and the comparisons hold trivially.
/// </summary>
public class LstmTiledTests
{
    /// <summary>Input, hidden (multiples of 32 take the tiles, others the fallback), steps, batch, initial state, bias, reverse.</summary>
    public static TheoryData<int, int, int, int, bool, bool, bool> Shapes() => new()
    {
        { 5, 32, 4, 3, true, true, false },   // one backward tile, batch below a forward tile
        { 7, 64, 5, 9, true, true, false },   // padded row tiles in both directions
        { 3, 32, 1, 1, false, true, false },  // a single step, single example
        { 4, 32, 6, 10, true, false, true },  // reverse direction, no bias
        { 6, 96, 3, 17, false, true, false }, // three backward tiles, ragged batch split over threads
        { 5, 40, 3, 4, true, true, false },   // not a multiple of 32: the portable fallback
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tiled_path_matches_the_portable_path(int input, int hidden, int steps, int batch, bool initialState, bool bias, bool reverse)
    {
        var c = RecurrentCase.Create(CellKind.Lstm, new RecurrentGeometry(input, hidden, steps, reverse), batch, initialState, bias, seed: hidden + batch);
        var random = new Random(5);
        float[] dhAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] dhT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[] dcT = RecurrentCase.Uniform(random, c.StateLength, 1.0);

        var tiled = Run(c, dhAll, dhT, dcT, portable: false);
        var portable = Run(c, dhAll, dhT, dcT, portable: true);
        for (int i = 0; i < tiled.Length; i++) AssertClose(portable[i], tiled[i], 2e-5, $"output {i}");
    }

    [Fact]
    public void Tiled_gradients_match_central_differences()
    {
        var c = RecurrentCase.Create(CellKind.Lstm, new RecurrentGeometry(3, 32, 3), batch: 5, initialState: true, bias: true, seed: 17);
        var random = new Random(18);
        float[] rAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] rT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[] rC = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, rAll, rT, rC);
        double Loss()
        {
            var (h, hT, cT) = c.Forward();
            return RecurrentGradientTests.Dot(rAll, h) + RecurrentGradientTests.Dot(rT, hT) + RecurrentGradientTests.Dot(rC, cT);
        }
        foreach (var (name, values, analytic) in c.Tensors(gradients))
        {
            // Weights: a strided sample keeps the test short; every element passes through the same tile code.
            if (name.StartsWith("weight", StringComparison.Ordinal))
            {
                var sampleValues = values;
                for (int i = 0; i < values.Length; i += 37)
                {
                    float[] one = [values[i]];
                    double LossAt()
                    {
                        float saved = sampleValues[i];
                        sampleValues[i] = one[0];
                        double l = Loss();
                        sampleValues[i] = saved;
                        return l;
                    }
                    GradientCheck.AssertMatches($"{name}[{i}]", one, [analytic[i]], LossAt);
                }
            }
            else GradientCheck.AssertMatches(name, values, analytic, Loss);
        }
    }

    [Fact]
    public void Token_overloads_equal_the_one_hot_composition()
    {
        const int vocab = 11, hidden = 64, steps = 7, batch = 6;
        var g = new RecurrentGeometry(vocab, hidden, steps);
        var random = new Random(3);
        int[] tokens = new int[steps * batch];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(vocab);
        var c = RecurrentCase.Create(CellKind.Lstm, g, batch, initialState: true, bias: true, seed: 4);
        OneHot.Encode(tokens, c.X, vocab);
        float[] dhAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] dhT = RecurrentCase.Uniform(random, c.StateLength, 1.0);

        var (hAll, hT, cT) = c.Forward();
        var expected = c.Backward(hAll, dhAll, dhT, [], wantInputGradient: false);

        var tokenWorkspace = new float[LstmLayer.WorkspaceLength(g, batch) + LstmLayer.TokenTableLength(g)];
        float[] tAll = new float[c.OutputLength], tT = new float[c.StateLength], tC = new float[c.StateLength];
        LstmLayer.Forward(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, tAll, tT, tC, tokenWorkspace);
        // The gathered projection is the same floats as the one-hot GEMM, so the forward pass is bit-identical.
        Assert.Equal(hAll, tAll);
        Assert.Equal(hT, tT);
        Assert.Equal(cT, tC);

        float[] dh0 = new float[c.StateLength], dc0 = new float[c.StateLength];
        float[] dwIh = new float[c.WeightIh.Length], dwHh = new float[c.WeightHh.Length], dbIh = new float[4 * hidden], dbHh = new float[4 * hidden];
        LstmLayer.Backward(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, tAll, dhAll, dhT, [], dh0, dc0, dwIh, dwHh, dbIh, dbHh, tokenWorkspace);
        AssertClose(expected.Dh0, dh0, 1e-6, "dh0");
        AssertClose(expected.Dc0, dc0, 1e-6, "dc0");
        AssertClose(expected.DWeightIh, dwIh, 1e-5, "dWeightIh");
        AssertClose(expected.DWeightHh, dwHh, 1e-5, "dWeightHh");
        AssertClose(expected.DBiasIh, dbIh, 1e-5, "dBiasIh");
        AssertClose(expected.DBiasHh, dbHh, 1e-5, "dBiasHh");

        // Token inference gives the same outputs with the smaller workspace.
        var inferWorkspace = new float[LstmLayer.InferenceWorkspaceLength(g, batch) + LstmLayer.TokenTableLength(g)];
        float[] iAll = new float[c.OutputLength], iT = new float[c.StateLength], iC = new float[c.StateLength];
        LstmLayer.Infer(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, iAll, iT, iC, inferWorkspace);
        Assert.Equal(hAll, iAll);
        Assert.Equal(cT, iC);

        var bad = (int[])tokens.Clone();
        bad[5] = vocab;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            LstmLayer.Forward(g, batch, bad, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, tAll, tT, tC, tokenWorkspace));
        Assert.Contains("position 5", error.Message);
    }

    [Theory]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(20, true)]
    public void Infer_matches_forward(int hidden, bool initialState)
    {
        var g = new RecurrentGeometry(5, hidden, 4);
        const int batch = 7;
        var c = RecurrentCase.Create(CellKind.Lstm, g, batch, initialState, bias: true, seed: 9);
        foreach (bool portable in new[] { false, true })
        {
            float[] hAll = new float[c.OutputLength], hT = new float[c.StateLength], cT = new float[c.StateLength];
            LstmLayer.Forward(g, batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, hT, cT,
                new float[LstmLayer.WorkspaceLength(g, batch)], portable);
            float[] iAll = new float[c.OutputLength], iT = new float[c.StateLength], iC = new float[c.StateLength];
            LstmLayer.Infer(g, batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, iAll, iT, iC,
                new float[LstmLayer.InferenceWorkspaceLength(g, batch)], portable);
            AssertClose(hAll, iAll, 1e-6, $"hAll portable={portable}");
            AssertClose(hT, iT, 1e-6, $"hT portable={portable}");
            AssertClose(cT, iC, 1e-6, $"cT portable={portable}");
        }
    }

    [Fact]
    public void Gate_functions_match_System_Math()
    {
        if (!Avx512F.IsSupported) return;
        var xs = new List<float>();
        for (double x = -100; x <= 100; x += 0.0137) xs.Add((float)x);
        foreach (float x in new[] { 0f, -0f, 1e-30f, -1e-20f, 1e-7f, 3e-4f, -0.01f, 0.2499f, 0.25f, 0.2501f, 9f, -9f, 20f, 87f, -88f, 1e4f, -1e4f })
            xs.Add(x);
        for (int i = 0; i + 16 <= xs.Count; i += 16)
        {
            var v = Vector512.Create(xs.GetRange(i, 16).ToArray());
            Vector512<float> sigmoid = GateMath.Sigmoid(v), tanh = GateMath.Tanh(v);
            for (int l = 0; l < 16; l++)
            {
                double x = xs[i + l];
                double expectedSigmoid = 1 / (1 + Math.Exp(-x)), expectedTanh = Math.Tanh(x);
                // Below −87 the exponential is clamped (σ stays at e^−87 ≈ 1.6e-38 instead of going subnormal).
                double sigmoidError = x < -87 ? Math.Abs(sigmoid[l]) - 2e-38 : Math.Abs(sigmoid[l] - expectedSigmoid) - 1e-6 * expectedSigmoid;
                Assert.True(sigmoidError <= 0, $"σ({x:R}) = {sigmoid[l]:R}, expected {expectedSigmoid:R}");
                Assert.True(Math.Abs(tanh[l] - expectedTanh) <= 1e-6 * Math.Abs(expectedTanh) + 1e-38,
                    $"tanh({x:R}) = {tanh[l]:R}, expected {expectedTanh:R}");
            }
        }
    }

    [Fact]
    public void Forward_and_backward_allocate_nothing_after_warm_up()
    {
        var c = RecurrentCase.Create(CellKind.Lstm, new RecurrentGeometry(6, 64, 4), batch: 8, initialState: true, bias: true, seed: 2);
        var random = new Random(1);
        float[] dhAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        var (hAll, _, _) = c.Forward();
        var gradients = c.Backward(hAll, dhAll, [], []);
        float[] hT = new float[c.StateLength], cT = new float[c.StateLength], workspace = c.Workspace;
        void Step()
        {
            LstmLayer.Forward(c.Geometry, c.Batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, hT, cT, workspace);
            LstmLayer.Backward(c.Geometry, c.Batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, hAll, dhAll, [], [],
                gradients.Dx, gradients.Dh0, gradients.Dc0, gradients.DWeightIh, gradients.DWeightHh, gradients.DBiasIh, gradients.DBiasHh, workspace);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Forward with every output, then backward with every gradient, through the chosen path.</summary>
    internal static float[][] Run(RecurrentCase c, float[] dhAll, float[] dhT, float[] dcT, bool portable)
    {
        var g = c.Geometry;
        int batch = c.Batch, state = c.StateLength, gateRows = LstmLayer.Gates * g.HiddenSize;
        var workspace = new float[LstmLayer.WorkspaceLength(g, batch)];
        float[] hAll = new float[c.OutputLength], hT = new float[state], cT = new float[state];
        LstmLayer.Forward(g, batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, hT, cT, workspace, portable);
        float[] dx = new float[c.X.Length], dh0 = new float[state], dc0 = new float[state];
        float[] dwIh = new float[c.WeightIh.Length], dwHh = new float[c.WeightHh.Length];
        float[] dbIh = c.BiasIh.Length == 0 ? [] : new float[gateRows], dbHh = c.BiasHh.Length == 0 ? [] : new float[gateRows];
        LstmLayer.Backward(g, batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, hAll, dhAll, dhT, dcT,
            dx, dh0, dc0, dwIh, dwHh, dbIh, dbHh, workspace, portable);
        return [hAll, hT, cT, dx, dh0, dc0, dwIh, dwHh, dbIh, dbHh];
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}

/// <summary>The tiled LSTM's results must not depend on the thread count (changes <see cref="Parallelism.MaxDegree"/>, so runs alone).</summary>
[Collection(nameof(ParallelismCollection))]
public class LstmDeterminismTests
{
    [Theory]
    [InlineData(32, 16)]
    [InlineData(64, 9)]
    [InlineData(128, 64)]
    [InlineData(256, 6)] // packed W_hh of 1 MiB: split over hidden units, meeting once per step
    public void One_and_two_threads_give_bit_identical_results(int hidden, int batch)
    {
        var c = RecurrentCase.Create(CellKind.Lstm, new RecurrentGeometry(7, hidden, 5), batch, initialState: true, bias: true, seed: 31);
        var random = new Random(32);
        float[] dhAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] dhT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[][] one = [], two = [];
        GemmTests.WithDegree(1, () => one = LstmTiledTests.Run(c, dhAll, dhT, [], portable: false));
        GemmTests.WithDegree(2, () => two = LstmTiledTests.Run(c, dhAll, dhT, [], portable: false));
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    /// <summary>
    /// The split over hidden units, forced at small sizes and run with 2 and 3 parts (3 does not divide the tiles evenly),
    /// against one thread: training forward and backward, inference, and the token overloads, forwards and in reverse.
    /// </summary>
    [Theory]
    [InlineData(64, 9, false)]
    [InlineData(96, 5, true)]
    public void Unit_split_is_bit_identical_to_one_thread(int hidden, int batch, bool reverse)
    {
        const int vocab = 7, steps = 5;
        var g = new RecurrentGeometry(vocab, hidden, steps, reverse);
        var c = RecurrentCase.Create(CellKind.Lstm, g, batch, initialState: true, bias: true, seed: 41);
        var random = new Random(42);
        float[] dhAll = RecurrentCase.Uniform(random, c.OutputLength, 1.0);
        float[] dhT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        float[] dcT = RecurrentCase.Uniform(random, c.StateLength, 1.0);
        int[] tokens = new int[steps * batch];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(vocab);

        float[][] RunAll()
        {
            var results = new List<float[]>(LstmTiledTests.Run(c, dhAll, dhT, dcT, portable: false));
            float[] iAll = new float[c.OutputLength], iT = new float[c.StateLength], iC = new float[c.StateLength];
            LstmLayer.Infer(g, batch, c.X, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, iAll, iT, iC,
                new float[LstmLayer.InferenceWorkspaceLength(g, batch)]);
            results.AddRange([iAll, iT, iC]);
            var workspace = new float[LstmLayer.WorkspaceLength(g, batch) + LstmLayer.TokenTableLength(g)];
            float[] tAll = new float[c.OutputLength], tT = new float[c.StateLength], tC = new float[c.StateLength];
            LstmLayer.Forward(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, tAll, tT, tC, workspace);
            float[] dh0 = new float[c.StateLength], dc0 = new float[c.StateLength];
            float[] dwIh = new float[c.WeightIh.Length], dwHh = new float[c.WeightHh.Length], dbIh = new float[4 * hidden], dbHh = new float[4 * hidden];
            LstmLayer.Backward(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, tAll, dhAll, dhT, dcT, dh0, dc0, dwIh, dwHh, dbIh, dbHh, workspace);
            float[] uAll = new float[c.OutputLength], uC = new float[c.StateLength];
            LstmLayer.Infer(g, batch, tokens, c.H0, c.C0, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, uAll, default, uC,
                new float[LstmLayer.InferenceWorkspaceLength(g, batch) + LstmLayer.TokenTableLength(g)]);
            results.AddRange([tAll, tT, tC, dh0, dc0, dwIh, dwHh, dbIh, dbHh, uAll, uC]);
            return [.. results];
        }

        float[][] one = [];
        GemmTests.WithDegree(1, () => one = RunAll());
        long saved = LstmRecurrence.UnitSplitBytes;
        LstmRecurrence.UnitSplitBytes = 0;
        try
        {
            foreach (int degree in new[] { 2, 3 })
            {
                float[][] split = [];
                GemmTests.WithDegree(degree, () =>
                {
                    Assert.Equal(degree, LstmRecurrence.UnitParts(hidden, LstmKernels.ForwardUnits)); // the split is really taken
                    split = RunAll();
                });
                for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], split[i]);
            }
        }
        finally
        {
            LstmRecurrence.UnitSplitBytes = saved;
        }
    }
}
