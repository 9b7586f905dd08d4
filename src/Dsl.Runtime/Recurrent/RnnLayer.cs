using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// A single-direction Elman RNN layer with tanh, run over a whole time-major sequence, with PyTorch's <c>nn.RNN</c>
/// parameters (<c>weight_ih_l0 [H, I]</c>, <c>weight_hh_l0 [H, H]</c>, <c>bias_ih_l0 [H]</c>, <c>bias_hh_l0 [H]</c>):
/// <c>h' = tanh(W_ih x + b_ih + W_hh h + b_hh)</c>.
/// Empty <c>h0</c> means a zero initial state; empty biases mean none. To carry state across minibatches
/// (truncated BPTT), pass the previous <c>hT</c> as <c>h0</c> and ignore <c>dh0</c>.
/// The final state is written after the initial state was last read, so one buffer may serve as both (and as
/// <c>dhT</c> and <c>dh0</c> in backward). No other arguments may overlap.
/// </summary>
public static class RnnLayer
{
    /// <summary>One block per hidden unit.</summary>
    public const int Gates = 1;

    /// <summary>
    /// Floats the workspace needs for <paramref name="batch"/> examples. The forward pass keeps nothing beyond its
    /// outputs (tanh's derivative comes from <c>hAll</c>), so all of it is backward scratch.
    /// </summary>
    public static int WorkspaceLength(in RecurrentGeometry g, int batch) => g.Steps * batch * g.HiddenSize + batch * g.HiddenSize;

    /// <summary>
    /// Runs the layer over all <c>g.Steps</c> steps. <paramref name="hAll"/> receives every step's output
    /// <c>[steps, batch, H]</c>; <paramref name="hT"/> the final state (may be empty if not wanted).
    /// <paramref name="workspace"/> is unused and may be empty; it is there so every recurrent layer is called alike.
    /// </summary>
    public static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> workspace)
    {
        _ = workspace;
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, hT.Length, nameof(hT));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);

        int h = g.HiddenSize, rows = g.Steps * batch, state = batch * h;
        // The pre-activations are built in place in hAll, then squashed step by step.
        RecurrentMath.InputProjection(x, weightIh, biasIh, biasHh, hAll, rows, h, g.InputSize);
        for (int s = 0; s < g.Steps; s++)
        {
            int t = g.TimeAt(s);
            Span<float> step = hAll.Slice(t * state, state);
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hAll.Slice(g.PreviousTime(t) * state, state);
            if (!hPrev.IsEmpty) Gemm.Multiply(hPrev, false, weightHh, true, step, batch, h, h, accumulate: true);
            TensorPrimitives.Tanh(step, step);
        }
        if (!hT.IsEmpty) hAll.Slice(g.TimeAt(g.Steps - 1) * state, state).CopyTo(hT);
    }

    /// <summary>
    /// Backpropagation through time, after <see cref="Forward"/> with the same inputs, parameters and outputs.
    /// <paramref name="dhAll"/> is the gradient with respect to every step's output (empty means zero);
    /// <paramref name="dhT"/> with respect to the final state (empty means zero). Writes <paramref name="dx"/> and
    /// <paramref name="dh0"/> (each skipped when empty) and overwrites the parameter gradients (bias gradients skipped when empty).
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

        int h = g.HiddenSize, rows = g.Steps * batch, state = batch * h;
        Span<float> dPre = workspace.Slice(0, rows * h);
        Span<float> dh = workspace.Slice(rows * h, state);

        RecurrentMath.CopyOrClear(dhT, dh);
        for (int s = g.Steps - 1; s >= 0; s--)
        {
            int t = g.TimeAt(s);
            if (!dhAll.IsEmpty) TensorPrimitives.Add(dh, dhAll.Slice(t * state, state), dh);
            ReadOnlySpan<float> step = hAll.Slice(t * state, state);
            Span<float> dStep = dPre.Slice(t * state, state);
            // tanh' = 1 − h²: dPre = dh − dh ⊙ h ⊙ h.
            TensorPrimitives.Multiply(step, step, dStep);
            TensorPrimitives.Multiply(dStep, dh, dStep);
            TensorPrimitives.Subtract(dh, dStep, dStep);
            if (s > 0 || !dh0.IsEmpty) Gemm.Multiply(dStep, false, weightHh, false, dh, batch, h, h);
        }
        if (!dh0.IsEmpty) dh.CopyTo(dh0);

        RecurrentMath.InputGradients(dPre, x, weightIh, dx, dWeightIh, dBiasIh, rows, h, g.InputSize);
        RecurrentMath.HiddenGradients(g, batch, dPre, hAll, h0, dWeightHh, dBiasHh, h);
    }
}
