using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// Square single-precision GEMM, <c>C = A·B</c>, against a row-at-a-time TensorPrimitives multiply (axpy over rows of B:
/// vectorised, cache-friendly, but neither packed nor register-blocked) as the baseline.
/// </summary>
[Config(typeof(Config)), MedianColumn, MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private GemmPackedB? _packedB;

    /// <summary>Matrix size: all of m, n, k.</summary>
    [Params(512, 1024)]
    public int Size { get; set; }

    /// <summary>Value of <see cref="Parallelism.MaxDegree"/> during the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = Threads;
        var random = new Random(42);
        _a = new float[Size * Size];
        _b = new float[Size * Size];
        _c = new float[Size * Size];
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = (float)(random.NextDouble() * 2 - 1);
            _b[i] = (float)(random.NextDouble() * 2 - 1);
        }
        _packedB = new GemmPackedB(_b, false, Size, Size);
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegree = Environment.ProcessorCount;

    [Benchmark]
    public void Packed() => Gemm.Multiply(_a, false, _b, false, _c, Size, Size, Size);

    /// <summary>The same product with B packed ahead (a layer's weight reused across calls): the packing cost of B left out.</summary>
    [Benchmark]
    public void PrePackedB() => Gemm.Multiply(_a, false, _packedB!, _c, Size);

    /// <summary>Single-threaded whatever <see cref="Threads"/> says: it shows what packing and register blocking buy.</summary>
    [Benchmark(Baseline = true)]
    public void RowAxpy()
    {
        int n = Size;
        ReadOnlySpan<float> a = _a, b = _b;
        Span<float> c = _c;
        for (int i = 0; i < n; i++)
        {
            Span<float> cRow = c.Slice(i * n, n);
            cRow.Clear();
            for (int p = 0; p < n; p++)
                TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), a[i * n + p], cRow, cRow);
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·Size³ floating-point operations divided by the mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations per second (2·Size³ / mean)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "NA";
            int size = (int)benchmarkCase.Parameters["Size"];
            double flops = 2.0 * size * size * size;
            return (flops / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture); // ns → GFLOP/s
        }
    }
}
