using System.Runtime.CompilerServices;

namespace Dsl.Runtime;

/// <summary>
/// The right operand of <see cref="Gemm.Multiply(ReadOnlySpan{float}, bool, GemmPackedB, Span{float}, int, bool)"/>,
/// packed once into the GEMM's micro-panel layout so that products with the same B (a layer's weight, called for
/// every batch) skip the packing. Results are bitwise those of the unpacked <c>Gemm.Multiply</c>.
/// </summary>
/// <remarks>
/// Layout: depth block after depth block (KC rows of op(B) each); within one, the columns padded to whole micro-panels
/// of NR, each panel <c>kc×NR</c> floats row after row. <see cref="Pack"/> refreshes the values (after an optimizer
/// step) without allocating.
/// </remarks>
public sealed unsafe class GemmPackedB
{
    private readonly float[] _storage;
    private readonly nint _offset;

    /// <summary>Packs op(B), <c>k×n</c>: B stored <c>k×n</c>, or <c>n×k</c> when <paramref name="transposeB"/>.</summary>
    public GemmPackedB(ReadOnlySpan<float> b, bool transposeB, int k, int n)
    {
        Validate.Positive(k, nameof(k));
        Validate.Positive(n, nameof(n));
        K = k;
        N = n;
        long length = (long)k * Gemm.PaddedColumns(n);
        if (length > Array.MaxLength - 16)
            throw new ArgumentOutOfRangeException(nameof(n), $"A packed {k}×{n} matrix does not fit one array.");
        _storage = GC.AllocateUninitializedArray<float>((int)length + 16, pinned: true);
        // 64-byte alignment, as for the per-thread packing buffers.
        nint address = (nint)Unsafe.AsPointer(ref _storage[0]);
        _offset = (((address + 63) & ~(nint)63) - address) / sizeof(float);
        Pack(b, transposeB);
    }

    /// <summary>Depth of op(B).</summary>
    public int K { get; }

    /// <summary>Columns of op(B).</summary>
    public int N { get; }

    /// <summary>Repacks new values of the same shape.</summary>
    public void Pack(ReadOnlySpan<float> b, bool transposeB)
    {
        Validate.Length(b.Length, (long)K * N, nameof(b));
        fixed (float* pb = b)
            Gemm.PackWhole(pb, transposeB, K, N, Data);
    }

    /// <summary>Start of the packed values (the storage is pinned).</summary>
    internal float* Data => (float*)Unsafe.AsPointer(ref _storage[0]) + _offset;
}
