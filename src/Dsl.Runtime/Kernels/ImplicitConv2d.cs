using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

public static unsafe partial class Conv2d
{
    /// <summary>
    /// Inference forward with a fused epilogue: <c>y = relu?(scale[c]·conv(x, weight) + shift[c] + residual)</c>, the
    /// convolution of an ungrouped layer followed by a folded batch norm (see <see cref="BatchNorm.InferenceScaleShift"/>),
    /// an optional residual add and an optional ReLU, in one pass over the output.
    /// </summary>
    /// <remarks>
    /// An empty <paramref name="scale"/> means 1, an empty <paramref name="shift"/> 0 (pass the bias there when there is
    /// no batch norm), an empty <paramref name="residual"/> no addition. <paramref name="residual"/> may be
    /// <paramref name="y"/> itself (an in-place add) but must not otherwise overlap it; <paramref name="x"/> must not
    /// overlap <paramref name="y"/>. No workspace: the input is read through implicit GEMM (see <see cref="ImplicitConv2d"/>).
    /// </remarks>
    public static void ForwardInference(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, ReadOnlySpan<float> residual, bool relu, Span<float> y)
    {
        ValidateGeometry(g);
        Validate.NonNegative(batch, nameof(batch));
        if (g.Groups != 1)
            throw new ArgumentException($"The fused inference convolution handles ungrouped layers only, but {g} has Groups = {g.Groups}.", nameof(g));
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(weight.Length, g.WeightSize, nameof(weight));
        Validate.LengthOrEmpty(scale.Length, g.OutChannels, nameof(scale));
        Validate.LengthOrEmpty(shift.Length, g.OutChannels, nameof(shift));
        Validate.LengthOrEmpty(residual.Length, (long)batch * g.OutSize, nameof(residual));
        Validate.Length(y.Length, (long)batch * g.OutSize, nameof(y));
        if (batch == 0) return;
        if (x.Overlaps(y))
            throw new ArgumentException("The output of a convolution must not overlap its input.", nameof(y));
        if (!residual.IsEmpty && residual.Overlaps(y, out int offset) && offset != 0)
            throw new ArgumentException("The residual must be the output itself or not overlap it.", nameof(residual));
        if ((long)batch * g.OutHeight * g.OutWidth > int.MaxValue)
            throw new ArgumentException($"A batch of {batch} has more output positions than the kernel indexes.", nameof(batch));

        fixed (float* xPtr = x, wPtr = weight, scalePtr = scale, shiftPtr = shift, resPtr = residual, yPtr = y)
            ImplicitConv2d.Forward(g, batch, xPtr, wPtr, scale.IsEmpty ? null : scalePtr, shift.IsEmpty ? null : shiftPtr,
                residual.IsEmpty ? null : resPtr, relu, yPtr);
    }
}

/// <summary>
/// Implicit-GEMM convolution for inference: <c>Y[co, col] = Σ_k W[co, k]·B[k, col]</c> where the columns are the output
/// positions of all examples (example-major, so a column block may span examples) and <c>B</c> is the im2col matrix, never
/// materialised: each 32-column tile of it is packed from the NCHW images for 128 reduction steps at a time into an
/// L1-resident buffer (for the whole reduction at once when the columns are few, as at batch 1, so that each weight row
/// streams through once). With many columns (256 or more) the weights are first packed into panels of 12 (or 8) rows
/// per depth step and 12×32 / 8×32 (or ×16 for narrow tails) AVX-512 micro-kernels broadcast from them; with few, 8×32
/// kernels read weight rows in place, since each would be used by too few tiles to repay packing. The im2col tile costs
/// one masked load per 16 floats for stride-1 layers whose rows keep their width (<see cref="Work.PackShifted"/>), a
/// masked gather per 8 for maps narrower than 16 columns, and masked loads per output-row run otherwise. A block of
/// columns accumulates in a per-thread tile and leaves through the epilogue (per-channel scale and shift, residual, ReLU)
/// straight into NCHW. The two threads split the columns (in several parts each when the weights are packed, handed
/// out as threads come free), or the output channels when there are too few columns (small spatial sizes at batch 1).
/// Without AVX-512 a portable Vector256 kernel does the same work on the same packed layouts.
/// </summary>
internal static unsafe partial class ImplicitConv2d
{
    /// <summary>Whether the AVX-512 micro-kernels run; tests switch it off to exercise the portable path.</summary>
    internal static bool UseAvx512 = Avx512F.IsSupported;

    private const int RowBlock = 8, TileColumns = 32, DepthBlock = 128;

    /// <summary>Floats of the per-thread column-block accumulator the block width aims for (256 KB, a quarter of L2).</summary>
    private const int TargetTileFloats = 1 << 16;

    /// <summary>Below this many multiply-adds the workers cost more than they save.</summary>
    private const long MinimumParallelWork = 1 << 20;

    /// <summary>Largest packed block (reduction × columns) taken whole, without depth blocking: 1 MB, one core's L2.</summary>
    private const long FullDepthFloats = 1 << 18;

    /// <summary>Floats of the accumulator the packed path's column block aims for.</summary>
    private const int PackedTileFloats = 1 << 16;

    /// <summary>From this many columns on, the weights are packed into register panels (each is then used by 8 tiles or more).</summary>
    private const int MinimumPackedColumns = 256;

    [ThreadStatic] private static float[]? t_buffer;

    /// <summary>The calling thread's packed weights (workers read them while it waits).</summary>
    [ThreadStatic] private static float[]? t_weights;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    public static void Forward(in Conv2dGeometry g, int batch, float* x, float* w, float* scale, float* shift,
        float* residual, bool relu, float* y)
    {
        int spatial = g.OutHeight * g.OutWidth;
        int columns = batch * spatial;
        int reduction = g.InChannels * g.KernelHeight * g.KernelWidth;
        var work = new Work
        {
            G = g, X = x, W = w, Scale = scale, Shift = shift, Residual = residual, Relu = relu, Y = y,
            Columns = columns, Reduction = reduction, Spatial = spatial,
            Shifted = UseAvx512 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.OutWidth == g.InWidth && spatial % 16 == 0,
        };
        int degree = Parallelism.MaxDegree;
        long volume = (long)g.OutChannels * reduction * columns;
        if (degree <= 1 || volume < MinimumParallelWork) degree = 1;
        if (columns >= MinimumPackedColumns)
        {
            ForwardPacked(ref work, degree);
            return;
        }
        if (degree == 1)
        {
            work.Execute(0, 1);
            return;
        }
        int rowBlocks = (g.OutChannels + RowBlock - 1) / RowBlock;
        work.ByColumns = columns >= 256 * degree || rowBlocks < degree;
        int units = work.ByColumns ? (columns + TileColumns - 1) / TileColumns : rowBlocks;
        Parallelism.Run(ref work, Math.Min(degree, units));
    }

    /// <summary>
    /// Many columns: the weights, packed once per call into panels of 12 (or 8) rows × a depth block (see
    /// <see cref="PanelLayout"/>), are reused by every 32-column tile, so the larger register tile pays for the packing.
    /// </summary>
    private static void ForwardPacked(ref Work work, int degree)
    {
        int m = work.G.OutChannels, k = work.Reduction;
        var layout = new PanelLayout(m);
        long floats = (long)layout.PaddedRows * k;
        float[]? buffer = t_weights;
        if (buffer is null || buffer.Length < floats)
            t_weights = buffer = GC.AllocateUninitializedArray<float>(checked((int)floats), pinned: true);
        fixed (float* packed = buffer)
        {
            var pack = new PackWeightsWork { W = work.W, Packed = packed, Layout = layout, Rows = m, Reduction = k };
            int panels = layout.Panels;
            if (degree > 1 && floats >= 1 << 16)
                Parallelism.Run(ref pack, Math.Min(degree, panels));
            else
                pack.Execute(0, 1);
            work.PackedW = packed;
            work.Layout = layout;
            work.ByColumns = true;
            if (degree > 1)
            {
                // Several column-block-sized parts per thread, handed out as the threads come free: a core that the
                // machine's other load slows down (or that wakes late) then takes fewer parts instead of holding up the call.
                int tiles = (work.Columns + TileColumns - 1) / TileColumns;
                int blockTiles = PackedBlockColumns(layout.PaddedRows) / TileColumns;
                Parallelism.Run(ref work, Math.Clamp(tiles / blockTiles, degree, 8 * degree));
            }
            else
            {
                work.Execute(0, 1);
            }
        }
    }

    /// <summary>Columns of the packed path's accumulator block for this many (padded) rows.</summary>
    private static int PackedBlockColumns(int paddedRows) =>
        Math.Clamp(PackedTileFloats / paddedRows / TileColumns * TileColumns, TileColumns, 512);

    /// <summary>
    /// How the packed weights split the output channels into register panels: rows rounded up to a multiple of 4 (and at
    /// least 8), panels of 12 rows and then one or two of 8 for the remainder (64 = 4·12 + 2·8, 72 = 6·12, 80 = 6·12 + 8).
    /// Rows past the real ones are zero. Depth block <c>k0</c> of the packed matrix starts at float <c>k0·PaddedRows</c>,
    /// and within it the panel starting at row <c>m0</c> at <c>m0·kc</c>, stored depth-major (<c>height</c> floats per step).
    /// </summary>
    private readonly struct PanelLayout
    {
        public readonly int PaddedRows, Twelves;

        public PanelLayout(int rows)
        {
            int padded = Math.Max(8, RoundUp(rows, 4));
            PaddedRows = padded;
            Twelves = (padded % 12) switch { 0 => padded / 12, 8 => (padded - 8) / 12, _ => (padded - 16) / 12 };
        }

        public int Panels => Twelves + (PaddedRows - 12 * Twelves) / 8;

        public int Start(int panel) => panel <= Twelves ? 12 * panel : 12 * Twelves + 8 * (panel - Twelves);

        public int Height(int row) => row < 12 * Twelves ? 12 : 8;
    }

    private struct PackWeightsWork : IParallelWork
    {
        public float* W, Packed;
        public PanelLayout Layout;
        public int Rows, Reduction;

        public readonly void Execute(int part, int parts)
        {
            (int p0, int p1) = KernelParallel.Range(Layout.Panels, part, parts);
            int k = Reduction, padded = Layout.PaddedRows;
            for (int k0 = 0; k0 < k; k0 += DepthBlock)
            {
                int kc = Math.Min(DepthBlock, k - k0);
                for (int panel = p0; panel < p1; panel++)
                {
                    int m0 = Layout.Start(panel), height = Layout.Height(m0);
                    float* dst = Packed + (long)k0 * padded + (long)m0 * kc;
                    int real = Math.Clamp(Rows - m0, 0, height);
                    for (int r = 0; r < real; r++)
                    {
                        float* src = W + (long)(m0 + r) * k + k0;
                        for (int p = 0; p < kc; p++) dst[p * height + r] = src[p];
                    }
                    for (int r = real; r < height; r++)
                        for (int p = 0; p < kc; p++) dst[p * height + r] = 0f;
                }
            }
        }
    }

    private struct Work : IParallelWork
    {
        public Conv2dGeometry G;
        public float* X, W, Scale, Shift, Residual, Y, PackedW;
        public PanelLayout Layout;
        public bool Relu, ByColumns, Shifted;
        public int Columns, Reduction, Spatial;

        public readonly void Execute(int part, int parts)
        {
            int m = G.OutChannels;
            if (PackedW != null)
            {
                int tiles = (Columns + TileColumns - 1) / TileColumns;
                (int t0, int t1) = KernelParallel.Range(tiles, part, parts);
                RunPacked(t0 * TileColumns, Math.Min(t1 * TileColumns, Columns));
            }
            else if (parts == 1)
            {
                Run(0, Columns, 0, m);
            }
            else if (ByColumns)
            {
                int tiles = (Columns + TileColumns - 1) / TileColumns;
                (int t0, int t1) = KernelParallel.Range(tiles, part, parts);
                Run(t0 * TileColumns, Math.Min(t1 * TileColumns, Columns), 0, m);
            }
            else
            {
                int blocks = (m + RowBlock - 1) / RowBlock;
                (int b0, int b1) = KernelParallel.Range(blocks, part, parts);
                Run(0, Columns, b0 * RowBlock, Math.Min(b1 * RowBlock, m));
            }
        }

        private readonly void Run(int colBegin, int colEnd, int rowBegin, int rowEnd)
        {
            int rows = rowEnd - rowBegin;
            if (rows <= 0 || colEnd <= colBegin) return;
            if ((long)Reduction * RoundUp(colEnd - colBegin, 16) <= FullDepthFloats)
            {
                RunFullDepth(colBegin, colEnd, rowBegin, rowEnd);
                return;
            }
            int blockColumns = Math.Clamp(TargetTileFloats / rows / TileColumns * TileColumns, TileColumns, 256);
            int ldc = blockColumns + 16;
            float[] buffer = Buffer(DepthBlock * TileColumns + rows * ldc + 16);
            fixed (float* raw = buffer)
            {
                float* packed = (float*)(((nint)raw + 63) & ~(nint)63);
                float* tile = packed + DepthBlock * TileColumns;
                bool avx512 = UseAvx512;
                int k = Reduction;
                for (int c0 = colBegin; c0 < colEnd; c0 += blockColumns)
                {
                    int width = Math.Min(blockColumns, colEnd - c0);
                    for (int k0 = 0; k0 < k; k0 += DepthBlock)
                    {
                        int kc = Math.Min(DepthBlock, k - k0);
                        for (int t = 0; t * TileColumns < width; t++)
                        {
                            int tileWidth = Math.Min(TileColumns, width - t * TileColumns);
                            int nr = tileWidth <= 16 ? 16 : TileColumns;
                            Pack(c0 + t * TileColumns, tileWidth, nr, k0, kc, packed);
                            for (int m0 = rowBegin; m0 < rowEnd; m0 += RowBlock)
                            {
                                int mr = Math.Min(RowBlock, rowEnd - m0);
                                float* a = W + (long)m0 * k + k0;
                                float* c = tile + (long)(m0 - rowBegin) * ldc + t * TileColumns;
                                if (avx512 && mr == RowBlock)
                                {
                                    if (nr == TileColumns) Kernel8x32(kc, a, k, packed, c, ldc, k0 > 0);
                                    else Kernel8x16(kc, a, k, packed, c, ldc, k0 > 0);
                                }
                                else
                                {
                                    KernelPortable(mr, nr, kc, a, k, 1, packed, c, ldc, k0 > 0);
                                }
                            }
                        }
                    }
                    Epilogue(c0, width, rowBegin, rowEnd, tile, ldc);
                }
            }
        }

        /// <summary>Columns [colBegin, colEnd) of every output channel, with the packed weights.</summary>
        private readonly void RunPacked(int colBegin, int colEnd)
        {
            if (colEnd <= colBegin) return;
            int padded = Layout.PaddedRows, k = Reduction;
            int blockColumns = PackedBlockColumns(padded);
            int ldc = blockColumns + 16;
            float[] buffer = Buffer(DepthBlock * TileColumns + padded * ldc + 16);
            fixed (float* raw = buffer)
            {
                float* packed = (float*)(((nint)raw + 63) & ~(nint)63);
                float* tile = packed + DepthBlock * TileColumns;
                bool avx512 = UseAvx512;
                for (int c0 = colBegin; c0 < colEnd; c0 += blockColumns)
                {
                    int width = Math.Min(blockColumns, colEnd - c0);
                    for (int k0 = 0; k0 < k; k0 += DepthBlock)
                    {
                        int kc = Math.Min(DepthBlock, k - k0);
                        float* aBlock = PackedW + (long)k0 * padded;
                        bool add = k0 > 0;
                        for (int t = 0; t * TileColumns < width; t++)
                        {
                            int tileWidth = Math.Min(TileColumns, width - t * TileColumns);
                            int nr = tileWidth <= 16 ? 16 : TileColumns;
                            Pack(c0 + t * TileColumns, tileWidth, nr, k0, kc, packed);
                            float* c = tile + t * TileColumns;
                            for (int m0 = 0; m0 < padded;)
                            {
                                int mr = Layout.Height(m0);
                                float* a = aBlock + (long)m0 * kc;
                                float* cm = c + (long)m0 * ldc;
                                if (avx512)
                                {
                                    if (mr == 12)
                                    {
                                        if (nr == TileColumns) Packed12x32(kc, a, packed, cm, ldc, add);
                                        else Packed12x16(kc, a, packed, cm, ldc, add);
                                    }
                                    else
                                    {
                                        if (nr == TileColumns) Packed8x32(kc, a, packed, cm, ldc, add);
                                        else Packed8x16(kc, a, packed, cm, ldc, add);
                                    }
                                }
                                else
                                {
                                    KernelPortable(mr, nr, kc, a, 1, mr, packed, cm, ldc, add);
                                }
                                m0 += mr;
                            }
                        }
                    }
                    Epilogue(c0, width, 0, G.OutChannels, tile, ldc);
                }
            }
        }

        /// <summary>
        /// Few columns (small maps at batch 1): pack them once for the whole reduction, then run each block of weight rows
        /// over the full depth, so every weight row streams through once, sequentially, and nothing is re-accumulated.
        /// </summary>
        private readonly void RunFullDepth(int colBegin, int colEnd, int rowBegin, int rowEnd)
        {
            int rows = rowEnd - rowBegin, width = colEnd - colBegin, k = Reduction;
            int tiles = (width + TileColumns - 1) / TileColumns;
            // 16 floats of padding keep the rows of the accumulator from being a multiple of 4 KB apart, which would put
            // all eight rows a micro-kernel stores in one L1 set.
            int ldc = tiles * TileColumns + 16;
            float[] buffer = Buffer(k * ldc + rows * ldc + 16);
            fixed (float* raw = buffer)
            {
                float* packed = (float*)(((nint)raw + 63) & ~(nint)63);
                float* tile = packed + (long)k * ldc;
                for (int t = 0; t < tiles; t++)
                {
                    int tileWidth = Math.Min(TileColumns, width - t * TileColumns);
                    Pack(colBegin + t * TileColumns, tileWidth, tileWidth <= 16 ? 16 : TileColumns, 0, k, packed + (long)t * k * TileColumns);
                }
                bool avx512 = UseAvx512;
                for (int m0 = rowBegin; m0 < rowEnd; m0 += RowBlock)
                {
                    int mr = Math.Min(RowBlock, rowEnd - m0);
                    float* a = W + (long)m0 * k;
                    for (int t = 0; t < tiles; t++)
                    {
                        int nr = Math.Min(TileColumns, width - t * TileColumns) <= 16 ? 16 : TileColumns;
                        float* b = packed + (long)t * k * TileColumns;
                        float* c = tile + (long)(m0 - rowBegin) * ldc + t * TileColumns;
                        if (avx512 && mr == RowBlock)
                        {
                            if (nr == TileColumns) Kernel8x32(k, a, k, b, c, ldc, false);
                            else Kernel8x16(k, a, k, b, c, ldc, false);
                        }
                        else
                        {
                            KernelPortable(mr, nr, k, a, k, 1, b, c, ldc, false);
                        }
                    }
                }
                Epilogue(colBegin, width, rowBegin, rowEnd, tile, ldc);
            }
        }

        /// <summary>Packs columns [col0, col0 + width) of reduction rows [k0, k0 + kc) as kc rows of nr floats, zero beyond width.</summary>
        private readonly void Pack(int col0, int width, int nr, int k0, int kc, float* packed)
        {
            if (Shifted && width == nr)
            {
                PackShifted(col0, nr, k0, kc, packed);
                return;
            }
            // Runs of fewer than 16 columns cost more in PackRun's per-run work than a gather per 8 floats does (on the Xeon
            // here a gather beats it for 8- and 4-wide maps but loses to the masked-load runs for 16-wide ones).
            if (UseAvx512 && G.OutWidth < 16)
            {
                PackGathered(col0, width, nr, k0, kc, packed);
                return;
            }
            if (width < nr)
            {
                for (int p = 0; p < kc; p++)
                    new Span<float>(packed + p * nr + width, nr - width).Clear();
            }
            int ow = G.OutWidth;
            int col = col0, j0 = 0;
            while (j0 < width)
            {
                int n = col / Spatial, rem = col - n * Spatial;
                int oh = rem / ow, owStart = rem - oh * ow;
                int length = Math.Min(ow - owStart, width - j0);
                PackRun(X + (long)n * G.InSize, oh, owStart, length, packed + j0, nr, k0, kc);
                col += length;
                j0 += length;
            }
        }

        /// <summary>
        /// Stride 1 with input and output rows of the same width, and whole 16-column vectors inside one example: lane j's
        /// input for kernel tap (ki, kj) is then the image's plane at <c>s0 + j + (ki − ph)·W + kj − pw</c>, one offset for
        /// all lanes, so each packed vector is a single masked load. The mask (column inside the row, position inside the
        /// plane) depends on the tap but not on the input channel, so it is worked out once per tap.
        /// </summary>
        private readonly void PackShifted(int col0, int nr, int k0, int kc, float* packed)
        {
            int kh = G.KernelHeight, kw = G.KernelWidth, wIn = G.InWidth, plane = G.InHeight * wIn;
            int window = kh * kw, vectors = nr / 16;
            Vector512<float>* masks = stackalloc Vector512<float>[2 * window];
            int* offsets = stackalloc int[window];
            float* base0 = null, base1 = null;
            int* lanes = stackalloc int[16];
            for (int v = 0; v < vectors; v++)
            {
                int col = col0 + 16 * v, n = col / Spatial, s0 = col - n * Spatial;
                float* image = X + (long)n * G.InSize + s0;
                if (v == 0) base0 = image; else base1 = image;
                for (int j = 0; j < 16; j++) lanes[j] = (s0 + j) % wIn;
                Vector512<int> ow = Vector512.Load(lanes), position = Vector512.Create(s0) + Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                for (int ki = 0, r = 0; ki < kh; ki++)
                {
                    for (int kj = 0; kj < kw; kj++, r++)
                    {
                        int offset = (ki - G.PadHeight) * wIn + kj - G.PadWidth;
                        offsets[r] = offset;
                        Vector512<uint> iw = (ow + Vector512.Create(kj - G.PadWidth)).AsUInt32();
                        Vector512<uint> at = (position + Vector512.Create(offset)).AsUInt32();
                        masks[2 * r + v] = (Vector512.LessThan(iw, Vector512.Create((uint)wIn)) & Vector512.LessThan(at, Vector512.Create((uint)plane))).AsSingle();
                    }
                }
            }
            int ci = k0 / window, tap = k0 - ci * window;
            long channel = (long)ci * plane;
            for (int p = 0; p < kc; p++, packed += nr)
            {
                long at = channel + offsets[tap];
                Avx512F.MaskLoad(base0 + at, masks[2 * tap], Vector512<float>.Zero).Store(packed);
                if (vectors == 2)
                    Avx512F.MaskLoad(base1 + at, masks[2 * tap + 1], Vector512<float>.Zero).Store(packed + 16);
                if (++tap == window)
                {
                    tap = 0;
                    channel += plane;
                }
            }
        }

        /// <summary>
        /// Any other geometry (strided, or maps that are not whole vectors): each lane's input offset for tap (ki, kj) of
        /// channel ci is its own base plus one offset common to all lanes, so each 8 packed floats are one masked gather;
        /// the masks (tap inside the image, lane inside the tile) depend on the tap only and are worked out once per tile.
        /// </summary>
        private readonly void PackGathered(int col0, int width, int nr, int k0, int kc, float* packed)
        {
            int kh = G.KernelHeight, kw = G.KernelWidth, h = G.InHeight, wIn = G.InWidth, plane = h * wIn;
            int window = kh * kw, groups = nr / 8, ow = G.OutWidth;
            int* bases = stackalloc int[TileColumns];
            int* rows = stackalloc int[TileColumns];
            int* cols = stackalloc int[TileColumns];
            for (int j = 0; j < nr; j++)
            {
                if (j < width)
                {
                    int col = col0 + j, n = col / Spatial, rem = col - n * Spatial, oh = rem / ow, owj = rem - oh * ow;
                    rows[j] = oh * G.StrideHeight - G.PadHeight;
                    cols[j] = owj * G.StrideWidth - G.PadWidth;
                    bases[j] = n * G.InSize + rows[j] * wIn + cols[j];
                }
                else
                {
                    rows[j] = -kh - 1;
                    cols[j] = 0;
                    bases[j] = 0;
                }
            }
            Vector256<float>* masks = stackalloc Vector256<float>[window * 4];
            int* offsets = stackalloc int[window];
            for (int g = 0; g < groups; g++)
            {
                Vector256<int> ih = Vector256.Load(rows + 8 * g), iw = Vector256.Load(cols + 8 * g);
                for (int ki = 0, r = 0; ki < kh; ki++)
                {
                    for (int kj = 0; kj < kw; kj++, r++)
                    {
                        offsets[r] = ki * wIn + kj;
                        Vector256<uint> inRow = (ih + Vector256.Create(ki)).AsUInt32(), inCol = (iw + Vector256.Create(kj)).AsUInt32();
                        masks[4 * r + g] = (Vector256.LessThan(inRow, Vector256.Create((uint)h)) & Vector256.LessThan(inCol, Vector256.Create((uint)wIn))).AsSingle();
                    }
                }
            }
            Vector256<int> base0 = Vector256.Load(bases), base1 = Vector256.Load(bases + 8);
            Vector256<int> base2 = groups == 4 ? Vector256.Load(bases + 16) : default, base3 = groups == 4 ? Vector256.Load(bases + 24) : default;
            int ci = k0 / window, tap = k0 - ci * window;
            int channel = ci * plane;
            for (int p = 0; p < kc; p++, packed += nr)
            {
                var at = Vector256.Create(channel + offsets[tap]);
                Vector256<float>* m = masks + 4 * tap;
                Avx2.GatherMaskVector256(Vector256<float>.Zero, X, base0 + at, m[0], 4).Store(packed);
                Avx2.GatherMaskVector256(Vector256<float>.Zero, X, base1 + at, m[1], 4).Store(packed + 8);
                if (groups == 4)
                {
                    Avx2.GatherMaskVector256(Vector256<float>.Zero, X, base2 + at, m[2], 4).Store(packed + 16);
                    Avx2.GatherMaskVector256(Vector256<float>.Zero, X, base3 + at, m[3], 4).Store(packed + 24);
                }
                if (++tap == window)
                {
                    tap = 0;
                    channel += plane;
                }
            }
        }

        /// <summary>One output row's run of <paramref name="length"/> columns, for every reduction row of the block.</summary>
        private readonly void PackRun(float* image, int oh, int ow0, int length, float* dst, int nr, int k0, int kc)
        {
            int kh = G.KernelHeight, kw = G.KernelWidth, h = G.InHeight, wIn = G.InWidth, sw = G.StrideWidth;
            int window = kh * kw;
            int ci = k0 / window, r = k0 - ci * window;
            int ki = r / kw, kj = r - ki * kw;
            int ihBase = oh * G.StrideHeight - G.PadHeight, iwBase = ow0 * sw - G.PadWidth;
            bool masked = UseAvx512 && sw <= 2;
            for (int p = 0; p < kc; p++, dst += nr)
            {
                int ih = ihBase + ki;
                if ((uint)ih >= (uint)h)
                {
                    new Span<float>(dst, length).Clear();
                }
                else if (masked)
                {
                    PackRowMasked(image + ((long)ci * h + ih) * wIn, iwBase + kj, wIn, sw, dst, length);
                }
                else
                {
                    float* row = image + ((long)ci * h + ih) * wIn;
                    int iw0 = iwBase + kj;
                    if (sw == 1)
                        CopyRow(row, iw0, wIn, dst, length);
                    else
                        for (int j = 0, iw = iw0; j < length; j++, iw += sw)
                            dst[j] = (uint)iw < (uint)wIn ? row[iw] : 0f;
                }
                if (++kj == kw)
                {
                    kj = 0;
                    if (++ki == kh)
                    {
                        ki = 0;
                        ci++;
                    }
                }
            }
        }

        /// <summary>
        /// dst[j] = row[iw0 + stride·j] where that is inside the row, else 0, for j in [0, length ≤ 32), stride 1 or 2, with
        /// AVX-512 masked loads (lanes outside the row are never read, so no bounds matter) and stores (nothing past length).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PackRowMasked(float* row, int iw0, int rowLength, int stride, float* dst, int length)
        {
            Vector512<int> lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<int> end = Vector512.Create(rowLength);
            for (int j0 = 0; j0 < length; j0 += 16)
            {
                Vector512<float> v;
                if (stride == 1)
                {
                    Vector512<int> iw = lanes + Vector512.Create(iw0 + j0);
                    Vector512<float> load = (Vector512.GreaterThanOrEqual(iw, Vector512<int>.Zero) & Vector512.LessThan(iw, end)).AsSingle();
                    v = Avx512F.MaskLoad(row + iw0 + j0, load, Vector512<float>.Zero);
                }
                else
                {
                    int first = iw0 + 2 * j0;
                    Vector512<int> iwLow = lanes + Vector512.Create(first), iwHigh = iwLow + Vector512.Create(16);
                    Vector512<float> loadLow = (Vector512.GreaterThanOrEqual(iwLow, Vector512<int>.Zero) & Vector512.LessThan(iwLow, end)).AsSingle();
                    Vector512<float> loadHigh = (Vector512.GreaterThanOrEqual(iwHigh, Vector512<int>.Zero) & Vector512.LessThan(iwHigh, end)).AsSingle();
                    Vector512<float> low = Avx512F.MaskLoad(row + first, loadLow, Vector512<float>.Zero);
                    Vector512<float> high = Avx512F.MaskLoad(row + first + 16, loadHigh, Vector512<float>.Zero);
                    v = Avx512F.PermuteVar16x32x2(low, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), high);
                }
                // A full store where possible: the micro-kernel soon loads these lanes, and a masked store cannot forward to a load.
                if (length - j0 >= 16)
                    v.Store(dst + j0);
                else
                    Avx512F.MaskStore(dst + j0, Vector512.LessThan(lanes, Vector512.Create(length - j0)).AsSingle(), v);
            }
        }

        /// <summary>dst[j] = row[iw0 + j] where that is inside the row, else 0, for j in [0, length).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRow(float* row, int iw0, int rowLength, float* dst, int length)
        {
            int lo = Math.Max(0, -iw0), hi = Math.Min(length, rowLength - iw0);
            if (hi <= lo)
            {
                new Span<float>(dst, length).Clear();
                return;
            }
            for (int j = 0; j < lo; j++) dst[j] = 0f;
            int count = hi - lo;
            float* s = row + iw0 + lo, d = dst + lo;
            if (count >= 8)
            {
                // Overlapping last vector rather than a scalar tail: it stores the same values twice.
                int j = 0;
                for (; j + 8 < count; j += 8) Vector256.Load(s + j).Store(d + j);
                Vector256.Load(s + count - 8).Store(d + count - 8);
            }
            else
            {
                for (int j = 0; j < count; j++) d[j] = s[j];
            }
            for (int j = hi; j < length; j++) dst[j] = 0f;
        }

        /// <summary>Writes columns [col0, col0 + width) of rows [rowBegin, rowEnd) from the accumulator tile to NCHW.</summary>
        private readonly void Epilogue(int col0, int width, int rowBegin, int rowEnd, float* tile, int ldc)
        {
            long outSize = G.OutSize;
            int col = col0, j0 = 0;
            while (j0 < width)
            {
                int n = col / Spatial, s0 = col - n * Spatial;
                int length = Math.Min(Spatial - s0, width - j0);
                for (int co = rowBegin; co < rowEnd; co++)
                {
                    float scale = Scale == null ? 1f : Scale[co], shift = Shift == null ? 0f : Shift[co];
                    long offset = n * outSize + (long)co * Spatial + s0;
                    EpilogueRow(tile + (long)(co - rowBegin) * ldc + j0, Y + offset, Residual == null ? null : Residual + offset,
                        length, scale, shift, Relu);
                }
                col += length;
                j0 += length;
            }
        }
    }

    private static void EpilogueRow(float* src, float* dst, float* residual, int length, float scale, float shift, bool relu)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s = Vector256.Create(scale), t = Vector256.Create(shift);
            for (; j + 8 <= length; j += 8)
            {
                Vector256<float> v = Vector256.Load(src + j) * s + t;
                if (residual != null) v += Vector256.Load(residual + j);
                if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                v.Store(dst + j);
            }
        }
        for (; j < length; j++)
        {
            float v = src[j] * scale + shift;
            if (residual != null) v += residual[j];
            if (relu) v = MathF.Max(v, 0f);
            dst[j] = v;
        }
    }

    /// <summary>
    /// Any tile: <c>C[0..mr, 0..nr] (+)= A · B</c>, one row at a time in Vector256 lanes (nr is 16 or 32); A's rows are
    /// <paramref name="lda"/> apart and its depth steps <paramref name="step"/> (1 in place, the panel height when packed).
    /// </summary>
    private static void KernelPortable(int mr, int nr, int kc, float* a, nint lda, nint step, float* b, float* c, nint ldc, bool add)
    {
        int vectors = nr / 8;
        for (int r = 0; r < mr; r++)
        {
            float* ar = a + r * lda;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = b;
            if (vectors == 4)
            {
                for (int p = 0; p < kc; p++, bp += 32)
                {
                    var x = Vector256.Create(ar[p * step]);
                    s0 += x * Vector256.Load(bp);
                    s1 += x * Vector256.Load(bp + 8);
                    s2 += x * Vector256.Load(bp + 16);
                    s3 += x * Vector256.Load(bp + 24);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, bp += 16)
                {
                    var x = Vector256.Create(ar[p * step]);
                    s0 += x * Vector256.Load(bp);
                    s1 += x * Vector256.Load(bp + 8);
                }
            }
            float* cr = c + r * ldc;
            if (add)
            {
                s0 += Vector256.Load(cr);
                s1 += Vector256.Load(cr + 8);
                if (vectors == 4)
                {
                    s2 += Vector256.Load(cr + 16);
                    s3 += Vector256.Load(cr + 24);
                }
            }
            s0.Store(cr);
            s1.Store(cr + 8);
            if (vectors == 4)
            {
                s2.Store(cr + 16);
                s3.Store(cr + 24);
            }
        }
    }

    /// <summary>This thread's scratch of at least <paramref name="floats"/> floats, on the pinned heap so it never moves.</summary>
    private static float[] Buffer(int floats)
    {
        float[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < floats)
            t_buffer = buffer = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return buffer;
    }
}
