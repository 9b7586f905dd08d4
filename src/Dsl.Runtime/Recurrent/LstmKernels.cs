using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// The AVX-512 pieces of the LSTM recurrence: <c>W_hh</c> packed once per call into panels that the register tiles
/// sweep, the products <c>h · W_hhᵀ</c> (forward) and <c>dGates · W_hh</c> (backward) as register tiles, and the
/// element-wise work that follows each tile while its sums are still hot: the gate nonlinearities and cell update
/// forward, the gate gradients and the cell gradient backward. The pre-activation gates are never written and read
/// back as a separate pass. Used when <see cref="Supported"/>; otherwise <see cref="LstmLayer"/> runs its portable path.
/// </summary>
internal static unsafe class LstmKernels
{
    /// <summary>Hidden units per forward tile (one vector), with all four gates: 64 columns of <c>h · W_hhᵀ</c>.</summary>
    public const int ForwardUnits = 16;
    /// <summary>Batch rows per forward tile: 4 rows × 4 gates = 16 accumulators.</summary>
    public const int ForwardRows = 4;
    /// <summary>Hidden units per backward tile (two vectors).</summary>
    public const int BackwardUnits = 32;
    /// <summary>Batch rows per backward tile: 8 rows × 2 vectors = 16 accumulators.</summary>
    public const int BackwardRows = 8;

    /// <summary>The tiles need AVX-512 and whole backward tiles of hidden units.</summary>
    public static bool Supported(int hidden) => Avx512F.IsSupported && hidden % BackwardUnits == 0;

    /// <summary>
    /// Forward panels: for each 16-unit tile, for each depth k, the four gates' 16 weights side by side,
    /// <c>packed[((tile·H + k)·4 + gate)·16 + l] = W_hh[gate·H + tile·16 + l, k]</c>. <c>4H·H</c> floats.
    /// </summary>
    public static void PackForward(float* weightHh, float* packed, int h)
    {
        // A transpose in blocks of 16 depths, so the 4 KiB being written stays in L1 while 64 source rows are read in order
        // (column by column, every write touched a new cache line and packing cost as much as several steps).
        for (int tile = 0; tile < h / ForwardUnits; tile++)
            for (int k0 = 0; k0 < h; k0 += 16)
                for (int gate = 0; gate < LstmLayer.Gates; gate++)
                    for (int l = 0; l < ForwardUnits; l++)
                    {
                        float* source = weightHh + (long)(gate * h + tile * ForwardUnits + l) * h + k0;
                        float* destination = packed + ((long)tile * h + k0) * 64 + gate * 16 + l;
                        for (int k = 0; k < 16; k++) destination[k * 64] = source[k];
                    }
    }

    /// <summary>
    /// Input panels in the layout of <see cref="PackForward"/> for <c>W_ih [4H, I]</c>:
    /// <c>packed[((tile·I + k)·4 + gate)·16 + l] = W_ih[gate·H + tile·16 + l, k]</c>. <c>4H·I</c> floats.
    /// </summary>
    public static void PackInput(float* weightIh, float* packed, int h, int inputs)
    {
        for (int tile = 0; tile < h / ForwardUnits; tile++)
            for (int gate = 0; gate < 4; gate++)
                for (int l = 0; l < ForwardUnits; l++)
                {
                    float* source = weightIh + (long)(gate * h + tile * ForwardUnits + l) * inputs;
                    float* destination = packed + (long)tile * inputs * 64 + gate * 16 + l;
                    for (int k = 0; k < inputs; k++) destination[k * 64] = source[k];
                }
    }

    /// <summary>
    /// Backward panels: for each 32-unit tile, the 32 columns of every row of <c>W_hh</c>,
    /// <c>packed[(tile·4H + n)·32 + l] = W_hh[n, tile·32 + l]</c>. <c>4H·H</c> floats.
    /// </summary>
    public static void PackBackward(float* weightHh, float* packed, int h)
    {
        int width = LstmLayer.Gates * h;
        for (int tile = 0; tile < h / BackwardUnits; tile++)
            for (int n = 0; n < width; n++)
            {
                float* source = weightHh + (long)n * h + tile * BackwardUnits;
                float* destination = packed + ((long)tile * width + n) * BackwardUnits;
                Vector512.Store(Vector512.Load(source), destination);
                Vector512.Store(Vector512.Load(source + 16), destination + 16);
            }
    }

    /// <summary>
    /// <c>sums[r][gate][16] = Σ_k h_r[k] · panel[k][gate][16]</c> for four rows. Rows past the real ones point at a real
    /// row (the caller ignores their sums), so every tile is full and the loop has no edge cases. With
    /// <paramref name="accumulate"/> the sums continue from those in <paramref name="sums"/> (a later block of depths).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardProduct(float* h0, float* h1, float* h2, float* h3, float* panel, int depth, float* sums, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        if (accumulate)
        {
            c00 = Vector512.Load(sums); c01 = Vector512.Load(sums + 16); c02 = Vector512.Load(sums + 32); c03 = Vector512.Load(sums + 48);
            c10 = Vector512.Load(sums + 64); c11 = Vector512.Load(sums + 80); c12 = Vector512.Load(sums + 96); c13 = Vector512.Load(sums + 112);
            c20 = Vector512.Load(sums + 128); c21 = Vector512.Load(sums + 144); c22 = Vector512.Load(sums + 160); c23 = Vector512.Load(sums + 176);
            c30 = Vector512.Load(sums + 192); c31 = Vector512.Load(sums + 208); c32 = Vector512.Load(sums + 224); c33 = Vector512.Load(sums + 240);
        }
        for (int k = 0; k < depth; k++, panel += 64)
        {
            Vector512<float> b0 = Vector512.Load(panel), b1 = Vector512.Load(panel + 16);
            Vector512<float> b2 = Vector512.Load(panel + 32), b3 = Vector512.Load(panel + 48);
            Vector512<float> a = Vector512.Create(h0[k]);
            c00 = Avx512F.FusedMultiplyAdd(a, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(a, b2, c02); c03 = Avx512F.FusedMultiplyAdd(a, b3, c03);
            a = Vector512.Create(h1[k]);
            c10 = Avx512F.FusedMultiplyAdd(a, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(a, b2, c12); c13 = Avx512F.FusedMultiplyAdd(a, b3, c13);
            a = Vector512.Create(h2[k]);
            c20 = Avx512F.FusedMultiplyAdd(a, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(a, b2, c22); c23 = Avx512F.FusedMultiplyAdd(a, b3, c23);
            a = Vector512.Create(h3[k]);
            c30 = Avx512F.FusedMultiplyAdd(a, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(a, b2, c32); c33 = Avx512F.FusedMultiplyAdd(a, b3, c33);
        }
        Vector512.Store(c00, sums); Vector512.Store(c01, sums + 16); Vector512.Store(c02, sums + 32); Vector512.Store(c03, sums + 48);
        Vector512.Store(c10, sums + 64); Vector512.Store(c11, sums + 80); Vector512.Store(c12, sums + 96); Vector512.Store(c13, sums + 112);
        Vector512.Store(c20, sums + 128); Vector512.Store(c21, sums + 144); Vector512.Store(c22, sums + 160); Vector512.Store(c23, sums + 176);
        Vector512.Store(c30, sums + 192); Vector512.Store(c31, sums + 208); Vector512.Store(c32, sums + 224); Vector512.Store(c33, sums + 240);
    }

    /// <summary>
    /// One row, one 16-unit tile of a forward step. <paramref name="input"/> holds the row's input projection (biases
    /// included, gate stride <paramref name="inputStride"/>); <paramref name="activations"/> receives i, f, g, o (gate stride <paramref name="h"/>; it may equal
    /// <paramref name="input"/>; null skips storing them, for inference); <paramref name="sums"/> the tile's recurrent sums
    /// (null for a zero previous state). <paramref name="cPrev"/> null means a zero cell state; it may equal <paramref name="cOut"/>.
    /// <paramref name="tanhOut"/> null skips storing tanh(c) (inference).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardCell(float* sums, float* input, int inputStride, float* activations, int h, float* cPrev, float* cOut, float* tanhOut, float* hOut)
    {
        Vector512<float> pi = Vector512.Load(input), pf = Vector512.Load(input + inputStride);
        Vector512<float> pg = Vector512.Load(input + 2 * inputStride), po = Vector512.Load(input + 3 * inputStride);
        if (sums != null)
        {
            pi += Vector512.Load(sums); pf += Vector512.Load(sums + 16);
            pg += Vector512.Load(sums + 32); po += Vector512.Load(sums + 48);
        }
        Vector512<float> i = GateMath.Sigmoid(pi), f = GateMath.Sigmoid(pf), g = GateMath.Tanh(pg), o = GateMath.Sigmoid(po);
        Vector512<float> c = i * g;
        if (cPrev != null) c = Avx512F.FusedMultiplyAdd(f, Vector512.Load(cPrev), c);
        Vector512<float> tanhC = GateMath.Tanh(c);
        if (activations != null)
        {
            Vector512.Store(i, activations); Vector512.Store(f, activations + h);
            Vector512.Store(g, activations + 2 * h); Vector512.Store(o, activations + 3 * h);
        }
        Vector512.Store(c, cOut);
        if (tanhOut != null) Vector512.Store(tanhC, tanhOut);
        Vector512.Store(o * tanhC, hOut);
    }

    /// <summary>
    /// Asks for the cache line at <paramref name="address"/> ahead of use. The recurrence walks its time-major tensors
    /// a 64-byte column at a time with a row stride of kilobytes, which the hardware prefetchers do not follow, so
    /// every gate row would otherwise be a memory round trip on the critical path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(float* address) => Sse.Prefetch0(address);

    /// <summary>
    /// <c>sums[r][32] = Σ_n dGates_r[offset + n] · panel[n][32]</c> over <paramref name="depth"/> rows of the panel for eight
    /// rows (padded rows point at real ones); with <paramref name="accumulate"/> the sums continue from those in <paramref name="sums"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardProduct(float** rows, int offset, float* panel, int depth, float* sums, bool accumulate)
    {
        float* a0 = rows[0] + offset, a1 = rows[1] + offset, a2 = rows[2] + offset, a3 = rows[3] + offset;
        float* a4 = rows[4] + offset, a5 = rows[5] + offset, a6 = rows[6] + offset, a7 = rows[7] + offset;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        if (accumulate)
        {
            c00 = Vector512.Load(sums); c01 = Vector512.Load(sums + 16); c10 = Vector512.Load(sums + 32); c11 = Vector512.Load(sums + 48);
            c20 = Vector512.Load(sums + 64); c21 = Vector512.Load(sums + 80); c30 = Vector512.Load(sums + 96); c31 = Vector512.Load(sums + 112);
            c40 = Vector512.Load(sums + 128); c41 = Vector512.Load(sums + 144); c50 = Vector512.Load(sums + 160); c51 = Vector512.Load(sums + 176);
            c60 = Vector512.Load(sums + 192); c61 = Vector512.Load(sums + 208); c70 = Vector512.Load(sums + 224); c71 = Vector512.Load(sums + 240);
        }
        for (int n = 0; n < depth; n++, panel += 32)
        {
            Vector512<float> b0 = Vector512.Load(panel), b1 = Vector512.Load(panel + 16);
            Vector512<float> a = Vector512.Create(a0[n]);
            c00 = Avx512F.FusedMultiplyAdd(a, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(a1[n]);
            c10 = Avx512F.FusedMultiplyAdd(a, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(a2[n]);
            c20 = Avx512F.FusedMultiplyAdd(a, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(a3[n]);
            c30 = Avx512F.FusedMultiplyAdd(a, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(a4[n]);
            c40 = Avx512F.FusedMultiplyAdd(a, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(a5[n]);
            c50 = Avx512F.FusedMultiplyAdd(a, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(a6[n]);
            c60 = Avx512F.FusedMultiplyAdd(a, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(a7[n]);
            c70 = Avx512F.FusedMultiplyAdd(a, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a, b1, c71);
        }
        Vector512.Store(c00, sums); Vector512.Store(c01, sums + 16); Vector512.Store(c10, sums + 32); Vector512.Store(c11, sums + 48);
        Vector512.Store(c20, sums + 64); Vector512.Store(c21, sums + 80); Vector512.Store(c30, sums + 96); Vector512.Store(c31, sums + 112);
        Vector512.Store(c40, sums + 128); Vector512.Store(c41, sums + 144); Vector512.Store(c50, sums + 160); Vector512.Store(c51, sums + 176);
        Vector512.Store(c60, sums + 192); Vector512.Store(c61, sums + 208); Vector512.Store(c70, sums + 224); Vector512.Store(c71, sums + 240);
    }

    /// <summary>
    /// One row, one vector of units of a backward step: from dh (the recurrent part in <paramref name="dh"/>, null for
    /// zero, plus <paramref name="dhOut"/> from the layer's output, null for zero) and the incoming dc, the four gate
    /// gradients (written to <paramref name="dGates"/>, row stride H between gates) and dc for the previous step (in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackwardCell(float* dh, float* dhOut, float* gates, float* tanhCell, float* cPrev, float* dc, float* dGates, int h)
    {
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> d = dh != null ? Vector512.Load(dh) : default;
        if (dhOut != null) d += Vector512.Load(dhOut);
        Vector512<float> i = Vector512.Load(gates), f = Vector512.Load(gates + h);
        Vector512<float> g = Vector512.Load(gates + 2 * h), o = Vector512.Load(gates + 3 * h);
        Vector512<float> tanhC = Vector512.Load(tanhCell);
        Vector512<float> dcj = Avx512F.FusedMultiplyAdd(d * o, one - tanhC * tanhC, Vector512.Load(dc));
        Vector512<float> cp = cPrev != null ? Vector512.Load(cPrev) : default;
        Vector512.Store(dcj * g * i * (one - i), dGates);
        Vector512.Store(dcj * cp * f * (one - f), dGates + h);
        Vector512.Store(dcj * i * (one - g * g), dGates + 2 * h);
        Vector512.Store(d * tanhC * o * (one - o), dGates + 3 * h);
        Vector512.Store(dcj * f, dc);
    }
}
