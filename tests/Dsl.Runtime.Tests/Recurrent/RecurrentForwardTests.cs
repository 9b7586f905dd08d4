using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

public class RecurrentForwardTests
{
    public static TheoryData<CellKind, bool, bool> Cases()
    {
        var data = new TheoryData<CellKind, bool, bool>();
        foreach (CellKind kind in Enum.GetValues<CellKind>())
        {
            data.Add(kind, false, true);
            data.Add(kind, true, true);
            data.Add(kind, true, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_scalar_reference(CellKind kind, bool initialState, bool bias)
    {
        var c = RecurrentCase.Create(kind, new RecurrentGeometry(InputSize: 7, HiddenSize: 9, Steps: 5), batch: 4, initialState, bias, seed: 21);
        var (hAll, hT, cT) = c.Forward();
        var (refAll, refT, refC) = ReferenceRecurrent.Forward(c);
        AssertClose(refAll, hAll, "hAll");
        AssertClose(refT, hT, "hT");
        AssertClose(refC, cT, "cT");
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Forward_with_wide_layer_matches_reference(CellKind kind)
    {
        // Hidden sizes past a Vector512 width exercise the vectorised element-wise paths and their tails.
        var c = RecurrentCase.Create(kind, new RecurrentGeometry(InputSize: 3, HiddenSize: 37, Steps: 3), batch: 2, initialState: true, bias: true, seed: 2);
        var (hAll, _, _) = c.Forward();
        AssertClose(ReferenceRecurrent.Forward(c).HAll, hAll, "hAll");
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Carrying_the_final_state_into_the_next_chunk_continues_the_sequence(CellKind kind)
    {
        // Truncated BPTT: a sequence of 6 steps run as two chunks of 3, the second starting from the first's final state.
        var whole = RecurrentCase.Create(kind, new RecurrentGeometry(4, 5, 6), batch: 2, initialState: true, bias: true, seed: 11);
        var (wholeAll, wholeT, wholeC) = whole.Forward();

        var half = new RecurrentGeometry(4, 5, 3);
        int split = half.InputLength(2);
        RecurrentCase Chunk(float[] x, float[] h0, float[] c0) => new()
        {
            Kind = kind, Geometry = half, Batch = 2, X = x, H0 = h0, C0 = c0,
            WeightIh = whole.WeightIh, WeightHh = whole.WeightHh, BiasIh = whole.BiasIh, BiasHh = whole.BiasHh,
        };
        var (firstAll, firstT, firstC) = Chunk(whole.X[..split], whole.H0, whole.C0).Forward();
        var (secondAll, secondT, secondC) = Chunk(whole.X[split..], firstT, firstC).Forward();

        // Not bit-exact: an optimised GEMM may block the whole-sequence projection differently from the chunks'.
        AssertClose(ToDouble(wholeAll), [.. firstAll, .. secondAll], "hAll");
        AssertClose(ToDouble(wholeT), secondT, "hT");
        AssertClose(ToDouble(wholeC), secondC, "cT");
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Reverse_direction_matches_reference_and_a_forward_run_over_the_reversed_sequence(CellKind kind)
    {
        var g = new RecurrentGeometry(InputSize: 4, HiddenSize: 5, Steps: 6, Reverse: true);
        const int batch = 2;
        var reverse = RecurrentCase.Create(kind, g, batch, initialState: true, bias: true, seed: 13);
        var (hAll, hT, cT) = reverse.Forward();
        var expected = ReferenceRecurrent.Forward(reverse);
        AssertClose(expected.HAll, hAll, "hAll");
        AssertClose(expected.HT, hT, "hT");
        AssertClose(expected.CT, cT, "cT");

        // Same weights forwards over the time-reversed input give the same outputs, time-reversed.
        float[] Flip(float[] values, int width)
        {
            var flipped = new float[values.Length];
            int block = batch * width;
            for (int t = 0; t < g.Steps; t++) values.AsSpan(t * block, block).CopyTo(flipped.AsSpan((g.Steps - 1 - t) * block, block));
            return flipped;
        }
        var forwards = new RecurrentCase
        {
            Kind = kind, Geometry = g with { Reverse = false }, Batch = batch, X = Flip(reverse.X, g.InputSize),
            H0 = reverse.H0, C0 = reverse.C0, WeightIh = reverse.WeightIh, WeightHh = reverse.WeightHh,
            BiasIh = reverse.BiasIh, BiasHh = reverse.BiasHh,
        };
        var (flippedAll, flippedT, _) = forwards.Forward();
        AssertClose(ToDouble(Flip(flippedAll, g.HiddenSize)), hAll, "hAll");
        AssertClose(ToDouble(flippedT), hT, "hT");
        Assert.Equal(hAll.AsSpan(0, batch * g.HiddenSize).ToArray(), hT); // the final state of a reverse run is step 0's output
    }

    [Fact]
    public void Bidirectional_concatenates_forward_features_first_and_splits_back()
    {
        float[] forward = [1, 2, 3, 4], backward = [5, 6, 7, 8];
        var joined = new float[8];
        Bidirectional.Concatenate(forward, backward, joined, rows: 2, hidden: 2);
        Assert.Equal([1f, 2, 5, 6, 3, 4, 7, 8], joined);
        var dForward = new float[4];
        var dBackward = new float[4];
        Bidirectional.Split(joined, dForward, dBackward, rows: 2, hidden: 2);
        Assert.Equal(forward, dForward);
        Assert.Equal(backward, dBackward);
        Assert.Throws<ArgumentException>(() => Bidirectional.Concatenate(forward, backward, new float[7], 2, 2));
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void State_can_be_carried_in_place(CellKind kind)
    {
        // Passing one buffer as both h0 and hT (and c0 and cT) is how a caller keeps state across minibatches.
        var c = RecurrentCase.Create(kind, new RecurrentGeometry(3, 4, 3), batch: 2, initialState: true, bias: true, seed: 6);
        var (expectedAll, expectedT, expectedC) = c.Forward();
        float[] h = (float[])c.H0.Clone(), cell = (float[])c.C0.Clone();
        var hAll = new float[c.OutputLength];
        var ws = new float[RecurrentCase.WorkspaceLength(kind, c.Geometry, 2)];
        switch (kind)
        {
            case CellKind.Rnn: RnnLayer.Forward(c.Geometry, 2, c.X, h, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, h, ws); break;
            case CellKind.Lstm: LstmLayer.Forward(c.Geometry, 2, c.X, h, cell, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, h, cell, ws); break;
            default: GruLayer.Forward(c.Geometry, 2, c.X, h, c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, hAll, h, ws); break;
        }
        Assert.Equal(expectedAll, hAll);
        Assert.Equal(expectedT, h);
        if (c.HasCell) Assert.Equal(expectedC, cell);
    }

    [Fact]
    public void Lstm_gate_order_is_input_forget_cell_output()
    {
        // With zero weights the gates are set by the biases alone. A large forget bias and tiny input bias on a cell state
        // of 1 must keep c ≈ 1; were the blocks in another order, c would change.
        var g = new RecurrentGeometry(1, 1, 1);
        float[] bias = [-30f, 30f, 0.5f, 30f]; // i ≈ 0, f ≈ 1, g = tanh(0.5), o ≈ 1
        var hAll = new float[1];
        var cT = new float[1];
        LstmLayer.Forward(g, 1, [0f], [0f], [1f], new float[4], new float[4], bias, [], hAll, [], cT, new float[LstmLayer.WorkspaceLength(g, 1)]);
        Assert.Equal(1f, cT[0], 1e-5f);
        Assert.Equal(MathF.Tanh(1f), hAll[0], 1e-5f);
    }

    [Fact]
    public void Gru_new_gate_applies_reset_to_the_recurrent_bias()
    {
        // r = σ(−30) ≈ 0 must remove b_hn from n (PyTorch's GRU); the other convention (reset before the matrix) would keep it.
        var g = new RecurrentGeometry(1, 1, 1);
        float[] biasIh = [-30f, 0f, 0f];
        float[] biasHh = [0f, 0f, 2f];
        var hAll = new float[1];
        GruLayer.Forward(g, 1, [0f], [0f], new float[3], new float[3], biasIh, biasHh, hAll, [], new float[GruLayer.WorkspaceLength(g, 1)]);
        Assert.Equal(0f, hAll[0], 1e-6f); // z = ½, n = tanh(0) = 0, h = 0
    }

    [Fact]
    public void Wrong_lengths_are_reported_with_expected_shape()
    {
        var g = new RecurrentGeometry(5, 6, 4);
        var ws = new float[LstmLayer.WorkspaceLength(g, 3)];
        var ex = Assert.Throws<ArgumentException>(() => LstmLayer.Forward(g, 3, new float[59], [], [], new float[24 * 5], new float[24 * 6],
            [], [], new float[72], [], [], ws));
        Assert.Equal("x", ex.ParamName);
        Assert.Contains("60 elements [4, 3, 5] but has 59", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => LstmLayer.Forward(g, 3, new float[60], [], [], new float[24 * 5], new float[18 * 6],
            [], [], new float[72], [], [], ws));
        Assert.Equal("weightHh", ex.ParamName);
        Assert.Contains("[24, 6]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => GruLayer.Forward(g, 3, new float[60], new float[17], new float[18 * 5], new float[18 * 6],
            [], [], new float[72], [], new float[GruLayer.WorkspaceLength(g, 3)]));
        Assert.Equal("h0", ex.ParamName);
        Assert.Contains("[3, 6]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => RnnLayer.Backward(g, 3, new float[60], [], new float[30], new float[36], new float[72],
            [], [], [], [], new float[30], new float[36], [], [], new float[3]));
        Assert.Equal("workspace", ex.ParamName);

        Assert.Throws<ArgumentOutOfRangeException>(() => RnnLayer.Forward(g, 0, [], [], new float[30], new float[36], [], [], [], [], []));
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static void AssertClose(double[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]),
                $"{name}[{i}]: expected {expected[i]:G9}, actual {actual[i]:G9}");
    }
}
