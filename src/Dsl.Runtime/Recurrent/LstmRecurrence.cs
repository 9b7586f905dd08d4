using System.Runtime.CompilerServices;

namespace Dsl.Runtime;

/// <summary>
/// The time loop of the tiled LSTM (<see cref="LstmKernels"/>), split over the batch: each part owns a contiguous
/// range of examples and runs every step for them on its own, so the threads never wait for each other inside the
/// loop (one dispatch per call, not one per step) and each example's arithmetic is the same whatever the number of
/// threads: results are bit-identical for 1 and 2 threads. All tensors are time-major, as in <see cref="LstmLayer"/>.
/// </summary>
internal static unsafe class LstmRecurrence
{
    /// <summary>How many parts to split <paramref name="batch"/> rows into: whole forward tiles, at most one per thread.</summary>
    public static int Parts(int batch) =>
        Math.Max(1, Math.Min(Parallelism.MaxDegree, batch / LstmKernels.ForwardRows));

    /// <summary>Rows of part <paramref name="part"/>: contiguous, in whole tiles of four where possible.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Begin, int End) Rows(int batch, int part, int parts)
    {
        if (parts == 1) return (0, batch);
        int tiles = (batch + LstmKernels.ForwardRows - 1) / LstmKernels.ForwardRows;
        var (begin, end) = KernelParallel.Range(tiles, part, parts);
        return (begin * LstmKernels.ForwardRows, Math.Min(batch, end * LstmKernels.ForwardRows));
    }

    /// <summary>
    /// Forward over all steps. <c>Gates</c> holds the input projection with biases and receives the activations.
    /// Training stores every step's cell state in <c>Cells</c> and its tanh in <c>TanhCells</c>; inference
    /// (<c>Cells</c> null) keeps one cell state per example in <c>State</c>, updated in place.
    /// </summary>
    public struct Forward : IParallelWork
    {
        // Rows whose sums are kept while the depth blocks go by (8 tiles of 4: 8 KiB of sums), and the depth block.
        private const int GroupRows = 8 * LstmKernels.ForwardRows, DepthBlock = 64;

        public float* Gates, Cells, TanhCells, State, HAll, H0, C0, HT, CT, Packed;
        public int Batch, Hidden, Steps;
        public bool Reverse;

        public readonly void Execute(int part, int parts)
        {
            var (begin, end) = Rows(Batch, part, parts);
            if (begin < end) Run(begin, end);
        }

        private readonly int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

        private readonly void Run(int begin, int end)
        {
            int h = Hidden, width = LstmLayer.Gates * h, state = Batch * h;
            float* sums = stackalloc float[GroupRows * 64];
            bool inference = Cells == null;
            if (inference)
                for (int r = begin; r < end; r++)
                {
                    var row = new Span<float>(State + (long)r * h, h);
                    if (C0 != null) new ReadOnlySpan<float>(C0 + (long)r * h, h).CopyTo(row);
                    else row.Clear();
                }

            for (int s = 0; s < Steps; s++)
            {
                int t = TimeAt(s);
                float* hPrev = s == 0 ? H0 : HAll + (long)TimeAt(s - 1) * state;
                float* cPrev = inference ? State : s == 0 ? C0 : Cells + (long)TimeAt(s - 1) * state;
                float* cOut = inference ? State : Cells + (long)t * state;
                float* tanhOut = inference ? null : TanhCells + (long)t * state;
                float* hOut = HAll + (long)t * state;
                float* gates = Gates + (long)t * Batch * width;
                for (int tile = 0; tile < h / LstmKernels.ForwardUnits; tile++)
                {
                    int j = tile * LstmKernels.ForwardUnits;
                    float* panel = Packed + (long)tile * h * 64;
                    for (int g0 = begin; g0 < end; g0 += GroupRows)
                    {
                        int groupEnd = Math.Min(end, g0 + GroupRows);
                        // Depth blocks of 64 (16 KiB of panel) stay in L1 while every row tile of the group uses them; a
                        // whole panel (64 KiB at H = 256) came from L2 once per row tile, which capped the product at
                        // half the FMA rate. Sums stored and reloaded between blocks are the same floats.
                        if (hPrev != null)
                            for (int k0 = 0; k0 < h; k0 += DepthBlock)
                            {
                                int depth = Math.Min(DepthBlock, h - k0);
                                for (int r0 = g0; r0 < groupEnd; r0 += LstmKernels.ForwardRows)
                                {
                                    int last = groupEnd - 1;
                                    float* hk = hPrev + k0;
                                    LstmKernels.ForwardProduct(hk + (long)r0 * h, hk + (long)Math.Min(r0 + 1, last) * h,
                                        hk + (long)Math.Min(r0 + 2, last) * h, hk + (long)Math.Min(r0 + 3, last) * h,
                                        panel + (long)k0 * 64, depth, sums + (r0 - g0) * 64, accumulate: k0 > 0);
                                }
                            }
                        for (int r = g0; r < groupEnd; r++)
                        {
                            long at = (long)r * h + j;
                            LstmKernels.ForwardCell(hPrev != null ? sums + (r - g0) * 64 : null, gates + (long)r * width + j, h,
                                cPrev != null ? cPrev + at : null, cOut + at, tanhOut != null ? tanhOut + at : null, hOut + at);
                        }
                    }
                }
            }

            // Written after the last read of H0/C0 by this part's rows, so they may share a buffer with HT/CT.
            long lastTime = TimeAt(Steps - 1);
            long offset = (long)begin * h, length = (long)(end - begin) * h;
            if (HT != null) new ReadOnlySpan<float>(HAll + lastTime * state + offset, (int)length).CopyTo(new Span<float>(HT + offset, (int)length));
            if (CT != null)
            {
                float* cLast = inference ? State : Cells + lastTime * state;
                new ReadOnlySpan<float>(cLast + offset, (int)length).CopyTo(new Span<float>(CT + offset, (int)length));
            }
        }
    }

    /// <summary>
    /// Backpropagation through time over all steps, after a training <see cref="Forward"/>: fills <c>DGates</c>
    /// (pre-activation gradients of every step) and <c>DH0</c>/<c>DC0</c>, with <c>DC</c> as the running cell gradient.
    /// </summary>
    public struct Backward : IParallelWork
    {
        // Rows whose sums are kept while the depth blocks go by (4 tiles of 8: 4 KiB of sums), and the depth block.
        private const int GroupRows = 4 * LstmKernels.BackwardRows, DepthBlock = 128;

        public float* Gates, Cells, TanhCells, C0, DhAll, DhT, DcT, DGates, DC, DH0, DC0, Packed;
        public int Batch, Hidden, Steps;
        public bool Reverse;

        public readonly void Execute(int part, int parts)
        {
            var (begin, end) = Rows(Batch, part, parts);
            if (begin < end) Run(begin, end);
        }

        private readonly int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

        /// <summary>The cell state that step <paramref name="s"/> started from (null: zero).</summary>
        private readonly float* CellBefore(int s) => s == 0 ? C0 : Cells + (long)TimeAt(s - 1) * Batch * Hidden;

        private readonly void Run(int begin, int end)
        {
            int h = Hidden, width = LstmLayer.Gates * h, state = Batch * h;
            float* sums = stackalloc float[GroupRows * LstmKernels.BackwardUnits];
            float** rows = stackalloc float*[LstmKernels.BackwardRows];
            for (int r = begin; r < end; r++)
            {
                var row = new Span<float>(DC + (long)r * h, h);
                if (DcT != null) new ReadOnlySpan<float>(DcT + (long)r * h, h).CopyTo(row);
                else row.Clear();
            }

            // The last step run receives dh from the final state and its own output only.
            {
                int s = Steps - 1, t = TimeAt(s);
                float* cBefore = CellBefore(s);
                for (int r = begin; r < end; r++)
                    for (int j = 0; j < h; j += 16)
                    {
                        long at = (long)r * h + j, gateAt = ((long)t * Batch + r) * width + j;
                        LstmKernels.BackwardCell(DhT != null ? DhT + at : null, DhAll != null ? DhAll + (long)t * state + at : null,
                            Gates + gateAt, TanhCells + (long)t * state + at, cBefore != null ? cBefore + at : null, DC + at, DGates + gateAt, h);
                    }
            }

            for (int s = Steps - 1; s >= 1; s--)
            {
                int t = TimeAt(s), tp = TimeAt(s - 1);
                float* cBefore = CellBefore(s - 1);
                for (int tile = 0; tile < h / LstmKernels.BackwardUnits; tile++)
                {
                    float* panel = Packed + (long)tile * width * LstmKernels.BackwardUnits;
                    for (int g0 = begin; g0 < end; g0 += GroupRows)
                    {
                        int groupEnd = Math.Min(end, g0 + GroupRows);
                        Products(rows, t, g0, groupEnd, panel, sums);
                        for (int r = g0; r < groupEnd; r++)
                            for (int v = 0; v < LstmKernels.BackwardUnits; v += 16)
                            {
                                int j = tile * LstmKernels.BackwardUnits + v;
                                long at = (long)r * h + j, gateAt = ((long)tp * Batch + r) * width + j;
                                LstmKernels.BackwardCell(sums + (r - g0) * LstmKernels.BackwardUnits + v,
                                    DhAll != null ? DhAll + (long)tp * state + at : null, Gates + gateAt, TanhCells + (long)tp * state + at,
                                    cBefore != null ? cBefore + at : null, DC + at, DGates + gateAt, h);
                            }
                    }
                }
            }

            if (DH0 != null)
            {
                int t = TimeAt(0);
                for (int tile = 0; tile < h / LstmKernels.BackwardUnits; tile++)
                {
                    float* panel = Packed + (long)tile * width * LstmKernels.BackwardUnits;
                    for (int g0 = begin; g0 < end; g0 += GroupRows)
                    {
                        int groupEnd = Math.Min(end, g0 + GroupRows);
                        Products(rows, t, g0, groupEnd, panel, sums);
                        for (int r = g0; r < groupEnd; r++)
                            new ReadOnlySpan<float>(sums + (r - g0) * LstmKernels.BackwardUnits, LstmKernels.BackwardUnits)
                                .CopyTo(new Span<float>(DH0 + (long)r * h + tile * LstmKernels.BackwardUnits, LstmKernels.BackwardUnits));
                    }
                }
            }
            if (DC0 != null)
                new ReadOnlySpan<float>(DC + (long)begin * h, (end - begin) * h).CopyTo(new Span<float>(DC0 + (long)begin * h, (end - begin) * h));
        }

        /// <summary>
        /// dGates of step <paramref name="t"/> times one backward panel for the rows of a group, in depth blocks of 128
        /// (16 KiB of panel, kept in L1 while every row tile of the group uses it). Sums go to <c>sums[row − g0][32]</c>.
        /// </summary>
        private readonly void Products(float** rows, int t, int g0, int groupEnd, float* panel, float* sums)
        {
            int width = LstmLayer.Gates * Hidden;
            for (int n0 = 0; n0 < width; n0 += DepthBlock)
            {
                int depth = Math.Min(DepthBlock, width - n0);
                for (int r0 = g0; r0 < groupEnd; r0 += LstmKernels.BackwardRows)
                {
                    for (int q = 0; q < LstmKernels.BackwardRows; q++)
                        rows[q] = DGates + ((long)t * Batch + Math.Min(r0 + q, groupEnd - 1)) * width;
                    LstmKernels.BackwardProduct(rows, n0, panel + (long)n0 * LstmKernels.BackwardUnits, depth,
                        sums + (r0 - g0) * LstmKernels.BackwardUnits, accumulate: n0 > 0);
                }
            }
        }
    }
}
