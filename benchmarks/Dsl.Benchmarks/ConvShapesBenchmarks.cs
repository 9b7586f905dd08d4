using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// Every distinct convolution of the ResNet-18 CIFAR inference forward at batch 64, alone, through the fused inference
/// convolution (<see cref="Conv2d.ForwardInference"/> with a folded batch norm, a residual and a ReLU): the stem, each
/// stage's stride-1 3×3 layer (stage 1 has four, the others three), its first, stride-2 3×3 layer and its 1×1 stride-2
/// projection. Multiply the mean by the count in the name to see a layer kind's share of the forward;
/// <c>2·Cout·Cin·kh·kw·Hout·Wout·64</c> FLOPs over the mean gives its rate.
/// </summary>
[MedianColumn]
public class ConvShapesBenchmarks
{
    private const int Batch = 64;
    private float[] _x = [], _w = [], _scale = [], _shift = [], _residual = [], _y = [];
    private Conv2dGeometry _g;

    /// <summary>Layer: <c>name(count)-Cin-H-Cout-kernel-stride</c> (square maps and kernels, padding kernel/2).</summary>
    [Params("stem(1)-3-32-64-3-1", "s1(4)-64-32-64-3-1", "s2a(1)-64-32-128-3-2", "s2(3)-128-16-128-3-1", "s2p(1)-64-32-128-1-2",
        "s3a(1)-128-16-256-3-2", "s3(3)-256-8-256-3-1", "s3p(1)-128-16-256-1-2", "s4a(1)-256-8-512-3-2", "s4(3)-512-4-512-3-1",
        "s4p(1)-256-8-512-1-2")]
    public string Layer { get; set; } = "";

    /// <summary>Value of <see cref="Parallelism.MaxDegree"/> during the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = Threads;
        int[] d = Array.ConvertAll(Layer[(Layer.IndexOf('-') + 1)..].Split('-'), int.Parse);
        (int cin, int size, int cout, int kernel, int stride) = (d[0], d[1], d[2], d[3], d[4]);
        _g = new Conv2dGeometry(cin, size, size, cout, kernel, kernel, stride, stride, kernel / 2, kernel / 2);
        _x = TrainingStepBenchmarks.RandomInputs(Batch * _g.InSize, seed: 1);
        _w = TrainingStepBenchmarks.RandomInputs(_g.WeightSize, seed: 2);
        _scale = TrainingStepBenchmarks.RandomInputs(cout, seed: 3);
        _shift = TrainingStepBenchmarks.RandomInputs(cout, seed: 4);
        _residual = TrainingStepBenchmarks.RandomInputs(Batch * _g.OutSize, seed: 5);
        _y = new float[Batch * _g.OutSize];
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegree = Environment.ProcessorCount;

    [Benchmark]
    public void ForwardInference() => Conv2d.ForwardInference(_g, Batch, _x, _w, _scale, _shift, _residual, relu: true, _y);
}
