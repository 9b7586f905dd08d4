using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// The parts the RNN, LSTM and GRU kernels share: the whole-sequence input projection before the time loop,
/// and the parameter gradients after it. Both are single large GEMMs over <c>steps·batch</c> rows, which is
/// where a recurrent layer's time goes once the per-step recurrence is small.
/// </summary>
internal static class RecurrentMath
{
    /// <summary><c>pre[rows, gateWidth] = x · W_ihᵀ + b</c>, where each bias may be empty.</summary>
    /// <remarks>
    /// With a bias, every row is first set to <c>b_A + b_B</c> and the GEMM accumulates onto it: one write pass over
    /// <paramref name="pre"/> instead of two read-modify-write passes after the product.
    /// </remarks>
    public static void InputProjection(ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> biasA, ReadOnlySpan<float> biasB, Span<float> pre, int rows, int gateWidth, int inputSize)
    {
        if (biasA.IsEmpty && biasB.IsEmpty)
        {
            Gemm.Multiply(x, false, weightIh, true, pre, rows, gateWidth, inputSize);
            return;
        }
        Span<float> first = pre.Slice(0, gateWidth);
        if (biasA.IsEmpty) biasB.CopyTo(first);
        else if (biasB.IsEmpty) biasA.CopyTo(first);
        else TensorPrimitives.Add(biasA, biasB, first);
        for (int r = 1; r < rows; r++) first.CopyTo(pre.Slice(r * gateWidth, gateWidth));
        Gemm.Multiply(x, false, weightIh, true, pre, rows, gateWidth, inputSize, accumulate: true);
    }

    /// <summary>Adds <paramref name="bias"/> to every row; nothing when it is empty.</summary>
    public static void AddBiasRows(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int width)
    {
        if (bias.IsEmpty) return;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = matrix.Slice(r * width, width);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary><c>sums[width] = Σ_rows matrix</c>; nothing when <paramref name="sums"/> is empty.</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, Span<float> sums, int rows, int width)
    {
        if (sums.IsEmpty) return;
        sums.Clear();
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(sums, matrix.Slice(r * width, width), sums);
    }

    /// <summary>
    /// Gradients of the input projection, from the pre-activation gradients of every step at once:
    /// <c>dx = dPre · W_ih</c> (skipped when empty), <c>dW_ih = dPreᵀ · x</c>, <c>db_ih = Σ dPre</c> (skipped when empty).
    /// </summary>
    public static void InputGradients(ReadOnlySpan<float> dPre, ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh,
        Span<float> dx, Span<float> dWeightIh, Span<float> dBiasIh, int rows, int gateWidth, int inputSize)
    {
        if (!dx.IsEmpty) Gemm.Multiply(dPre, false, weightIh, false, dx, rows, inputSize, gateWidth);
        Gemm.Multiply(dPre, true, x, false, dWeightIh, gateWidth, inputSize, rows);
        ColumnSums(dPre, dBiasIh, rows, gateWidth);
    }

    /// <summary>
    /// Gradients of the recurrent projection. Step t multiplies the previous state: <c>hAll[t−1]</c> running forwards,
    /// <c>hAll[t+1]</c> in reverse, so all but the first step run pair contiguous blocks of <c>dPre</c> and <c>hAll</c>
    /// offset by one step (one GEMM); the first step run pairs with <c>h0</c> (nothing when it is empty, i.e. zero).
    /// </summary>
    public static void HiddenGradients(in RecurrentGeometry g, int batch, ReadOnlySpan<float> dPreHidden, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> h0, Span<float> dWeightHh, Span<float> dBiasHh, int gateWidth)
    {
        int steps = g.Steps, hiddenSize = g.HiddenSize;
        int gateBlock = batch * gateWidth, stateBlock = batch * hiddenSize;
        bool written = false;
        if (steps > 1)
        {
            int later = steps - 1;
            ReadOnlySpan<float> dPre = g.Reverse ? dPreHidden.Slice(0, later * gateBlock) : dPreHidden.Slice(gateBlock, later * gateBlock);
            ReadOnlySpan<float> previous = g.Reverse ? hAll.Slice(stateBlock, later * stateBlock) : hAll.Slice(0, later * stateBlock);
            Gemm.Multiply(dPre, true, previous, false, dWeightHh, gateWidth, hiddenSize, later * batch);
            written = true;
        }
        if (!h0.IsEmpty)
        {
            int first = g.TimeAt(0);
            Gemm.Multiply(dPreHidden.Slice(first * gateBlock, gateBlock), true, h0, false, dWeightHh, gateWidth, hiddenSize, batch, accumulate: written);
            written = true;
        }
        if (!written) dWeightHh.Clear();
        ColumnSums(dPreHidden, dBiasHh, steps * batch, gateWidth);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, or clears it when the source is empty (a zero gradient or state).</summary>
    public static void CopyOrClear(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.CopyTo(destination);
    }
}
