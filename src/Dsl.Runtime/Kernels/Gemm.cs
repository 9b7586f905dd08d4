using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>Single-precision matrix multiplication on row-major matrices.</summary>
/// <remarks>
/// A packed GEMM in the GotoBLAS/BLIS style. For each block of up to <c>MC</c> rows and <c>kc</c> depth, A is packed
/// once into <c>kc×MR</c> micro-panels; then each block of <c>nc</c> columns of B is packed into contiguous
/// <c>kc×NR</c> micro-panels (L2-resident, copied row by row), and the register-blocked micro-kernel sweeps them with
/// each A micro-panel held in L1. B can also be packed ahead of time (<see cref="GemmPackedB"/>) and reused.
/// Ragged edges go through a zero-padded full tile and a small copy. Packing reads either
/// storage order, so the transposed cases cost no extra copy. B is packed even when A has only a few rows (LeNet's
/// <c>6×25 · 25×200704</c>): reading a wide B in place touches a new page at every depth step, and the TLB misses
/// measured 1.5–2× slower than the extra copy.
/// </remarks>
public static partial class Gemm
{
    // Depth of a packed block: an A micro-panel (MR·KC floats) stays in L1 while B micro-panels stream from L2.
    private const int KC = 256;
    // Columns of a packed B block: KC·NC floats = 512 KiB, half the per-core L2, leaving room for A and C.
    private const int NC = 512;
    // Rows of A packed per depth block (a multiple of both tile heights): A is then packed once per call when m ≤ MC,
    // and B once per block of MC rows; KC·MC floats = 2 MiB bounds the buffer for tall products (im2col GEMMs).
    private const int MC = 2016;
    // Below this many multiply-adds the hand-off to other threads costs more than it saves.
    private const long ParallelThreshold = 1L << 21;

    private const int Mr512 = 12, Nr512 = 32;
    private const int Mr256 = 6, Nr256 = 16;

    // Vector512.IsHardwareAccelerated is false on Intel parts where 512-bit code lowers the clock (Skylake-X,
    // Cascade Lake), but the Vector512 operations still compile to AVX-512 there; a GEMM is FMA-bound and twice as
    // fast with them regardless of the clock drop, so the instruction set, not the preference, decides.
    private static bool UseVector512 => Vector512.IsHardwareAccelerated || Avx512F.IsSupported;

    // Tile shape of the active micro-kernel; all three are JIT-time constants.
    private static int MR => UseVector512 ? Mr512 : Mr256;
    private static int NR => UseVector512 ? Nr512 : Nr256;

    /// <summary>
    /// <c>C = op(A) · op(B)</c>, or <c>C += op(A) · op(B)</c> when <paramref name="accumulate"/> is set.
    /// All matrices are row-major and dense. <c>op(A)</c> is <c>m×k</c>: A is stored <c>m×k</c>, or <c>k×m</c>
    /// when <paramref name="transposeA"/>. <c>op(B)</c> is <c>k×n</c>: B is stored <c>k×n</c>, or <c>n×k</c> when
    /// <paramref name="transposeB"/>. C is <c>m×n</c>.
    /// </summary>
    public static unsafe void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(m < 0 ? nameof(m) : n < 0 ? nameof(n) : nameof(k),
                $"Matrix dimensions must be non-negative; got m={m}, n={n}, k={k}.");
        if (a.Length < (long)m * k) ThrowTooShort(nameof(a), a.Length, transposeA ? k : m, transposeA ? m : k, transposeA);
        if (b.Length < (long)k * n) ThrowTooShort(nameof(b), b.Length, transposeB ? n : k, transposeB ? k : n, transposeB);
        if (c.Length < (long)m * n) ThrowTooShort(nameof(c), c.Length, m, n, transposed: false);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }

        // Pinning is cheap and lasts only for this call; the kernels work on raw pointers with leading dimensions.
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var job = new Job
            {
                A = pa, LdA = transposeA ? m : k, TransposeA = transposeA,
                B = pb, LdB = transposeB ? k : n, TransposeB = transposeB,
                C = pc, M = m, N = n, K = k, Accumulate = accumulate,
            };
            Run(ref job);
        }
    }

    /// <summary>Splits the product over the threads (one part each) or runs it on the calling thread.</summary>
    private static unsafe void Run(ref Job job)
    {
        int m = job.M, n = job.N, k = job.K;
        int degree = Parallelism.MaxDegree;
        if (degree > 1 && (long)m * n * k >= ParallelThreshold)
        {
            // One part per thread (parts are contiguous tile bands, so the bits do not depend on the split). Splitting
            // the columns makes every part pack all of A; splitting the rows makes every part pack all of B (unless B
            // is pre-packed): the split that repacks fewer floats wins, provided it gives every thread some tiles.
            int columnUnits = (n + NR - 1) / NR, rowUnits = (m + MR - 1) / MR;
            int columnParts = Math.Min(degree, columnUnits), rowParts = Math.Min(degree, rowUnits);
            long columnRepack = (long)(columnParts - 1) * m * k;
            long rowRepack = job.PrePackedB != null ? 0 : (long)(rowParts - 1) * k * n;
            job.SplitColumns = rowParts < 2 || (columnParts >= 2 && columnRepack < rowRepack);
            int units = job.SplitColumns ? columnUnits : rowUnits;
            int parts = job.SplitColumns ? columnParts : rowParts;
            if (parts > 1)
            {
                job.UnitsPerPart = (units + parts - 1) / parts;
                parts = (units + job.UnitsPerPart - 1) / job.UnitsPerPart;
                Parallelism.Run(ref job, parts);
                return;
            }
        }
        Sequential(in job, 0, m, 0, n);
    }

    /// <summary>
    /// <c>C = op(A) · B</c> (or <c>C +=</c>) with B packed ahead of time: the same bits as
    /// <see cref="Multiply(ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, int, int, int, bool)"/>
    /// on the unpacked B, without packing it again. <c>k</c> and <c>n</c> are those of <paramref name="b"/>.
    /// </summary>
    public static unsafe void Multiply(ReadOnlySpan<float> a, bool transposeA, GemmPackedB b, Span<float> c, int m,
        bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "Matrix dimensions must be non-negative.");
        int n = b.N, k = b.K;
        if (a.Length < (long)m * k) ThrowTooShort(nameof(a), a.Length, transposeA ? k : m, transposeA ? m : k, transposeA);
        if (c.Length < (long)m * n) ThrowTooShort(nameof(c), c.Length, m, n, transposed: false);
        if (m == 0) return;
        fixed (float* pa = a)
        fixed (float* pc = c)
        {
            var job = new Job
            {
                A = pa, LdA = transposeA ? m : k, TransposeA = transposeA,
                PrePackedB = b.Data,
                C = pc, M = m, N = n, K = k, Accumulate = accumulate,
            };
            Run(ref job);
        }
    }

    /// <summary>
    /// <c>C = relu?(A · op(B) + bias)</c>, with the bias (per column of C, or none when null) and the ReLU applied to each
    /// tile of C as it is finished, while it is in L1: the same bits as the product followed by a bias pass and a ReLU
    /// pass. A is <c>m×k</c> row-major; B is <c>k×n</c>, or <c>n×k</c> when <paramref name="transposeB"/> (a dense
    /// layer's weight). With several threads and enough rows, B is packed once, each thread packing part of it, and the
    /// threads then split the rows of C, so no thread packs all of B.
    /// </summary>
    internal static unsafe void MultiplyBiasRelu(float* a, float* b, bool transposeB, float* bias, bool relu, float* c,
        int m, int n, int k)
    {
        if (m == 0 || n == 0) return;
        var job = new Job
        {
            A = a, LdA = k, B = b, LdB = transposeB ? k : n, TransposeB = transposeB,
            C = c, M = m, N = n, K = k, Bias = bias, Relu = relu,
        };
        int degree = Parallelism.MaxDegree;
        int rowUnits = (m + MR - 1) / MR;
        long packed = (long)k * PaddedColumns(n);
        // With only a few row tiles per thread, splitting the rows would leave one thread a ragged part; the general
        // split (by columns, every thread packing the few rows of A) is better there.
        if (degree > 1 && rowUnits >= 4 * degree && (long)m * n * k >= ParallelThreshold && packed <= SharedPackFloats)
        {
            float* shared = SharedPackBuffer.ForThisThread((int)packed);
            var pack = new PackWork { Job = job, Destination = shared, Panels = (n + NR - 1) / NR };
            Parallelism.Run(ref pack, Math.Min(degree, pack.Panels));
            job.PrePackedB = shared;
            // Parts take disjoint rows of A and share B, so more parts than threads cost no extra packing, and a thread
            // that is preempted (the machine is shared) holds up a smaller part while the others take the rest.
            int parts = Math.Min(4 * degree, rowUnits);
            job.SplitColumns = false;
            job.UnitsPerPart = (rowUnits + parts - 1) / parts;
            parts = (rowUnits + job.UnitsPerPart - 1) / job.UnitsPerPart;
            Parallelism.Run(ref job, parts);
            return;
        }
        Run(ref job);
    }

    // Largest B packed whole and shared by the threads of MultiplyBiasRelu (4 MiB): a dense layer's weight.
    private const int SharedPackFloats = 1 << 20;

    /// <summary>Packs the micro-panels of one part of op(B) into the shared pre-packed layout.</summary>
    private unsafe struct PackWork : IParallelWork
    {
        public Job Job;
        public float* Destination;
        public int Panels;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Panels, part, parts);
            int nr = NR;
            int j0 = begin * nr, j1 = Math.Min(Job.N, end * nr);
            if (j0 >= j1) return;
            nint paddedN = PaddedColumns(Job.N);
            for (int pc = 0; pc < Job.K; pc += KC)
            {
                int kc = Math.Min(KC, Job.K - pc);
                // Column j0 of a depth block starts at j0·kc (panels are consecutive kc×NR runs).
                PackB(in Job, pc, kc, j0, j1 - j0, Destination + pc * paddedN + (nint)j0 * kc);
            }
        }
    }

    /// <summary>The calling thread's buffer for a shared packed B, grown to the largest size asked for.</summary>
    private static unsafe class SharedPackBuffer
    {
        [ThreadStatic] private static float[]? t_storage;

        public static float* ForThisThread(int floats)
        {
            if (t_storage == null || t_storage.Length < floats + 16)
                t_storage = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref t_storage[0]);
            return (float*)((address + 63) & ~(nint)63);
        }
    }

    /// <summary>Tests set this to run the epilogue's portable (Vector256 and scalar) code on AVX-512 machines.</summary>
    internal static bool ForcePortableEpilogue;

    /// <summary><c>c[i, j] = relu?(c[i, j] + bias[j])</c> over a <paramref name="rows"/>×<paramref name="columns"/> block.</summary>
    private static unsafe void Epilogue(float* c, int ldc, int rows, int columns, float* bias, bool relu)
    {
        bool wide = UseVector512 && !ForcePortableEpilogue;
        for (int i = 0; i < rows; i++, c += ldc)
        {
            int j = 0;
            if (wide)
            {
                for (; j + 16 <= columns; j += 16)
                {
                    Vector512<float> v = Vector512.Load(c + j);
                    if (bias != null) v += Vector512.Load(bias + j);
                    if (relu) v = Vector512.MaxNative(v, Vector512<float>.Zero);
                    v.Store(c + j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= columns; j += 8)
                {
                    Vector256<float> v = Vector256.Load(c + j);
                    if (bias != null) v += Vector256.Load(bias + j);
                    if (relu) v = Vector256.MaxNative(v, Vector256<float>.Zero);
                    v.Store(c + j);
                }
            }
            for (; j < columns; j++)
            {
                float v = c[j];
                if (bias != null) v += bias[j];
                if (relu) v = MaxPool2d.Max(v, 0f); // maxss: a conditional would be a mispredicted branch
                c[j] = v;
            }
        }
    }

    /// <summary>Columns of op(B) padded to whole micro-panels: the length of one depth row of a packed B.</summary>
    internal static int PaddedColumns(int n) => (n + NR - 1) / NR * NR;

    /// <summary>Packs all of op(B) (<c>k×n</c>) in the layout <see cref="Sequential"/> reads a pre-packed B in.</summary>
    internal static unsafe void PackWhole(float* b, bool transposeB, int k, int n, float* dst)
    {
        var job = new Job { B = b, LdB = transposeB ? k : n, TransposeB = transposeB, N = n, K = k };
        nint paddedN = PaddedColumns(n);
        for (int pc = 0; pc < k; pc += KC)
            PackB(in job, pc, Math.Min(KC, k - pc), 0, n, dst + pc * paddedN);
    }

    // Kept out of line so the message is only formatted when the check fails.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(string name, int actual, int rows, int columns, bool transposed) =>
        throw new ArgumentException(
            $"Span '{name}' is too short for a {rows}×{columns}{(transposed ? " (transposed)" : "")} matrix: " +
            $"expected at least {(long)rows * columns} elements, got {actual}.", name);

    /// <summary>The whole product, of which each parallel part computes a band of rows or columns of C.</summary>
    private unsafe struct Job : IParallelWork
    {
        public float* A, B, C;
        // B packed ahead of the call (GemmPackedB), or null to pack it here.
        public float* PrePackedB;
        // Epilogue applied to each finished tile of C (see MultiplyBiasRelu): a per-column bias (or null), then ReLU.
        public float* Bias;
        public bool Relu;
        public int LdA, LdB, M, N, K, UnitsPerPart;
        public bool TransposeA, TransposeB, Accumulate, SplitColumns;

        public readonly void Execute(int part, int parts)
        {
            if (SplitColumns)
            {
                int start = part * UnitsPerPart * NR;
                Sequential(in this, 0, M, start, Math.Min(N, start + UnitsPerPart * NR));
            }
            else
            {
                int start = part * UnitsPerPart * MR;
                Sequential(in this, start, Math.Min(M, start + UnitsPerPart * MR), 0, N);
            }
        }
    }

    /// <summary>Computes <c>C[rowStart..rowEnd, colStart..colEnd]</c> on the calling thread.</summary>
    /// <remarks>
    /// Loop order: a block of up to MC rows, then each depth block of KC: A's rows are packed once for that depth
    /// block, then every NC-column block of B is packed (L2-resident) and swept by every A micro-panel. Every element
    /// of C receives its depth blocks in ascending order, one kernel call each, whatever the split or the order.
    /// </remarks>
    private static unsafe void Sequential(in Job job, int rowStart, int rowEnd, int colStart, int colEnd)
    {
        int mr = MR, nr = NR;
        Buffers buffers = Buffers.ForThisThread();
        float* tile = buffers.Tile;
        // Columns of op(B) padded to whole micro-panels: the row stride of a pre-packed depth block.
        nint paddedN = (nint)(job.N + nr - 1) / nr * nr;

        for (int ic = rowStart; ic < rowEnd; ic += MC)
        {
            int mc = Math.Min(MC, rowEnd - ic);
            for (int pc = 0; pc < job.K; pc += KC)
            {
                int kc = Math.Min(KC, job.K - pc);
                bool addToC = job.Accumulate || pc > 0;
                float* packedA = buffers.PackedA;
                for (int ir = 0; ir < mc; ir += mr)
                    PackAPanel(in job, ic + ir, Math.Min(mr, mc - ir), pc, kc, packedA + (nint)ir * kc);

                for (int jc = colStart; jc < colEnd; jc += NC)
                {
                    int nc = Math.Min(NC, colEnd - jc);
                    float* packedB;
                    if (job.PrePackedB != null)
                    {
                        // Panels of a depth block are consecutive kc×NR runs, so column jc (a multiple of NR) starts at jc·kc.
                        packedB = job.PrePackedB + pc * paddedN + (nint)jc * kc;
                    }
                    else
                    {
                        packedB = buffers.PackedB;
                        PackB(in job, pc, kc, jc, nc, packedB);
                    }

                    // Each A micro-panel (MR·KC floats) stays in L1 while the B block's micro-panels stream past it
                    // from L2. (The GotoBLAS order, B micro-panel in L1 and A from L2, measured slower here: with KC
                    // small enough for a 32-float-wide B panel to fit L1, C is reloaded too often.)
                    bool epilogue = (job.Bias != null || job.Relu) && pc + kc == job.K;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        float* aPanel = packedA + (nint)ir * kc;
                        for (int panel = 0; panel * nr < nc; panel++)
                        {
                            int columns = Math.Min(nr, nc - panel * nr);
                            Tile(in job, aPanel, rows, ic + ir, panel, columns, jc, kc, packedB, tile, addToC);
                            // The tile is still in L1: bias and ReLU cost no extra pass over C.
                            if (epilogue)
                            {
                                int j0 = jc + panel * nr;
                                Epilogue(job.C + (nint)(ic + ir) * job.N + j0, job.N, rows, columns,
                                    job.Bias == null ? null : job.Bias + j0, job.Relu);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>One MR×NR tile of C at rows <paramref name="i0"/>, B micro-panel <paramref name="panel"/> of the current block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile(in Job job, float* aPanel, int rows, int i0, int panel, int columns, int jc, int kc,
        float* packedB, float* tile, bool addToC)
    {
        int mr = MR, nr = NR, ldc = job.N;
        int jr = panel * nr;
        float* bPanel = packedB + (nint)panel * kc * nr;
        nint bStride = nr;

        float* c = job.C + (nint)i0 * ldc + jc + jr;
        if (rows == mr && columns == nr)
        {
            RunMicroKernel(kc, aPanel, bPanel, bStride, c, ldc, addToC);
        }
        else if (UseVector512 && rows <= Mr512 / 2)
        {
            // A short last strip (common: m = 6 output channels) would waste half the full kernel.
            if (rows == Mr512 / 2 && columns == nr)
            {
                MicroKernel512Half(kc, aPanel, bPanel, bStride, c, ldc, addToC);
            }
            else
            {
                MicroKernel512Half(kc, aPanel, bPanel, bStride, tile, nr, addToC: false);
                StoreEdgeTile(tile, nr, c, ldc, rows, columns, addToC);
            }
        }
        else
        {
            RunMicroKernel(kc, aPanel, bPanel, bStride, tile, nr, addToC: false);
            StoreEdgeTile(tile, nr, c, ldc, rows, columns, addToC);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RunMicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, bool addToC)
    {
        if (UseVector512) MicroKernel512(kc, a, b, bStride, c, ldc, addToC);
        else MicroKernel256(kc, a, b, bStride, c, ldc, addToC);
    }

    /// <summary>Copies (or adds) the valid <paramref name="rows"/>×<paramref name="columns"/> corner of a full tile into C.</summary>
    private static unsafe void StoreEdgeTile(float* tile, int tileStride, float* c, int ldc, int rows, int columns, bool addToC)
    {
        for (int i = 0; i < rows; i++)
        {
            float* src = tile + (nint)i * tileStride;
            float* dst = c + (nint)i * ldc;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= columns - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    Vector256<float> value = Vector256.Load(src + j);
                    if (addToC) value += Vector256.Load(dst + j);
                    Vector256.Store(value, dst + j);
                }
            }
            for (; j < columns; j++) dst[j] = addToC ? dst[j] + src[j] : src[j];
        }
    }

    /// <summary>Packs rows <c>[i0, i0+rows)</c> of op(A) as <c>kc</c> groups of MR floats, zero-padding missing rows.</summary>
    private static unsafe void PackAPanel(in Job job, int i0, int rows, int pc, int kc, float* dst)
    {
        int mr = MR;
        if (job.TransposeA)
        {
            // A is stored k×m: the MR values of one depth step are contiguous.
            float* src = job.A + (nint)pc * job.LdA + i0;
            if (rows == mr && mr == 12)
            {
                for (int p = 0; p < kc; p++, src += job.LdA, dst += mr)
                {
                    Vector256.Store(Vector256.Load(src), dst);
                    Vector128.Store(Vector128.Load(src + 8), dst + 8);
                }
            }
            else if (rows == mr)
            {
                for (int p = 0; p < kc; p++, src += job.LdA, dst += mr)
                    for (int i = 0; i < mr; i++) dst[i] = src[i];
            }
            else
            {
                for (int p = 0; p < kc; p++, src += job.LdA, dst += mr)
                {
                    int i = 0;
                    for (; i < rows; i++) dst[i] = src[i];
                    for (; i < mr; i++) dst[i] = 0;
                }
            }
        }
        else
        {
            // A is stored m×k: each row of the strip becomes a column of the panel.
            Interleave(job.A + (nint)i0 * job.LdA + pc, job.LdA, rows, kc, dst, mr);
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kc; p++) dst[p * mr + i] = 0;
        }
    }

    /// <summary>Packs depth <c>[pc, pc+kc)</c>, columns <c>[jc, jc+nc)</c> of op(B) as consecutive <c>kc×NR</c> micro-panels.</summary>
    private static unsafe void PackB(in Job job, int pc, int kc, int jc, int nc, float* dst)
    {
        int nr = NR;
        if (job.TransposeB)
        {
            for (int jr = 0; jr < nc; jr += nr, dst += (nint)kc * nr)
                PackBPanel(in job, pc, kc, jc + jr, Math.Min(nr, nc - jr), dst);
            return;
        }
        // B is stored k×n: copy it row by row, each row scattered over the micro-panels. Reading whole rows in order
        // keeps one source stream (a panel at a time would read 32 floats from each of kc rows, a new page each).
        int full = nc / nr, rest = nc - full * nr;
        nint panelSize = (nint)kc * nr;
        for (int p = 0; p < kc; p++)
        {
            float* src = job.B + (nint)(pc + p) * job.LdB + jc;
            float* d = dst + (nint)p * nr;
            // Rows of B are a page apart, beyond the hardware prefetcher's reach: fetch the row after next meanwhile.
            nint ahead = p + 2 < kc ? 2 * (nint)job.LdB : 0;
            for (int panel = 0; panel < full; panel++, src += nr, d += panelSize)
            {
                if (Sse.IsSupported)
                {
                    Sse.Prefetch0(src + ahead);
                    Sse.Prefetch0(src + ahead + 16);
                }
                if (UseVector512)
                {
                    Vector512.Store(Vector512.Load(src), d);
                    Vector512.Store(Vector512.Load(src + 16), d + 16);
                }
                else
                {
                    Vector256.Store(Vector256.Load(src), d);
                    Vector256.Store(Vector256.Load(src + 8), d + 8);
                }
            }
            if (rest > 0)
            {
                int j = 0;
                for (; j < rest; j++) d[j] = src[j];
                for (; j < nr; j++) d[j] = 0;
            }
        }
    }

    /// <summary>Packs one <c>kc×NR</c> micro-panel of op(B) starting at column <paramref name="j0"/>, zero-padding missing columns.</summary>
    private static unsafe void PackBPanel(in Job job, int pc, int kc, int j0, int columns, float* dst)
    {
        int nr = NR;
        if (job.TransposeB)
        {
            // B is stored n×k: each column of op(B) is a contiguous row of B.
            if (columns < nr) new Span<float>(dst, kc * nr).Clear();
            Interleave(job.B + (nint)j0 * job.LdB + pc, job.LdB, columns, kc, dst, nr);
        }
        else
        {
            float* src = job.B + (nint)pc * job.LdB + j0;
            if (columns == nr)
            {
                for (int p = 0; p < kc; p++, src += job.LdB, dst += nr)
                {
                    if (UseVector512)
                    {
                        Vector512.Store(Vector512.Load(src), dst);
                        Vector512.Store(Vector512.Load(src + 16), dst + 16);
                    }
                    else
                    {
                        Vector256.Store(Vector256.Load(src), dst);
                        Vector256.Store(Vector256.Load(src + 8), dst + 8);
                    }
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, src += job.LdB, dst += nr)
                {
                    int j = 0;
                    for (; j < columns; j++) dst[j] = src[j];
                    for (; j < nr; j++) dst[j] = 0;
                }
            }
        }
    }

    /// <summary>
    /// <c>dst[p·width + r] = src[r·ld + p]</c> for <c>r &lt; rows</c>, <c>p &lt; depth</c>: turns rows of the source into
    /// interleaved columns of a micro-panel. Done in 4×4 register transposes, which read and write whole vectors,
    /// because the element-by-element scatter is what dominates packing a transposed operand.
    /// </summary>
    private static unsafe void Interleave(float* src, nint ld, int rows, int depth, float* dst, int width)
    {
        int r = 0;
        if (Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                float* s0 = src + r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
                float* d = dst + r;
                int p = 0;
                for (; p + 4 <= depth; p += 4, d += 4 * width)
                {
                    Vector128<float> r0 = Vector128.Load(s0 + p), r1 = Vector128.Load(s1 + p);
                    Vector128<float> r2 = Vector128.Load(s2 + p), r3 = Vector128.Load(s3 + p);
                    Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackLow(r2, r3);
                    Vector128<float> t2 = Sse.UnpackHigh(r0, r1), t3 = Sse.UnpackHigh(r2, r3);
                    Vector128.Store(Sse.MoveLowToHigh(t0, t1), d);
                    Vector128.Store(Sse.MoveHighToLow(t1, t0), d + width);
                    Vector128.Store(Sse.MoveLowToHigh(t2, t3), d + 2 * width);
                    Vector128.Store(Sse.MoveHighToLow(t3, t2), d + 3 * width);
                }
                for (; p < depth; p++, d += width)
                {
                    d[0] = s0[p];
                    d[1] = s1[p];
                    d[2] = s2[p];
                    d[3] = s3[p];
                }
            }
        }
        for (; r < rows; r++)
        {
            float* s0 = src + r * ld;
            for (int p = 0; p < depth; p++) dst[p * width + r] = s0[p];
        }
    }

    /// <summary>Per-thread packing buffers, allocated once at their largest size so steady state allocates nothing.</summary>
    private sealed unsafe class Buffers
    {
        [ThreadStatic] private static Buffers? t_current;

        public readonly float* PackedB, PackedA, Tile;
        // Keeps the pinned storage alive; the pointers above are 64-byte aligned views into it.
        private readonly float[] _storage;

        private Buffers()
        {
            const int Align = 16; // floats per cache line
            int packedB = KC * NC, packedA = KC * MC, tile = Mr512 * Nr512;
            _storage = GC.AllocateUninitializedArray<float>(packedB + packedA + tile + 3 * Align, pinned: true);
            float* p = (float*)Unsafe.AsPointer(ref _storage[0]);
            p = (float*)(((nint)p + 63) & ~(nint)63);
            PackedB = p; p += packedB + Align;
            PackedA = p; p += packedA + Align;
            Tile = p;
        }

        public static Buffers ForThisThread() => t_current ??= new Buffers();
    }
}
