using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dsl;
using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// One training step (forward, softmax cross-entropy, backward, SGD with momentum) at batch 256, the workload of
/// ../shared/peers/torchsharp (lenet, lenet-sigmoid, mlp) so the two can be divided. Within a model, the one-thread
/// run is the baseline, so the ratio column shows what the second core buys.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, MedianColumn, MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private const int Batch = 256;
    private readonly LeNetModern _lenet = new(seed: 1);
    private readonly LeNetClassic _lenetClassic = new(seed: 1);
    private readonly PeerMlp _mlp = new(seed: 1);
    private readonly Sgd _lenetSgd = new(0.01f, momentum: 0.9f);
    private readonly Sgd _lenetClassicSgd = new(0.01f, momentum: 0.9f);
    private readonly Sgd _mlpSgd = new(0.01f, momentum: 0.9f);
    private readonly float[] _images = RandomInputs(Batch * 784, seed: 1);
    private readonly int[] _labels = RandomLabels(Batch, seed: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("lenet")]
    public float LeNet_1thread() => Step(_lenet, _lenetSgd, threads: 1);

    [Benchmark, BenchmarkCategory("lenet")]
    public float LeNet_2threads() => Step(_lenet, _lenetSgd, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("lenet-sigmoid")]
    public float LeNetClassic_1thread() => Step(_lenetClassic, _lenetClassicSgd, threads: 1);

    [Benchmark, BenchmarkCategory("lenet-sigmoid")]
    public float LeNetClassic_2threads() => Step(_lenetClassic, _lenetClassicSgd, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("mlp")]
    public float Mlp_1thread() => Step(_mlp, _mlpSgd, threads: 1);

    [Benchmark, BenchmarkCategory("mlp")]
    public float Mlp_2threads() => Step(_mlp, _mlpSgd, threads: 2);

    private float Step(INetwork net, Optimizer sgd, int threads)
    {
        Parallelism.MaxDegree = threads;
        return net.TrainStep(_images, _labels, sgd);
    }

    internal static float[] RandomInputs(int length, int seed)
    {
        var rng = new Rng((ulong)seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextGaussian();
        return data;
    }

    internal static int[] RandomLabels(int length, int seed)
    {
        var rng = new Rng((ulong)seed);
        var labels = new int[length];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextInt(10);
        return labels;
    }
}
