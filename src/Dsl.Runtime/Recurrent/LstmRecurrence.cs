using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// The time loop of the tiled LSTM (<see cref="LstmKernels"/>), split over the batch: each part owns a contiguous
/// range of examples and runs every step for them on its own, so the threads never wait for each other inside the
/// loop (one dispatch per call, not one per step) and each example's arithmetic is the same whatever the number of
/// threads: results are bit-identical for 1 and 2 threads. When the packed recurrent weights are too big for every
/// thread to keep all of them in L2 (<see cref="UnitParts"/>), the split is over hidden units instead, with the parts
/// meeting once per step; still one dispatch per call, and still bit-identical. All tensors are time-major, as in
/// <see cref="LstmLayer"/>.
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
    /// Parts for a split over hidden units instead of the batch, or 0 when the batch split is the better one: when the
    /// packed <c>W_hh</c> (16·H² bytes) outgrows half of L2, every thread reading all of it each step costs more than
    /// meeting the other threads once per step. Needs at least one tile of units per part.
    /// </summary>
    public static int UnitParts(int hidden, int tileUnits)
    {
        int parts = Math.Min(Parallelism.MaxDegree, hidden / tileUnits);
        return parts > 1 && 16L * hidden * hidden > UnitSplitBytes ? parts : 0;
    }

    /// <summary>Packed weights above this many bytes take the unit split (512 KiB: H = 192 and up).</summary>
    internal static long UnitSplitBytes = 512 * 1024;

    /// <summary>Spins until <c>*counter</c> reaches <paramref name="target"/> (the parts of a step are done).</summary>
    private static void WaitFor(int* counter, int target)
    {
        if (Volatile.Read(ref *counter) >= target) return;
        SpinWait spinner = default;
        while (Volatile.Read(ref *counter) < target) spinner.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>
    /// Forward over all steps. <c>Gates</c> holds the input projection with biases, or, with <c>Tokens</c>, the input
    /// projection of row k is <c>Table</c>'s row <c>Tokens[k]</c> (one-hot inputs; see <see cref="LstmLayer"/>). Training
    /// stores the activations in <c>Gates</c>, every step's cell state in <c>Cells</c> and its tanh in <c>TanhCells</c>;
    /// inference (<c>Cells</c> null) stores no activations and keeps one cell state per example in <c>State</c>, updated in place.
    /// </summary>
    public struct Forward : IParallelWork
    {
        // Rows whose sums are kept while the depth blocks go by (8 tiles of 4: 8 KiB of sums), and the depth block.
        private const int GroupRows = 8 * LstmKernels.ForwardRows, DepthBlock = 64;

        public float* Gates, Cells, TanhCells, State, HAll, H0, C0, HT, CT, Packed, Table;
        public int* Tokens;
        /// <summary>
        /// With <c>X</c> (inputs <c>[steps, batch, Inputs]</c>) the tiles compute the input projection themselves from
        /// <c>PackedIh</c> (<see cref="LstmKernels.PackInput"/>) onto <c>Bias</c> (<c>b_ih + b_hh</c>, 4H), and <c>Gates</c> is only written.
        /// </summary>
        public float* X, PackedIh, Bias;
        public int Inputs;
        /// <summary>Split over hidden units (<see cref="UnitParts"/>): per step and part, claimed (1) or not; per step, parts done. Null: split over the batch.</summary>
        public int* Claims, Done;
        public int Batch, Hidden, Steps;
        public bool Reverse;

        public readonly void Execute(int part, int parts)
        {
            if (Done != null)
            {
                RunUnits(part, parts);
                return;
            }
            var (begin, end) = Rows(Batch, part, parts);
            if (begin < end) Run(begin, end);
        }

        private readonly int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

        /// <summary>Row <paramref name="r"/> of step <paramref name="t"/>'s input projection.</summary>
        private readonly float* Input(int t, int r)
        {
            long k = (long)t * Batch + r;
            return Tokens != null ? Table + (long)Tokens[k] * LstmLayer.Gates * Hidden : Gates + k * LstmLayer.Gates * Hidden;
        }

        /// <summary>
        /// Prefetches what the cell of row <paramref name="r"/>, units from <paramref name="j"/>, reads and writes at
        /// step <paramref name="s"/>: issued one tile ahead, so a tile's product hides the memory latency of the next one.
        /// </summary>
        private readonly void PrefetchCell(int s, int r, int j)
        {
            if (s >= Steps) return;
            int h = Hidden, t = TimeAt(s);
            long at = (long)r * h + j, step = (long)t * Batch * h;
            float* gates = Gates + ((long)t * Batch + r) * LstmLayer.Gates * h + j;
            if ((Tokens == null && X == null) || Cells != null)
            {
                LstmKernels.Prefetch(gates); LstmKernels.Prefetch(gates + h);
                LstmKernels.Prefetch(gates + 2 * h); LstmKernels.Prefetch(gates + 3 * h);
            }
            LstmKernels.Prefetch(HAll + step + at);
            if (Cells != null)
            {
                LstmKernels.Prefetch(Cells + step + at);
                LstmKernels.Prefetch(TanhCells + step + at);
            }
        }

        /// <summary>Clears or copies the inference cell state of rows [begin, end), units [j0, j1).</summary>
        private readonly void StartState(int begin, int end, int j0, int j1)
        {
            int h = Hidden;
            for (int r = begin; r < end; r++)
            {
                var row = new Span<float>(State + (long)r * h + j0, j1 - j0);
                if (C0 != null) new ReadOnlySpan<float>(C0 + (long)r * h + j0, j1 - j0).CopyTo(row);
                else row.Clear();
            }
        }

        /// <summary>
        /// Step <paramref name="s"/> for rows [begin, end) and 16-unit tiles [tileBegin, tileEnd): the product with the
        /// previous state, then the cells. Prefetches for the tile after each one, the first of the range wrapping to step s + 1.
        /// </summary>
        private readonly void Step(int s, int begin, int end, int tileBegin, int tileEnd, float* sums, float* inputSums)
        {
            int h = Hidden, width = LstmLayer.Gates * h, state = Batch * h;
            bool inference = Cells == null;
            int t = TimeAt(s);
            float* hPrev = s == 0 ? H0 : HAll + (long)TimeAt(s - 1) * state;
            float* cPrev = inference ? State : s == 0 ? C0 : Cells + (long)TimeAt(s - 1) * state;
            float* cOut = inference ? State : Cells + (long)t * state;
            float* tanhOut = inference ? null : TanhCells + (long)t * state;
            float* hOut = HAll + (long)t * state;
            float* activations = inference ? null : Gates + (long)t * Batch * width;
            for (int tile = tileBegin; tile < tileEnd; tile++)
            {
                int j = tile * LstmKernels.ForwardUnits;
                bool lastTile = tile + 1 == tileEnd;
                int nextStep = lastTile ? s + 1 : s, nextUnits = (lastTile ? tileBegin : tile + 1) * LstmKernels.ForwardUnits;
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
                    if (X != null)
                    {
                        // The input projection of these rows and units, onto the biases: the same sums, in the same
                        // order, as the GEMM over the whole sequence that it replaces.
                        for (int r = g0; r < groupEnd; r++)
                            for (int gate = 0; gate < LstmLayer.Gates; gate++)
                                Vector512.Store(Vector512.Load(Bias + gate * h + j), inputSums + (r - g0) * 64 + gate * 16);
                        float* xPanel = PackedIh + (long)tile * Inputs * 64, xStep = X + (long)t * Batch * Inputs;
                        for (int r0 = g0; r0 < groupEnd; r0 += LstmKernels.ForwardRows)
                        {
                            int last = groupEnd - 1;
                            LstmKernels.ForwardProduct(xStep + (long)r0 * Inputs, xStep + (long)Math.Min(r0 + 1, last) * Inputs,
                                xStep + (long)Math.Min(r0 + 2, last) * Inputs, xStep + (long)Math.Min(r0 + 3, last) * Inputs,
                                xPanel, Inputs, inputSums + (r0 - g0) * 64, accumulate: true);
                        }
                    }
                    for (int r = g0; r < groupEnd; r++)
                    {
                        long at = (long)r * h + j;
                        PrefetchCell(nextStep, r, nextUnits);
                        bool own = X != null;
                        LstmKernels.ForwardCell(hPrev != null ? sums + (r - g0) * 64 : null,
                            own ? inputSums + (r - g0) * 64 : Input(t, r) + j, own ? 16 : width / LstmLayer.Gates,
                            activations != null ? activations + (long)r * width + j : null, h,
                            cPrev != null ? cPrev + at : null, cOut + at, tanhOut != null ? tanhOut + at : null, hOut + at);
                    }
                }
            }
        }

        /// <summary>
        /// The split over hidden units: every part runs every row, for its own range of tiles, so it reads only its
        /// share of the packed weights (at H = 256 all of them fill L2, and the gate rows streaming past evicted them).
        /// A step needs the whole previous state, so the parts meet after each step. A part that finds another part's
        /// range of a step unclaimed runs it too: a worker that starts late (or never) only costs time, never a deadlock.
        /// Each unit's arithmetic does not depend on who runs it, so results stay bit-identical to one thread.
        /// </summary>
        private readonly void RunUnits(int part, int parts)
        {
            int tiles = Hidden / LstmKernels.ForwardUnits;
            float* sums = stackalloc float[GroupRows * 64], inputSums = stackalloc float[GroupRows * 64];
            for (int r = 0; r < Batch; r++) PrefetchCell(0, r, KernelParallel.Range(tiles, part, parts).Begin * LstmKernels.ForwardUnits);
            for (int s = 0; s < Steps; s++)
            {
                for (int k = 0; k < parts; k++)
                {
                    int chunk = (part + k) % parts;
                    if (Interlocked.CompareExchange(ref Claims[s * parts + chunk], 1, 0) != 0) continue;
                    var (tileBegin, tileEnd) = KernelParallel.Range(tiles, chunk, parts);
                    // Inference keeps the cell state in place: only the owner of a step's units touches them.
                    if (s == 0 && Cells == null) StartState(0, Batch, tileBegin * LstmKernels.ForwardUnits, tileEnd * LstmKernels.ForwardUnits);
                    Step(s, 0, Batch, tileBegin, tileEnd, sums, inputSums);
                    Interlocked.Increment(ref Done[s]);
                }
                WaitFor(Done + s, parts);
            }
            Finish(KernelParallel.Range(Batch, part, parts).Begin, KernelParallel.Range(Batch, part, parts).End);
        }

        private readonly void Run(int begin, int end)
        {
            int tiles = Hidden / LstmKernels.ForwardUnits;
            float* sums = stackalloc float[GroupRows * 64], inputSums = stackalloc float[GroupRows * 64];
            if (Cells == null) StartState(begin, end, 0, Hidden);
            for (int r = begin; r < end; r++) PrefetchCell(0, r, 0);
            for (int s = 0; s < Steps; s++) Step(s, begin, end, 0, tiles, sums, inputSums);
            Finish(begin, end);
        }

        /// <summary>Copies rows [begin, end) of the final state out.</summary>
        private readonly void Finish(int begin, int end)
        {
            int h = Hidden, state = Batch * h;
            bool inference = Cells == null;
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
        /// <summary>Per part, <see cref="PackLength"/> floats for the padded copy of a step's gate-gradient rows (null: read them in place).</summary>
        public float* RowPack;
        /// <summary>Split over hidden units (as in <see cref="Forward"/>): per stage and part, claimed or not; per stage, parts done. Null: split over the batch.</summary>
        public int* Claims, Done;
        public int Batch, Hidden, Steps;
        public bool Reverse;

        public readonly void Execute(int part, int parts)
        {
            if (Done != null)
            {
                RunUnits(part, parts);
                return;
            }
            var (begin, end) = Rows(Batch, part, parts);
            if (begin < end) Run(part, begin, end);
        }

        private readonly int TimeAt(int s) => Reverse ? Steps - 1 - s : s;

        /// <summary>The cell state that step <paramref name="s"/> started from (null: zero).</summary>
        private readonly float* CellBefore(int s) => s == 0 ? C0 : Cells + (long)TimeAt(s - 1) * Batch * Hidden;

        /// <summary>Stages of the unit split: the last step's cells, the Steps − 1 steps with a product, then dh0 and dc0.</summary>
        public static int Stages(int steps) => steps + 1;

        private readonly void Run(int part, int begin, int end)
        {
            int tiles = Hidden / LstmKernels.BackwardUnits;
            float* sums = stackalloc float[GroupRows * LstmKernels.BackwardUnits];
            float** rows = stackalloc float*[LstmKernels.BackwardRows];
            float* pack = RowPack == null ? null : RowPack + part * PackLength(Batch, Hidden);
            for (int stage = 0; stage < Stages(Steps); stage++) Stage(stage, begin, end, 0, tiles, sums, rows, pack);
        }

        /// <summary>The split over hidden units, with the same claim-or-help rule as <see cref="Forward"/>'s.</summary>
        private readonly void RunUnits(int part, int parts)
        {
            int tiles = Hidden / LstmKernels.BackwardUnits, stages = Stages(Steps);
            float* sums = stackalloc float[GroupRows * LstmKernels.BackwardUnits];
            float** rows = stackalloc float*[LstmKernels.BackwardRows];
            float* pack = RowPack == null ? null : RowPack + part * PackLength(Batch, Hidden);
            for (int stage = 0; stage < stages; stage++)
            {
                for (int k = 0; k < parts; k++)
                {
                    int chunk = (part + k) % parts;
                    if (Interlocked.CompareExchange(ref Claims[stage * parts + chunk], 1, 0) != 0) continue;
                    var (tileBegin, tileEnd) = KernelParallel.Range(tiles, chunk, parts);
                    Stage(stage, 0, Batch, tileBegin, tileEnd, sums, rows, pack);
                    Interlocked.Increment(ref Done[stage]);
                }
                if (stage + 1 < stages) WaitFor(Done + stage, parts);
            }
        }

        /// <summary>
        /// One stage for rows [begin, end) and 32-unit tiles [tileBegin, tileEnd): stage 0 starts dc and runs the last step's
        /// cells (dh from the final state and the step's own output only); stage k runs step Steps − k, whose dh comes through
        /// the recurrent weights from step Steps − k + 1's gate gradients; the last stage writes dh0 and dc0.
        /// </summary>
        private readonly void Stage(int stage, int begin, int end, int tileBegin, int tileEnd, float* sums, float** rows, float* pack)
        {
            int h = Hidden, width = LstmLayer.Gates * h, state = Batch * h;
            int j0 = tileBegin * LstmKernels.BackwardUnits, j1 = tileEnd * LstmKernels.BackwardUnits;
            if (stage == 0)
            {
                for (int r = begin; r < end; r++)
                {
                    var row = new Span<float>(DC + (long)r * h + j0, j1 - j0);
                    if (DcT != null) new ReadOnlySpan<float>(DcT + (long)r * h + j0, j1 - j0).CopyTo(row);
                    else row.Clear();
                }
                int s = Steps - 1, t = TimeAt(s);
                float* cBefore = CellBefore(s);
                for (int r = begin; r < end; r++)
                    for (int j = j0; j < j1; j += 16)
                    {
                        long at = (long)r * h + j, gateAt = ((long)t * Batch + r) * width + j;
                        LstmKernels.BackwardCell(DhT != null ? DhT + at : null, DhAll != null ? DhAll + (long)t * state + at : null,
                            Gates + gateAt, TanhCells + (long)t * state + at, cBefore != null ? cBefore + at : null, DC + at, DGates + gateAt, h);
                    }
                return;
            }
            if (stage < Steps)
            {
                int s = Steps - stage, t = TimeAt(s), tp = TimeAt(s - 1);
                float* source = RowsOf(t, begin, end, pack, out long stride);
                float* cBefore = CellBefore(s - 1);
                for (int tile = tileBegin; tile < tileEnd; tile++)
                {
                    float* panel = Packed + (long)tile * width * LstmKernels.BackwardUnits;
                    // What the cells of the next tile (or the first tile of the next step) read and write, fetched a tile ahead.
                    bool lastTile = tile + 1 == tileEnd;
                    int nextS = lastTile ? s - 1 : s, nextJ = (lastTile ? tileBegin : tile + 1) * LstmKernels.BackwardUnits;
                    for (int g0 = begin; g0 < end; g0 += GroupRows)
                    {
                        int groupEnd = Math.Min(end, g0 + GroupRows);
                        Products(rows, source, stride, g0, groupEnd, panel, sums);
                        for (int r = g0; r < groupEnd; r++)
                        {
                            if (nextS >= 1) PrefetchCell(TimeAt(nextS - 1), nextS - 1, r, nextJ);
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
                return;
            }
            if (DH0 != null)
            {
                int t = TimeAt(0);
                float* source = RowsOf(t, begin, end, pack, out long stride);
                for (int tile = tileBegin; tile < tileEnd; tile++)
                {
                    float* panel = Packed + (long)tile * width * LstmKernels.BackwardUnits;
                    for (int g0 = begin; g0 < end; g0 += GroupRows)
                    {
                        int groupEnd = Math.Min(end, g0 + GroupRows);
                        Products(rows, source, stride, g0, groupEnd, panel, sums);
                        for (int r = g0; r < groupEnd; r++)
                            new ReadOnlySpan<float>(sums + (r - g0) * LstmKernels.BackwardUnits, LstmKernels.BackwardUnits)
                                .CopyTo(new Span<float>(DH0 + (long)r * h + tile * LstmKernels.BackwardUnits, LstmKernels.BackwardUnits));
                    }
                }
            }
            if (DC0 != null)
                for (int r = begin; r < end; r++)
                    new ReadOnlySpan<float>(DC + (long)r * h + j0, j1 - j0).CopyTo(new Span<float>(DC0 + (long)r * h + j0, j1 - j0));
        }

        /// <summary>
        /// Where the product of step <paramref name="t"/> reads gate-gradient row r: <c>source + r·stride</c>. With a
        /// <paramref name="pack"/> buffer, rows [begin, end) are first copied there with a stride of 4H + 16 floats. At
        /// H = 256 (and 128) the rows are 4 KiB (2 KiB) apart, so the eight rows of a tile fall into the same L1 sets and
        /// evict each other and the panel; 64 bytes more per row spread them over the sets. The copy is one pass over a
        /// step's rows, which every tile then reuses.
        /// </summary>
        private readonly float* RowsOf(int t, int begin, int end, float* pack, out long stride)
        {
            int width = LstmLayer.Gates * Hidden;
            float* step = DGates + (long)t * Batch * width;
            stride = width;
            if (pack == null) return step;
            stride = width + PackPadding;
            for (int r = begin; r < end; r++)
                new ReadOnlySpan<float>(step + (long)r * width, width).CopyTo(new Span<float>(pack + (r - begin) * stride, width));
            return pack - begin * stride;
        }

        /// <summary>Floats of padding per packed gate-gradient row (one cache line).</summary>
        public const int PackPadding = 16;

        /// <summary>Floats of <c>RowPack</c> one part needs.</summary>
        public static long PackLength(int batch, int hidden) => (long)batch * (LstmLayer.Gates * hidden + PackPadding);

        /// <summary>Prefetches the 32 units from <paramref name="j"/> of row <paramref name="r"/> that step s (time <paramref name="t"/>) of backward reads and writes.</summary>
        private readonly void PrefetchCell(int t, int s, int r, int j)
        {
            int h = Hidden;
            long at = (long)t * Batch * h + (long)r * h + j;
            float* gates = Gates + ((long)t * Batch + r) * LstmLayer.Gates * h + j;
            float* dGates = DGates + ((long)t * Batch + r) * LstmLayer.Gates * h + j;
            for (int gate = 0; gate < LstmLayer.Gates; gate++)
            {
                LstmKernels.Prefetch(gates + gate * h); LstmKernels.Prefetch(gates + gate * h + 16);
                LstmKernels.Prefetch(dGates + gate * h); LstmKernels.Prefetch(dGates + gate * h + 16);
            }
            LstmKernels.Prefetch(TanhCells + at); LstmKernels.Prefetch(TanhCells + at + 16);
            float* cBefore = CellBefore(s);
            if (cBefore != null)
            {
                float* c = cBefore + (long)r * h + j;
                LstmKernels.Prefetch(c); LstmKernels.Prefetch(c + 16);
            }
            if (DhAll != null)
            {
                LstmKernels.Prefetch(DhAll + at); LstmKernels.Prefetch(DhAll + at + 16);
            }
        }

        /// <summary>
        /// dGates of step <paramref name="t"/> times one backward panel for the rows of a group, in depth blocks of 128
        /// (16 KiB of panel, kept in L1 while every row tile of the group uses it). Sums go to <c>sums[row − g0][32]</c>.
        /// </summary>
        private readonly void Products(float** rows, float* source, long stride, int g0, int groupEnd, float* panel, float* sums)
        {
            int width = LstmLayer.Gates * Hidden;
            for (int n0 = 0; n0 < width; n0 += DepthBlock)
            {
                int depth = Math.Min(DepthBlock, width - n0);
                for (int r0 = g0; r0 < groupEnd; r0 += LstmKernels.BackwardRows)
                {
                    for (int q = 0; q < LstmKernels.BackwardRows; q++)
                        rows[q] = source + Math.Min(r0 + q, groupEnd - 1) * stride;
                    LstmKernels.BackwardProduct(rows, n0, panel + (long)n0 * LstmKernels.BackwardUnits, depth,
                        sums + (r0 - g0) * LstmKernels.BackwardUnits, accumulate: n0 > 0);
                }
            }
        }
    }
}
