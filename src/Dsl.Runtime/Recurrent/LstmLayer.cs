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
    /// Floats the workspace needs for <paramref name="batch"/> examples. <see cref="Forward(in RecurrentGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float})"/>
    /// stores the gate activations, cell states and their tanh there for Backward; the rest is backward scratch.
    /// </summary>
    public static int WorkspaceLength(in RecurrentGeometry g, int batch)
    {
        int rows = g.Steps * batch, h = g.HiddenSize;
        return ForwardLength(rows, h) + rows * Gates * h + 2 * batch * h;
    }

    /// <summary>Floats the workspace of <see cref="Infer(in RecurrentGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float})"/> needs: the input projection and one cell state.</summary>
    public static int InferenceWorkspaceLength(in RecurrentGeometry g, int batch) =>
        g.Steps * batch * Gates * g.HiddenSize + batch * g.HiddenSize;

    /// <summary>
    /// Extra floats the token-input overloads need after the workspace (<see cref="WorkspaceLength"/> for Forward and
    /// Backward, <see cref="InferenceWorkspaceLength"/> for Infer): <c>W_ih</c> transposed with the biases folded in,
    /// one row of gate inputs per token, <c>[vocab, 4H]</c>, and its gradient in Backward.
    /// </summary>
    public static int TokenTableLength(in RecurrentGeometry g) => g.InputSize * Gates * g.HiddenSize;

    // Layout: gates [rows, 4H] | cells [rows, H] | tanh(cells) [rows, H] | dGates [rows, 4H] | dh [batch, H] | dc [batch, H].
    // Inference: gates [rows, 4H] | cell state [batch, H].
    private static int ForwardLength(int rows, int h) => rows * Gates * h + 2 * rows * h;

    /// <summary>
    /// Runs the layer over all <c>g.Steps</c> steps. <paramref name="hAll"/> receives every step's output
    /// <c>[steps, batch, H]</c>; <paramref name="hT"/> and <paramref name="cT"/> the final state (each may be empty if not wanted).
    /// </summary>
    public static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
        => Forward(g, batch, x, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, portable: false);

    /// <summary>As the public Forward; <paramref name="portable"/> forces the portable path (tests compare the two).</summary>
    internal static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace, bool portable)
        => Run(g, batch, x, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, inference: false, portable);

    /// <summary>
    /// Forward from token ids <c>[steps, batch]</c> (time-major) instead of one-hot rows: the same result as one-hot
    /// encoding them into <c>x</c> with <c>g.InputSize</c> classes, but the input projection of a one-hot row is a column
    /// of <c>W_ih</c>, so it is gathered rather than multiplied. The workspace needs <see cref="TokenTableLength"/> more floats.
    /// </summary>
    public static void Forward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
        => Run(g, batch, tokens, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, inference: false);

    /// <summary>
    /// Forward for inference: the same outputs as Forward, but nothing is kept for Backward, so the workspace is
    /// <see cref="InferenceWorkspaceLength"/> floats and the step writes less memory.
    /// </summary>
    public static void Infer(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
        => Infer(g, batch, x, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, portable: false);

    /// <summary>As the public Infer; <paramref name="portable"/> forces the portable path.</summary>
    internal static void Infer(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace, bool portable)
        => Run(g, batch, x, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, inference: true, portable);

    /// <summary>Infer from token ids (see the token Forward); the workspace needs <see cref="TokenTableLength"/> more floats.</summary>
    public static void Infer(in RecurrentGeometry g, int batch,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
        => Run(g, batch, tokens, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace, inference: true);

    /// <summary>Forward or Infer over float rows: input projection for all steps as one GEMM, then the recurrence.</summary>
    private static void Run(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace, bool inference, bool portable)
    {
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        int length = inference ? InferenceWorkspaceLength(g, batch) : WorkspaceLength(g, batch);
        CheckForward(g, batch, h0, c0, weightIh, weightHh, biasIh, biasHh, hT, cT, workspace, length);
        int width = Gates * g.HiddenSize, rows = g.Steps * batch;
        if (!portable && LstmKernels.Supported(g.HiddenSize))
        {
            // The tiles multiply each step's inputs themselves (another block of depths after the previous state's), so the
            // projection of the whole sequence is neither written nor read back.
            Recur(g, batch, h0, c0, weightHh, hAll, hT, cT, workspace, default, default, inference, portable: false,
                x, weightIh, biasIh, biasHh);
            return;
        }
        RecurrentMath.InputProjection(x, weightIh, biasIh, biasHh, workspace.Slice(0, rows * width), rows, width, g.InputSize);
        Recur(g, batch, h0, c0, weightHh, hAll, hT, cT, workspace, default, default, inference, portable);
    }

    /// <summary>Forward or Infer over token ids: the input projection gathered from W_ih's columns, then the recurrence.</summary>
    private static void Run(in RecurrentGeometry g, int batch,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace, bool inference)
    {
        int length = inference ? InferenceWorkspaceLength(g, batch) : WorkspaceLength(g, batch);
        CheckTokens(g, batch, tokens, hAll.Length);
        CheckForward(g, batch, h0, c0, weightIh, weightHh, biasIh, biasHh, hT, cT, workspace, length + TokenTableLength(g));
        Span<float> table = workspace.Slice(length, TokenTableLength(g));
        BuildTokenTable(g, weightIh, biasIh, biasHh, table);
        if (LstmKernels.Supported(g.HiddenSize))
        {
            // The tiles read each row's input projection from the table (kept in cache), so no rows are gathered.
            Recur(g, batch, h0, c0, weightHh, hAll, hT, cT, workspace, tokens, table, inference, portable: false);
            return;
        }
        GatherInputProjection(tokens, table, workspace, Gates * g.HiddenSize);
        Recur(g, batch, h0, c0, weightHh, hAll, hT, cT, workspace, default, default, inference, portable: false);
    }

    private static void CheckForward(in RecurrentGeometry g, int batch, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hT, Span<float> cT, Span<float> workspace, int workspaceLength)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, c0.Length, nameof(c0));
        RecurrentChecks.State(g, batch, hT.Length, nameof(hT));
        RecurrentChecks.State(g, batch, cT.Length, nameof(cT));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, workspaceLength, nameof(workspace));
    }

    private static void CheckTokens(in RecurrentGeometry g, int batch, ReadOnlySpan<int> tokens, int hAll)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.Exact(tokens.Length, nameof(tokens), g.Steps, batch, rank: 2);
        RecurrentChecks.Exact(hAll, nameof(hAll), g.Steps, batch, g.HiddenSize, rank: 3);
        for (int k = 0; k < tokens.Length; k++) Embedding.CheckToken(tokens[k], k, g.InputSize);
    }

    /// <summary>
    /// The input projection of one-hot tokens: <c>table[v, :] = W_ih[:, v] + b_ih + b_hh</c>; each row of gate inputs is its
    /// token's table row. Adding the biases into the table once gives the same sums as adding them per row.
    /// </summary>
    private static void BuildTokenTable(in RecurrentGeometry g, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> biasIh,
        ReadOnlySpan<float> biasHh, Span<float> table)
    {
        int vocab = g.InputSize, width = Gates * g.HiddenSize;
        for (int n = 0; n < width; n++)
        {
            // The same floats as the one-hot path, which accumulates (x·W_ihᵀ)[n] = W_ih[n, v] exactly onto b_ih + b_hh.
            float bias = (biasIh.IsEmpty ? 0f : biasIh[n]) + (biasHh.IsEmpty ? 0f : biasHh[n]);
            ReadOnlySpan<float> column = weightIh.Slice(n * vocab, vocab);
            for (int v = 0; v < vocab; v++) table[v * width + n] = bias + column[v];
        }
    }

    /// <summary>Copies each token's table row into the workspace's gate rows (the portable path's input projection).</summary>
    private static void GatherInputProjection(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> workspace, int width)
    {
        Span<float> gates = workspace.Slice(0, tokens.Length * width);
        for (int k = 0; k < tokens.Length; k++)
            table.Slice(tokens[k] * width, width).CopyTo(gates.Slice(k * width, width));
    }

    /// <summary>
    /// The time loop, after the input projection (biases included) was written to the workspace's gate rows, or, with
    /// <paramref name="tokens"/> (tiles only), with row k's input projection in <paramref name="table"/>'s row <c>tokens[k]</c>.
    /// Runs the AVX-512 tiles (<see cref="LstmRecurrence"/>) when they apply, else the portable loop.
    /// </summary>
    private static unsafe void Recur(in RecurrentGeometry g, int batch, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightHh, Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, bool inference, bool portable,
        ReadOnlySpan<float> x = default, ReadOnlySpan<float> weightIh = default, ReadOnlySpan<float> biasIh = default, ReadOnlySpan<float> biasHh = default)
    {
        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        Span<float> gates = workspace.Slice(0, rows * width);
        Span<float> cells = inference ? default : workspace.Slice(rows * width, rows * h);
        Span<float> tanhCells = inference ? default : workspace.Slice(rows * width + rows * h, rows * h);
        Span<float> cState = inference ? workspace.Slice(rows * width, state) : default;

        if (!portable && LstmKernels.Supported(h))
        {
            int inputs = x.IsEmpty ? 0 : g.InputSize;
            float[] packed = PackBuffer(width * h + width * inputs + (inputs > 0 ? width : 0));
            fixed (float* pWeight = weightHh)
            fixed (float* pWeightIh = weightIh)
            fixed (float* pX = x)
            fixed (float* pPacked = packed)
            fixed (float* pGates = gates)
            fixed (float* pCells = cells)
            fixed (float* pTanh = tanhCells)
            fixed (float* pState = cState)
            fixed (float* pHAll = hAll)
            fixed (float* pH0 = h0)
            fixed (float* pC0 = c0)
            fixed (float* pHT = hT)
            fixed (float* pCT = cT)
            fixed (float* pTable = table)
            fixed (int* pTokens = tokens)
            {
                LstmKernels.PackForward(pWeight, pPacked, h);
                float* packedIh = null, bias = null;
                if (inputs > 0)
                {
                    packedIh = pPacked + (long)width * h;
                    bias = packedIh + (long)width * inputs;
                    LstmKernels.PackInput(pWeightIh, packedIh, h, inputs);
                    // b_ih + b_hh, the floats the GEMM path starts each row from.
                    var sum = new Span<float>(bias, width);
                    if (biasIh.IsEmpty && biasHh.IsEmpty) sum.Clear();
                    else if (biasIh.IsEmpty) biasHh.CopyTo(sum);
                    else if (biasHh.IsEmpty) biasIh.CopyTo(sum);
                    else TensorPrimitives.Add(biasIh, biasHh, sum);
                }
                var job = new LstmRecurrence.Forward
                {
                    X = pX, PackedIh = packedIh, Bias = bias, Inputs = inputs,
                    Gates = pGates, Cells = pCells, TanhCells = pTanh, State = pState, HAll = pHAll,
                    H0 = pH0, C0 = pC0, HT = pHT, CT = pCT, Packed = pPacked, Table = pTable, Tokens = pTokens,
                    Batch = batch, Hidden = h, Steps = g.Steps, Reverse = g.Reverse,
                };
                int unitParts = LstmRecurrence.UnitParts(h, LstmKernels.ForwardUnits);
                if (unitParts == 0)
                {
                    Parallelism.Run(ref job, LstmRecurrence.Parts(batch));
                    return;
                }
                int[] flags = FlagBuffer(g.Steps * (unitParts + 1));
                fixed (int* pFlags = flags)
                {
                    job.Claims = pFlags;
                    job.Done = pFlags + g.Steps * unitParts;
                    Parallelism.Run(ref job, unitParts);
                }
            }
            return;
        }

        if (inference) RecurrentMath.CopyOrClear(c0, cState);
        for (int s = 0; s < g.Steps; s++)
        {
            int t = g.TimeAt(s);
            Span<float> stepGates = gates.Slice(t * batch * width, batch * width);
            ReadOnlySpan<float> hPrev = s == 0 ? h0 : hAll.Slice(g.PreviousTime(t) * state, state);
            ReadOnlySpan<float> cPrev = inference ? (s == 0 && c0.IsEmpty ? default : cState)
                : s == 0 ? c0 : cells.Slice(g.PreviousTime(t) * state, state);
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
                Span<float> hRow = hAll.Slice(offset, h);
                if (inference)
                {
                    // The cell state is updated in place, so read the previous one before writing.
                    Span<float> c = cState.Slice(b * h, h);
                    if (cPrev.IsEmpty) TensorPrimitives.Multiply(row.Slice(0, h), cell, c);
                    else
                    {
                        TensorPrimitives.Multiply(row.Slice(h, h), c, c);
                        TensorPrimitives.MultiplyAdd(row.Slice(0, h), cell, c, c);
                    }
                    TensorPrimitives.Tanh(c, hRow);
                    TensorPrimitives.Multiply(output, hRow, hRow);
                }
                else
                {
                    Span<float> c = cells.Slice(offset, h);
                    TensorPrimitives.Multiply(row.Slice(0, h), cell, c);
                    if (!cPrev.IsEmpty) TensorPrimitives.MultiplyAdd(row.Slice(h, h), cPrev.Slice(b * h, h), c, c);
                    Span<float> tanhC = tanhCells.Slice(offset, h);
                    TensorPrimitives.Tanh(c, tanhC);
                    TensorPrimitives.Multiply(output, tanhC, hRow);
                }
            }
        }

        int last = g.TimeAt(g.Steps - 1) * state;
        if (!hT.IsEmpty) hAll.Slice(last, state).CopyTo(hT);
        if (!cT.IsEmpty) (inference ? cState : cells.Slice(last, state)).CopyTo(cT);
    }

    // W_hh packed for the tiles, once per call; kept per calling thread so a step allocates nothing after the first.
    [ThreadStatic] private static float[]? t_packed;

    private static float[] PackBuffer(int length)
    {
        float[]? buffer = t_packed;
        if (buffer is null || buffer.Length < length) t_packed = buffer = new float[length];
        return buffer;
    }

    // Backward's padded copies of a step's gate-gradient rows, one region per part (see LstmRecurrence.Backward.RowsOf).
    [ThreadStatic] private static float[]? t_rowPack;

    // Claim and done counters of the unit split (see LstmRecurrence.UnitParts), cleared for each call.
    [ThreadStatic] private static int[]? t_flags;

    private static int[] FlagBuffer(int length)
    {
        int[]? buffer = t_flags;
        if (buffer is null || buffer.Length < length) t_flags = buffer = new int[length];
        Array.Clear(buffer, 0, length);
        return buffer;
    }

    /// <summary>
    /// Backpropagation through time, after Forward with the same inputs, parameters, outputs and workspace.
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
        => Backward(g, batch, x, h0, c0, weightIh, weightHh, hAll, dhAll, dhT, dcT, dx, dh0, dc0,
            dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace, portable: false);

    /// <summary>As the public Backward; <paramref name="portable"/> forces the portable path.</summary>
    internal static void Backward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dx, Span<float> dh0, Span<float> dc0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh,
        Span<float> workspace, bool portable)
    {
        RecurrentChecks.Sequence(g, batch, x.Length, nameof(x), hAll.Length, nameof(hAll));
        RecurrentChecks.EmptyOr(dx.Length, nameof(dx), g.Steps, batch, g.InputSize, rank: 3);
        CheckBackward(g, batch, h0, c0, weightIh, weightHh, dhAll, dhT, dcT, dh0, dc0, dWeightIh, dWeightHh, dBiasIh, dBiasHh,
            workspace, WorkspaceLength(g, batch));
        int width = Gates * g.HiddenSize, rows = g.Steps * batch;
        bool fused = !portable && LstmKernels.Supported(g.HiddenSize);
        Span<float> dGates = BackwardThroughTime(g, batch, h0, c0, weightHh, hAll, dhAll, dhT, dcT, dh0, dc0, dWeightHh, dBiasHh, workspace,
            portable, weightGradients: !fused);
        if (fused)
        {
            if (!dx.IsEmpty) Gemm.Multiply(dGates, false, weightIh, false, dx, rows, g.InputSize, width);
            FusedWeightGradients(g, batch, dGates, x, hAll, h0, dWeightIh, dWeightHh, dBiasIh, dBiasHh);
            return;
        }
        RecurrentMath.InputGradients(dGates, x, weightIh, dx, dWeightIh, default, rows, width, g.InputSize);
        BiasGradient(dGates, dBiasIh, dBiasHh, rows, width);
    }

    // The rows [x, previous h, 1] and the product of the fused weight gradients; kept per calling thread.
    [ThreadStatic] private static float[]? t_gradientScratch;

    /// <summary>
    /// Every parameter gradient as one GEMM over all steps: <c>dGatesᵀ · [x | h_prev | 1]</c> gives <c>[dW_ih | dW_hh | db]</c>.
    /// The input weights alone are a product only <c>I</c> wide (28 in the peer's workloads), which ran at a third of
    /// the rate of a wide one, and the bias sums were a pass of their own over the gate gradients. Copying the rows
    /// side by side costs one pass over <c>x</c> and <c>hAll</c>.
    /// </summary>
    private static void FusedWeightGradients(in RecurrentGeometry g, int batch, ReadOnlySpan<float> dGates, ReadOnlySpan<float> x,
        ReadOnlySpan<float> hAll, ReadOnlySpan<float> h0, Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh)
    {
        int inputs = g.InputSize, h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, n = inputs + h + 1;
        int length = rows * n + width * n;
        float[]? scratch = t_gradientScratch;
        if (scratch is null || scratch.Length < length) t_gradientScratch = scratch = new float[length];
        Span<float> joined = scratch.AsSpan(0, rows * n), product = scratch.AsSpan(rows * n, width * n);
        int first = g.TimeAt(0);
        for (int t = 0; t < g.Steps; t++)
            for (int b = 0; b < batch; b++)
            {
                int k = t * batch + b;
                Span<float> row = joined.Slice(k * n, n);
                x.Slice(k * inputs, inputs).CopyTo(row);
                Span<float> previous = row.Slice(inputs, h);
                if (t != first) hAll.Slice((g.PreviousTime(t) * batch + b) * h, h).CopyTo(previous);
                else RecurrentMath.CopyOrClear(h0.IsEmpty ? default : h0.Slice(b * h, h), previous);
                row[n - 1] = 1f;
            }
        Gemm.Multiply(dGates, true, joined, false, product, width, n, rows);
        for (int m = 0; m < width; m++)
        {
            ReadOnlySpan<float> sums = product.Slice(m * n, n);
            sums.Slice(0, inputs).CopyTo(dWeightIh.Slice(m * inputs, inputs));
            sums.Slice(inputs, h).CopyTo(dWeightHh.Slice(m * h, h));
            // Both biases add to the same pre-activations, so their gradients are equal.
            if (!dBiasIh.IsEmpty) dBiasIh[m] = sums[n - 1];
            if (!dBiasHh.IsEmpty) dBiasHh[m] = sums[n - 1];
        }
    }

    /// <summary>Both biases add to the same pre-activations, so their gradients are equal: sum once, copy when both are wanted.</summary>
    private static void BiasGradient(ReadOnlySpan<float> dGates, Span<float> dBiasIh, ReadOnlySpan<float> dBiasHh, int rows, int width)
    {
        if (dBiasIh.IsEmpty) return;
        if (dBiasHh.IsEmpty) RecurrentMath.ColumnSums(dGates, dBiasIh, rows, width);
        else dBiasHh.CopyTo(dBiasIh);
    }

    /// <summary>
    /// Backward after the token Forward (same workspace, which needs <see cref="TokenTableLength"/> more floats). Tokens
    /// have no gradient; <c>dW_ih[:, v]</c> sums the gate gradients of the positions holding token v.
    /// </summary>
    public static void Backward(in RecurrentGeometry g, int batch,
        ReadOnlySpan<int> tokens, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dh0, Span<float> dc0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh,
        Span<float> workspace)
    {
        int length = WorkspaceLength(g, batch), tableLength = TokenTableLength(g);
        CheckTokens(g, batch, tokens, hAll.Length);
        CheckBackward(g, batch, h0, c0, weightIh, weightHh, dhAll, dhT, dcT, dh0, dc0, dWeightIh, dWeightHh, dBiasIh, dBiasHh,
            workspace, length + tableLength);
        int vocab = g.InputSize, width = Gates * g.HiddenSize, rows = g.Steps * batch;
        // The bias gradients come from the table's rows below (each position adds to exactly one), not a pass over dGates.
        Span<float> dGates = BackwardThroughTime(g, batch, h0, c0, weightHh, hAll, dhAll, dhT, dcT, dh0, dc0, dWeightHh, default, workspace, portable: false);

        Span<float> dTable = workspace.Slice(length, tableLength);
        dTable.Clear();
        for (int k = 0; k < rows; k++)
        {
            Span<float> row = dTable.Slice(tokens[k] * width, width);
            TensorPrimitives.Add(row, dGates.Slice(k * width, width), row);
        }
        for (int n = 0; n < width; n++)
        {
            Span<float> column = dWeightIh.Slice(n * vocab, vocab);
            for (int v = 0; v < vocab; v++) column[v] = dTable[v * width + n];
        }
        // Σ over positions of dGates = Σ over tokens of the table's rows: vocab rows to add instead of steps·batch.
        if (!dBiasHh.IsEmpty)
        {
            RecurrentMath.ColumnSums(dTable, dBiasHh, vocab, width);
            if (!dBiasIh.IsEmpty) dBiasHh.CopyTo(dBiasIh);
        }
        else RecurrentMath.ColumnSums(dTable, dBiasIh, vocab, width);
    }

    private static void CheckBackward(in RecurrentGeometry g, int batch, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT, Span<float> dh0, Span<float> dc0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace, int workspaceLength)
    {
        RecurrentChecks.Batch(g, batch);
        RecurrentChecks.EmptyOr(dhAll.Length, nameof(dhAll), g.Steps, batch, g.HiddenSize, rank: 3);
        RecurrentChecks.State(g, batch, h0.Length, nameof(h0));
        RecurrentChecks.State(g, batch, c0.Length, nameof(c0));
        RecurrentChecks.State(g, batch, dhT.Length, nameof(dhT));
        RecurrentChecks.State(g, batch, dcT.Length, nameof(dcT));
        RecurrentChecks.State(g, batch, dh0.Length, nameof(dh0));
        RecurrentChecks.State(g, batch, dc0.Length, nameof(dc0));
        RecurrentChecks.Parameters(g, Gates, weightIh.Length, weightHh.Length, 0, 0);
        RecurrentChecks.ParameterGradients(g, Gates, dWeightIh.Length, dWeightHh.Length, dBiasIh.Length, dBiasHh.Length);
        RecurrentChecks.AtLeast(workspace.Length, workspaceLength, nameof(workspace));
    }

    /// <summary>
    /// The time loop backwards: fills the workspace's dGates (returned), <paramref name="dh0"/>, <paramref name="dc0"/>,
    /// and the recurrent parameter gradients. The input-side gradients are the caller's.
    /// </summary>
    private static unsafe Span<float> BackwardThroughTime(in RecurrentGeometry g, int batch, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll, ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dh0, Span<float> dc0, Span<float> dWeightHh, Span<float> dBiasHh, Span<float> workspace, bool portable,
        bool weightGradients = true)
    {
        int h = g.HiddenSize, width = Gates * h, rows = g.Steps * batch, state = batch * h;
        Span<float> gates = workspace.Slice(0, rows * width);
        Span<float> cells = workspace.Slice(rows * width, rows * h);
        Span<float> tanhCells = workspace.Slice(rows * width + rows * h, rows * h);
        int scratch = ForwardLength(rows, h);
        Span<float> dGates = workspace.Slice(scratch, rows * width);
        Span<float> dh = workspace.Slice(scratch + rows * width, state);
        Span<float> dc = workspace.Slice(scratch + rows * width + state, state);

        if (!portable && LstmKernels.Supported(h))
        {
            float[] packed = PackBuffer(width * h);
            fixed (float* pWeight = weightHh)
            fixed (float* pPacked = packed)
            fixed (float* pGates = gates)
            fixed (float* pCells = cells)
            fixed (float* pTanh = tanhCells)
            fixed (float* pC0 = c0)
            fixed (float* pDhAll = dhAll)
            fixed (float* pDhT = dhT)
            fixed (float* pDcT = dcT)
            fixed (float* pDGates = dGates)
            fixed (float* pDc = dc)
            fixed (float* pDh0 = dh0)
            fixed (float* pDc0 = dc0)
            {
                LstmKernels.PackBackward(pWeight, pPacked, h);
                var job = new LstmRecurrence.Backward
                {
                    Gates = pGates, Cells = pCells, TanhCells = pTanh, C0 = pC0, DhAll = pDhAll, DhT = pDhT, DcT = pDcT,
                    DGates = pDGates, DC = pDc, DH0 = pDh0, DC0 = pDc0, Packed = pPacked,
                    Batch = batch, Hidden = h, Steps = g.Steps, Reverse = g.Reverse,
                };
                int unitParts = LstmRecurrence.UnitParts(h, LstmKernels.BackwardUnits), batchParts = LstmRecurrence.Parts(batch);
                long packLength = Math.Max(unitParts, batchParts) * LstmRecurrence.Backward.PackLength(batch, h);
                float[]? rowPack = t_rowPack;
                if (rowPack is null || rowPack.Length < packLength) t_rowPack = rowPack = new float[packLength];
                fixed (float* pRowPack = rowPack)
                {
                    job.RowPack = pRowPack;
                    if (unitParts == 0) Parallelism.Run(ref job, batchParts);
                    else
                    {
                        int stages = LstmRecurrence.Backward.Stages(g.Steps);
                        int[] flags = FlagBuffer(stages * (unitParts + 1));
                        fixed (int* pFlags = flags)
                        {
                            job.Claims = pFlags;
                            job.Done = pFlags + stages * unitParts;
                            Parallelism.Run(ref job, unitParts);
                        }
                    }
                }
            }
        }
        else
        {
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
        }

        if (weightGradients) RecurrentMath.HiddenGradients(g, batch, dGates, hAll, h0, dWeightHh, dBiasHh, width);
        return dGates;
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
