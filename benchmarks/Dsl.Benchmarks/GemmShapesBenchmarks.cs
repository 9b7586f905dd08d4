using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// Non-square GEMMs (<c>m×n×k</c>, <c>C = A·B</c>) of the shapes convolutions and small batches produce: a ResNet
/// 3×3 layer as im2col (512×1024×4608), a wide 1×1-like product (64×65536×576), and few-row products (1 and 4 rows,
/// 1024 → 4096). The plain call is the baseline; <c>PrePackedB</c> reuses a <see cref="GemmPackedB"/> (a layer's
/// weight packed once).
/// </summary>
[MedianColumn, MemoryDiagnoser]
public class GemmShapesBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private GemmPackedB? _packed;
    private int _m, _n, _k;

    /// <summary><c>m×n×k</c>.</summary>
    [Params("512x1024x4608", "64x65536x576", "1x4096x1024", "4x4096x1024")]
    public string Shape { get; set; } = "";

    /// <summary>Value of <see cref="Parallelism.MaxDegree"/> during the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = Threads;
        int[] dims = Array.ConvertAll(Shape.Split('x'), int.Parse);
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        _a = TrainingStepBenchmarks.RandomInputs(_m * _k, seed: 1);
        _b = TrainingStepBenchmarks.RandomInputs(_k * _n, seed: 2);
        _c = new float[_m * _n];
        _packed = new GemmPackedB(_b, false, _k, _n);
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegree = Environment.ProcessorCount;

    [Benchmark(Baseline = true)]
    public void Plain() => Gemm.Multiply(_a, false, _b, false, _c, _m, _n, _k);

    [Benchmark]
    public void PrePackedB() => Gemm.Multiply(_a, false, _packed!, _c, _m);
}

/// <summary>
/// A few rows times a dense layer's weight (<c>[out, in]</c>, so op(B) is transposed): the GEMM, which packs the
/// weight, as the baseline, against <see cref="Gemv"/>, which reads it in place.
/// </summary>
[MedianColumn, MemoryDiagnoser]
public class GemvBenchmarks
{
    private const int In = 1024, Out = 4096;
    private float[] _x = [], _w = [], _bias = [], _y = [];

    [Params(1, 4)]
    public int Rows { get; set; }

    /// <summary>Value of <see cref="Parallelism.MaxDegree"/> during the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = Threads;
        _x = TrainingStepBenchmarks.RandomInputs(Rows * In, seed: 1);
        _w = TrainingStepBenchmarks.RandomInputs(Out * In, seed: 2);
        _bias = new float[Out];
        _y = new float[Rows * Out];
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegree = Environment.ProcessorCount;

    [Benchmark(Baseline = true)]
    public void GemmTransposedB() => Gemm.Multiply(_x, false, _w, true, _y, Rows, Out, In);

    [Benchmark]
    public void GemvWithBias() => Gemv.MultiplyTransposed(_x, _w, _bias, _y, Rows, In, Out);
}
