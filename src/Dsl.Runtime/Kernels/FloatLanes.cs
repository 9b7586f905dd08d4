using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// The vector operations of a loop over float lanes, so that one generic loop serves 8 and 16 lanes: constrained to a
/// struct, each instantiation is compiled separately and every call below is inlined to a single instruction.
/// </summary>
internal unsafe interface IFloatLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Zero { get; }
    static abstract TVector Broadcast(float value);
    static abstract TVector Load(float* source);
    static abstract void Store(TVector value, float* target);
    /// <summary><c>left · right + addend</c>, fused.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
    static abstract TVector Add(TVector left, TVector right);
    /// <summary>Stores the first <paramref name="count"/> lanes, without a call: a call after a loop makes the JIT
    /// spill the loop's vector accumulators on every iteration, since no vector register survives a call.</summary>
    static abstract void StoreFirst(TVector value, float* target, int count);
}

/// <summary>Eight lanes (AVX).</summary>
internal readonly unsafe struct FloatLanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* target) => value.Store(target);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Vector256.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(Vector256<float> value, float* target, int count)
    {
        Vector256<int> active = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count));
        if (Avx.IsSupported) Avx.MaskStore(target, active.AsSingle(), value);
        else for (int i = 0; i < count; i++) target[i] = value.GetElement(i);
    }
}

/// <summary>Sixteen lanes (AVX-512; see <see cref="Gemm"/> on why the instruction set, not
/// <c>Vector512.IsHardwareAccelerated</c>, decides when to use them).</summary>
internal readonly unsafe struct FloatLanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* target) => value.Store(target);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(left, right, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(Vector512<float> value, float* target, int count)
    {
        Vector512<int> active = Vector512.LessThan(
            Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count));
        if (Avx512F.IsSupported) Avx512F.MaskStore(target, active.AsSingle(), value);
        else for (int i = 0; i < count; i++) target[i] = value.GetElement(i);
    }
}
