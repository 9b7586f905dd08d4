namespace Dsl.Runtime;

/// <summary>
/// One <see cref="Gemm.Multiply(ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, int, int, int, bool)"/> per convolution group, where group <c>g</c>'s A, B and C are dense blocks at
/// <c>g·stride</c> in each operand. This is all a grouped convolution needs on top of the ungrouped one: in the
/// column matrix, the weight and the product, a group's rows are contiguous.
/// </summary>
/// <remarks>
/// A group's product is usually small (ResNeXt's 32 groups of 4 channels), too small for <see cref="Gemm"/> to split
/// over threads, so the groups themselves are split instead; each group's product is then computed on one thread,
/// exactly as it would be alone, so the result does not depend on the number of threads. Products large enough for
/// the GEMM to parallelise run one after the other. With one group this is a single plain call.
/// </remarks>
internal static unsafe class GroupedGemm
{
    /// <summary>Multiply-adds from which <see cref="Gemm"/> splits a product over threads itself (its own threshold).</summary>
    private const long GemmParallelThreshold = 1L << 21;

    /// <summary>For each group <c>g</c>: <c>C_g = op(A_g) · op(B_g)</c> (or <c>+=</c> when <paramref name="accumulate"/>), m×n×k per group.</summary>
    public static void Multiply(int groups, float* a, bool transposeA, long aStride, float* b, bool transposeB, long bStride,
        float* c, long cStride, int m, int n, int k, bool accumulate = false)
    {
        var work = new Work
        {
            A = a, B = b, C = c, AStride = aStride, BStride = bStride, CStride = cStride,
            TransposeA = transposeA, TransposeB = transposeB, Accumulate = accumulate, M = m, N = n, K = k, Groups = groups,
        };
        if (groups == 1 || (long)m * n * k >= GemmParallelThreshold)
        {
            for (int group = 0; group < groups; group++) work.Group(group);
            return;
        }
        KernelParallel.Run(ref work, groups, (long)m * k + (long)k * n + (long)m * n);
    }

    private struct Work : IParallelWork
    {
        public float* A, B, C;
        public long AStride, BStride, CStride;
        public bool TransposeA, TransposeB, Accumulate;
        public int M, N, K, Groups;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Groups, part, parts);
            for (int group = begin; group < end; group++) Group(group);
        }

        public readonly void Group(int group) =>
            Gemm.Multiply(new ReadOnlySpan<float>(A + group * AStride, M * K), TransposeA,
                new ReadOnlySpan<float>(B + group * BStride, K * N), TransposeB,
                new Span<float>(C + group * CStride, M * N), M, N, K, Accumulate);
    }
}
