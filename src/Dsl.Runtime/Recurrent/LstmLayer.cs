using System.Numerics;
using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// A single-direction LSTM layer run over a whole time-major sequence, with PyTorch's <c>nn.LSTM</c> parameters
/// (<c>weight_ih_l0 [4H, I]</c>, <c>weight_hh_l0 [4H, H]</c>, <c>bias_ih_l0 [4H]</c>, <c>bias_hh_l0 [4H]</c>, gate blocks in the order
/// input, forget, cell, output), so weights move to and from PyTorch unchanged:
/// <code>
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                     h' = o ⊙ tanh(c')
/// </code>
/// Empty <c>h0</c>/<c>c0</c> mean a zero initial state; empty biases mean none. To carry state across minibatches
/// (truncated BPTT), pass the previous <c>hT</c>/<c>cT</c> as <c>h0</c>/<c>c0</c> and ignore <c>dh0</c>/<c>dc0</c>: that detaches it.
/// The final state is written after the initial state was last read, so one buffer may serve as both (and as
/// <c>dhT</c> and <c>dh0</c> in backward). No other arguments may overlap.
/// </summary>
public static class LstmLayer
{
    /// <summary>Gate blocks per hidden unit: i, f, g, o.</summary>
    public const int Gates = 4;

    /// <summary>
    /// Floats the workspace needs for <paramref name="batch"/> examples. <see cref="Forward"/> stores the gate
    /// activations, cell states and their tanh there for <see cref="Backward"/>; the rest is backward scratch.
    /// </summary>
    public static int WorkspaceLength(in RecurrentGeometry g, int batch)
    {
        int rows = g.Steps * batch, h = g.HiddenSize;
        return ForwardLength(rows, h) + rows * Gates * h + 2 * batch * h;
    }

    // Layout: gates [rows, 4H] | cells [rows, H] | tanh(cells) [rows, H] | dGates [rows, 4H] | dh [batch, H] | dc [batch, H].
    private static int ForwardLength(int rows, int h) => rows * Gates * h + 2 * rows * h;

    /// <summary>
    /// Runs the layer over all <c>g.Steps</c> steps. <paramref name="hAll"/> receives every step's output
    /// <c>[steps, batch, H]</c>; <paramref name="hT"/> and <paramref name="cT"/> the final state (each may be empty if not wanted).
    /// </summary>
    public static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, c0.Length, nameof(c0));
        RecurrentChecks.State(g, batch, hT.Length, nameof(hT));
        RecurrentChecks.State(g, batch, cT.Length, nameof(cT));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, WorkspaceLength(g, batch), nameof(workspace));

        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        Span<float> gates = workspace.Slice(0, rows * width);
        Span<float> cells = workspace.Slice(rows * width, rows * h);
        Span<float> tanhCells = workspace.Slice(rows * width + rows * h, rows * h);

        RecurrentMath.InputProjection(x, weightIh, biasIh, biasHh, gates, rows, width, g.InputSize);

        for (int s = 0; s < g.Steps; s++)
        {
            int t = g.TimeAt(s);
            Span<float> stepGates = gates.Slice(t * batch * width, batch * width);
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hAll.Slice(g.PreviousTime(t) * state, state);
            ReadOnlySpan<float> cPrev = s == 0 ? c0 : cells.Slice(g.PreviousTime(t) * state, state);
            if (!hPrev.IsEmpty) Gemm.Multiply(hPrev, false, weightHh, true, stepGates, batch, width, h, accumulate: true);

            for (int b = 0; b < batch; b++)
            {
                Span<float> row = stepGates.Slice(b * width, width);
                Span<float> inputForget = row.Slice(0, 2 * h);
                Span<float> cell = row.Slice(2 * h, h);
                Span<float> output = row.Slice(3 * h, h);
                TensorPrimitives.Sigmoid(inputForget, inputForget);
                TensorPrimitives.Tanh(cell, cell);
                TensorPrimitives.Sigmoid(output, output);

                int offset = t * state + b * h;
                Span<float> c = cells.Slice(offset, h);
                TensorPrimitives.Multiply(row.Slice(0, h), cell, c);
                if (!cPrev.IsEmpty) TensorPrimitives.MultiplyAdd(row.Slice(h, h), cPrev.Slice(b * h, h), c, c);
                Span<float> tanhC = tanhCells.Slice(offset, h);
                TensorPrimitives.Tanh(c, tanhC);
                TensorPrimitives.Multiply(output, tanhC, hAll.Slice(offset, h));
            }
        }

        int last = g.TimeAt(g.Steps - 1) * state;
        if (!hT.IsEmpty) hAll.Slice(last, state).CopyTo(hT);
        if (!cT.IsEmpty) cells.Slice(last, state).CopyTo(cT);
    }

    /// <summary>
    /// Backpropagation through time, after <see cref="Forward"/> with the same inputs, parameters, outputs and workspace.
    /// <paramref name="dhAll"/> is the gradient with respect to every step's output (empty means zero, e.g. when only the
    /// final state is used); <paramref name="dhT"/>/<paramref name="dcT"/> with respect to the final state (empty means zero).
    /// Writes <paramref name="dx"/>, <paramref name="dh0"/>, <paramref name="dc0"/> (each skipped when empty) and overwrites the
    /// parameter gradients (bias gradients skipped when empty). The workspace's forward part is left intact, so Backward may be repeated.
    /// </summary>
    public static void Backward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dx, Span<float> dh0, Span<float> dc0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh,
        Span<float> workspace)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.EmptyOr(dx.Length, nameof(dx), g.Steps, batch, g.InputSize, rank: 3);
        RecurrentChecks.EmptyOr(dhAll.Length, nameof(dhAll), g.Steps, batch, g.HiddenSize, rank: 3);
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, c0.Length, nameof(c0));
        RecurrentChecks.State(g, batch, dhT.Length, nameof(dhT));
        RecurrentChecks.State(g, batch, dcT.Length, nameof(dcT));
        RecurrentChecks.State(g, batch, dh0.Length, nameof(dh0));
        RecurrentChecks.State(g, batch, dc0.Length, nameof(dc0));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, 0, 0);
        RecurrentChecks.ParameterGradients(g, Gates, dWeightIh.Length, dWeightHh.Length, dBiasIh.Length, dBiasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, WorkspaceLength(g, batch), nameof(workspace));

        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        ReadOnlySpan<float> gates = workspace.Slice(0, rows * width);
        ReadOnlySpan<float> cells = workspace.Slice(rows * width, rows * h);
        ReadOnlySpan<float> tanhCells = workspace.Slice(rows * width + rows * h, rows * h);
        int scratch = ForwardLength(rows, h);
        Span<float> dGates = workspace.Slice(scratch, rows * width);
        Span<float> dh = workspace.Slice(scratch + rows * width, state);
        Span<float> dc = workspace.Slice(scratch + rows * width + state, state);

        RecurrentMath.CopyOrClear(dhT, dh);
        RecurrentMath.CopyOrClear(dcT, dc);

        for (int s = g.Steps - 1; s >= 0; s--)
        {
            int t = g.TimeAt(s);
            if (!dhAll.IsEmpty) TensorPrimitives.Add(dh, dhAll.Slice(t * state, state), dh);
            ReadOnlySpan<float> cPrev = s == 0 ? c0 : cells.Slice(g.PreviousTime(t) * state, state);
            int gateBase = t * batch * width;
            for (int b = 0; b < batch; b++)
                GateGradients(gates.Slice(gateBase + b * width, width), tanhCells.Slice(t * state + b * h, h),
                    cPrev.IsEmpty ? default : cPrev.Slice(b * h, h), dh.Slice(b * h, h), dc.Slice(b * h, h),
                    dGates.Slice(gateBase + b * width, width), h);
            // dh for the previous step (or dh0) comes only through the recurrent weights.
            if (s > 0 || !dh0.IsEmpty)
                Gemm.Multiply(dGates.Slice(gateBase, batch * width), false, weightHh, false, dh, batch, h, width);
        }
        if (!dh0.IsEmpty) dh.CopyTo(dh0);
        if (!dc0.IsEmpty) dc.CopyTo(dc0);

        RecurrentMath.InputGradients(dGates, x, weightIh, dx, dWeightIh, dBiasIh, rows, width, g.InputSize);
        RecurrentMath.HiddenGradients(g, batch, dGates, hAll, h0, dWeightHh, dBiasHh, width);
    }

    /// <summary>
    /// One example at one step: pre-activation gradients of the four gates from dh and the incoming dc, and dc for the
    /// previous step (in place). <paramref name="cPrev"/> empty means a zero previous cell state.
    /// </summary>
    private static void GateGradients(ReadOnlySpan<float> row, ReadOnlySpan<float> tanhCell, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dRow, int h)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; j <= h - Vector<float>.Count; j += Vector<float>.Count)
            {
                var i = new Vector<float>(row.Slice(j));
                var f = new Vector<float>(row.Slice(h + j));
                var c = new Vector<float>(row.Slice(2 * h + j));
                var o = new Vector<float>(row.Slice(3 * h + j));
                var tanhC = new Vector<float>(tanhCell.Slice(j));
                var dhj = new Vector<float>(dh.Slice(j));
                var dcj = new Vector<float>(dc.Slice(j)) + dhj * o * (one - tanhC * tanhC);
                var cp = cPrev.IsEmpty ? Vector<float>.Zero : new Vector<float>(cPrev.Slice(j));
                (dcj * c * i * (one - i)).CopyTo(dRow.Slice(j));
                (dcj * cp * f * (one - f)).CopyTo(dRow.Slice(h + j));
                (dcj * i * (one - c * c)).CopyTo(dRow.Slice(2 * h + j));
                (dhj * tanhC * o * (one - o)).CopyTo(dRow.Slice(3 * h + j));
                (dcj * f).CopyTo(dc.Slice(j));
            }
        }
        for (; j < h; j++)
        {
            float i = row[j], f = row[h + j], c = row[2 * h + j], o = row[3 * h + j];
            float tanhC = tanhCell[j];
            float dhj = dh[j];
            // The cell state receives gradient from the next step (dc) and through this step's output.
            float dcj = dc[j] + dhj * o * (1f - tanhC * tanhC);
            float cp = cPrev.IsEmpty ? 0f : cPrev[j];
            dRow[j] = dcj * c * i * (1f - i);
            dRow[h + j] = dcj * cp * f * (1f - f);
            dRow[2 * h + j] = dcj * i * (1f - c * c);
            dRow[3 * h + j] = dhj * tanhC * o * (1f - o);
            dc[j] = dcj * f;
        }
    }
}
