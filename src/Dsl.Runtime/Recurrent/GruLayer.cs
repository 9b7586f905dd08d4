using System.Numerics;
using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// A single-direction GRU layer run over a whole time-major sequence, with PyTorch's <c>nn.GRU</c> parameters
/// (<c>weight_ih_l0 [3H, I]</c>, <c>weight_hh_l0 [3H, H]</c>, <c>bias_ih_l0 [3H]</c>, <c>bias_hh_l0 [3H]</c>, gate blocks in the order
/// reset, update, new) and PyTorch's equations, where the reset gate scales the recurrent term including its bias:
/// <code>
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// Empty <c>h0</c> means a zero initial state; empty biases mean none. To carry state across minibatches
/// (truncated BPTT), pass the previous <c>hT</c> as <c>h0</c> and ignore <c>dh0</c>.
/// The final state is written after the initial state was last read, so one buffer may serve as both (and as
/// <c>dhT</c> and <c>dh0</c> in backward). No other arguments may overlap.
/// </summary>
public static class GruLayer
{
    /// <summary>Gate blocks per hidden unit: r, z, n.</summary>
    public const int Gates = 3;

    /// <summary>
    /// Floats the workspace needs for <paramref name="batch"/> examples. <see cref="Forward"/> stores the gate
    /// activations and the recurrent term of the new gate there for <see cref="Backward"/>; the rest is scratch.
    /// </summary>
    public static int WorkspaceLength(in RecurrentGeometry g, int batch)
    {
        int rows = g.Steps * batch, h = g.HiddenSize;
        return ForwardLength(rows, batch, h) + 2 * rows * Gates * h + 2 * batch * h;
    }

    // Layout: gates [rows, 3H] | hn = W_hn h + b_hn [rows, H] | recurrent scratch [batch, 3H]
    //       | dInput [rows, 3H] | dHidden [rows, 3H] | dh [batch, H] | dh' [batch, H].
    // The input-side and hidden-side pre-activation gradients differ only in the new gate (the hidden side is scaled by r),
    // but both feed a whole-sequence GEMM, so both are kept.
    private static int ForwardLength(int rows, int batch, int h) => rows * Gates * h + rows * h + batch * Gates * h;

    /// <summary>
    /// Runs the layer over all <c>g.Steps</c> steps. <paramref name="hAll"/> receives every step's output
    /// <c>[steps, batch, H]</c>; <paramref name="hT"/> the final state (may be empty if not wanted).
    /// </summary>
    public static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> workspace)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, hT.Length, nameof(hT));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, WorkspaceLength(g, batch), nameof(workspace));

        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        Span<float> gates = workspace.Slice(0, rows * width);
        Span<float> hiddenNew = workspace.Slice(rows * width, rows * h);
        Span<float> recurrent = workspace.Slice(rows * width + rows * h, batch * width);

        // b_hh cannot be folded into the projection: its new-gate part sits inside r ⊙ (…).
        RecurrentMath.InputProjection(x, weightIh, biasIh, default, gates, rows, width, g.InputSize);

        for (int s = 0; s < g.Steps; s++)
        {
            int t = g.TimeAt(s);
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hAll.Slice(g.PreviousTime(t) * state, state);
            if (hPrev.IsEmpty) recurrent.Clear();
            else Gemm.Multiply(hPrev, false, weightHh, true, recurrent, batch, width, h);
            RecurrentMath.AddBiasRows(recurrent, biasHh, batch, width);

            for (int b = 0; b < batch; b++)
            {
                Span<float> row = gates.Slice((t * batch + b) * width, width);
                ReadOnlySpan<float> recurrentRow = recurrent.Slice(b * width, width);
                Span<float> resetUpdate = row.Slice(0, 2 * h);
                TensorPrimitives.Add(resetUpdate, recurrentRow.Slice(0, 2 * h), resetUpdate);
                TensorPrimitives.Sigmoid(resetUpdate, resetUpdate);

                int offset = t * state + b * h;
                Span<float> hn = hiddenNew.Slice(offset, h);
                recurrentRow.Slice(2 * h, h).CopyTo(hn);
                Span<float> n = row.Slice(2 * h, h);
                TensorPrimitives.MultiplyAdd(row.Slice(0, h), hn, n, n);
                TensorPrimitives.Tanh(n, n);

                // h' = n + z ⊙ (h − n), which with a zero h is n − z ⊙ n.
                Span<float> hOut = hAll.Slice(offset, h);
                ReadOnlySpan<float> z = row.Slice(h, h);
                if (hPrev.IsEmpty)
                {
                    TensorPrimitives.Multiply(z, n, hOut);
                    TensorPrimitives.Subtract(n, hOut, hOut);
                }
                else
                {
                    TensorPrimitives.Subtract(hPrev.Slice(b * h, h), n, hOut);
                    TensorPrimitives.MultiplyAdd(z, hOut, n, hOut);
                }
            }
        }

        if (!hT.IsEmpty) hAll.Slice(g.TimeAt(g.Steps - 1) * state, state).CopyTo(hT);
    }

    /// <summary>
    /// Backpropagation through time, after <see cref="Forward"/> with the same inputs, parameters, outputs and workspace.
    /// <paramref name="dhAll"/> is the gradient with respect to every step's output (empty means zero);
    /// <paramref name="dhT"/> with respect to the final state (empty means zero). Writes <paramref name="dx"/> and
    /// <paramref name="dh0"/> (each skipped when empty) and overwrites the parameter gradients (bias gradients skipped when empty).
    /// The workspace's forward part is left intact, so Backward may be repeated.
    /// </summary>
    public static void Backward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT,
        Span<float> dx, Span<float> dh0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh,
        Span<float> workspace)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.EmptyOr(dx.Length, nameof(dx), g.Steps, batch, g.InputSize, rank: 3);
        RecurrentChecks.EmptyOr(dhAll.Length, nameof(dhAll), g.Steps, batch, g.HiddenSize, rank: 3);
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, dhT.Length, nameof(dhT));
        RecurrentChecks.State(g, batch, dh0.Length, nameof(dh0));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, 0, 0);
        RecurrentChecks.ParameterGradients(g, Gates, dWeightIh.Length, dWeightHh.Length, dBiasIh.Length, dBiasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, WorkspaceLength(g, batch), nameof(workspace));

        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        ReadOnlySpan<float> gates = workspace.Slice(0, rows * width);
        ReadOnlySpan<float> hiddenNew = workspace.Slice(rows * width, rows * h);
        int scratch = ForwardLength(rows, batch, h);
        Span<float> dInput = workspace.Slice(scratch, rows * width);
        Span<float> dHidden = workspace.Slice(scratch + rows * width, rows * width);
        Span<float> dh = workspace.Slice(scratch + 2 * rows * width, state);
        Span<float> dhPrev = workspace.Slice(scratch + 2 * rows * width + state, state);

        RecurrentMath.CopyOrClear(dhT, dh);

        for (int s = g.Steps - 1; s >= 0; s--)
        {
            int t = g.TimeAt(s);
            if (!dhAll.IsEmpty) TensorPrimitives.Add(dh, dhAll.Slice(t * state, state), dh);
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hAll.Slice(g.PreviousTime(t) * state, state);
            int gateBase = t * batch * width;
            for (int b = 0; b < batch; b++)
                GateGradients(gates.Slice(gateBase + b * width, width), hiddenNew.Slice(t * state + b * h, h),
                    hPrev.IsEmpty ? default : hPrev.Slice(b * h, h), dh.Slice(b * h, h), dhPrev.Slice(b * h, h),
                    dInput.Slice(gateBase + b * width, width), dHidden.Slice(gateBase + b * width, width), h);
            // Besides the direct path through z ⊙ h, the previous step (or h0) receives gradient through the recurrent weights.
            if (s > 0 || !dh0.IsEmpty)
                Gemm.Multiply(dHidden.Slice(gateBase, batch * width), false, weightHh, false, dhPrev, batch, h, width, accumulate: true);
            Span<float> swap = dh;
            dh = dhPrev;
            dhPrev = swap;
        }
        if (!dh0.IsEmpty) dh.CopyTo(dh0);

        RecurrentMath.InputGradients(dInput, x, weightIh, dx, dWeightIh, dBiasIh, rows, width, g.InputSize);
        RecurrentMath.HiddenGradients(g, batch, dHidden, hAll, h0, dWeightHh, dBiasHh, width);
    }

    /// <summary>
    /// One example at one step: pre-activation gradients on the input side and on the hidden side (they differ in the
    /// new gate, whose hidden term is scaled by r), and the direct part <c>dh ⊙ z</c> of the previous state's gradient.
    /// <paramref name="hPrev"/> empty means a zero previous state.
    /// </summary>
    private static void GateGradients(ReadOnlySpan<float> row, ReadOnlySpan<float> hiddenNew, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dhPrev, Span<float> dInputRow, Span<float> dHiddenRow, int h)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; j <= h - Vector<float>.Count; j += Vector<float>.Count)
            {
                var r = new Vector<float>(row.Slice(j));
                var z = new Vector<float>(row.Slice(h + j));
                var n = new Vector<float>(row.Slice(2 * h + j));
                var hp = hPrev.IsEmpty ? Vector<float>.Zero : new Vector<float>(hPrev.Slice(j));
                var dhj = new Vector<float>(dh.Slice(j));
                var dn = dhj * (one - z) * (one - n * n);
                var dz = dhj * (hp - n) * z * (one - z);
                var dr = dn * new Vector<float>(hiddenNew.Slice(j)) * r * (one - r);
                dr.CopyTo(dInputRow.Slice(j));
                dz.CopyTo(dInputRow.Slice(h + j));
                dn.CopyTo(dInputRow.Slice(2 * h + j));
                dr.CopyTo(dHiddenRow.Slice(j));
                dz.CopyTo(dHiddenRow.Slice(h + j));
                (dn * r).CopyTo(dHiddenRow.Slice(2 * h + j));
                (dhj * z).CopyTo(dhPrev.Slice(j));
            }
        }
        for (; j < h; j++)
        {
            float r = row[j], z = row[h + j], n = row[2 * h + j];
            float hp = hPrev.IsEmpty ? 0f : hPrev[j];
            float dhj = dh[j];
            float dn = dhj * (1f - z) * (1f - n * n);
            float dz = dhj * (hp - n) * z * (1f - z);
            float dr = dn * hiddenNew[j] * r * (1f - r);
            dInputRow[j] = dr;
            dInputRow[h + j] = dz;
            dInputRow[2 * h + j] = dn;
            dHiddenRow[j] = dr;
            dHiddenRow[h + j] = dz;
            dHiddenRow[2 * h + j] = dn * r;
            dhPrev[j] = dhj * z;
        }
    }
}
