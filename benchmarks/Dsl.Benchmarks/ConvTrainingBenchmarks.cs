using BenchmarkDotNet.Attributes;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// The training convolutions of the <c>resnet18-cifar</c> workload one layer at a time, at batch 64: the forward pass
/// (<see cref="Conv2d.Forward"/>), the backward pass with the data gradient (what every layer but the stem runs) and
/// the weight gradient alone (the stem's backward), so a step's phases can be told apart. Shapes are
/// <c>Cin→Cout@H×W/kK/sS</c>: the stride-1 3×3 layers of each stage, a stage's first stride-2 layer and its 1×1 projection.
/// The forward is the baseline within a shape.
/// </summary>
[MedianColumn, MemoryDiagnoser]
public class ConvTrainingBenchmarks
{
    private const int Batch = 64;
    private Conv2dGeometry _g;
    private float[] _x = [], _w = [], _y = [], _dy = [], _dx = [], _dw = [], _workspace = [];

    [Params("64>64@32k3s1", "128>128@16k3s1", "256>256@8k3s1", "512>512@4k3s1", "128>256@16k3s2", "128>256@16k1s2")]
    public string Layer { get; set; } = "";

    /// <summary>Value of <see cref="Parallelism.MaxDegree"/> during the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = Threads;
        string[] parts = Layer.Split('>', '@', 'k', 's');
        int cin = int.Parse(parts[0]), cout = int.Parse(parts[1]), size = int.Parse(parts[2]);
        int kernel = int.Parse(parts[3]), stride = int.Parse(parts[4]), pad = kernel / 2;
        _g = new Conv2dGeometry(cin, size, size, cout, kernel, kernel, stride, stride, pad, pad);
        _x = TrainingStepBenchmarks.RandomInputs(Batch * _g.InSize, seed: 1);
        _w = TrainingStepBenchmarks.RandomInputs(_g.WeightSize, seed: 2);
        _dy = TrainingStepBenchmarks.RandomInputs(Batch * _g.OutSize, seed: 3);
        _y = new float[Batch * _g.OutSize];
        _dx = new float[Batch * _g.InSize];
        _dw = new float[_g.WeightSize];
        _workspace = new float[Conv2d.WorkspaceLength(_g, Batch)];
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegree = Environment.ProcessorCount;

    [Benchmark(Baseline = true)]
    public void Forward() => Conv2d.Forward(_g, Batch, _x, _w, default, _y, _workspace);

    [Benchmark]
    public void Backward() => Conv2d.Backward(_g, Batch, _x, _w, _dy, _dx, _dw, default, _workspace);

    [Benchmark]
    public void WeightGradient() => Conv2d.Backward(_g, Batch, _x, _w, _dy, default, _dw, default, _workspace);
}
