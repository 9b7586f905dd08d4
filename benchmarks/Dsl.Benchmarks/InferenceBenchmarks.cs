using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// Inference (<c>Forward</c>, dropout off) at batch 1 (latency) and batch 256 (throughput): the workloads of
/// ../shared/peers/onnxruntime (lenet, mlp). Batch 256 is also the batch of ../shared/peers/torchsharp's <c>forward</c>
/// measurements, which include lenet-sigmoid. Within a workload, the one-thread run is the baseline.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, MedianColumn, MemoryDiagnoser]
public class InferenceBenchmarks
{
    private readonly LeNetModern _lenet = new(seed: 1);
    private readonly LeNetClassic _lenetClassic = new(seed: 1);
    private readonly PeerMlp _mlp = new(seed: 1);
    private readonly float[] _images = TrainingStepBenchmarks.RandomInputs(256 * 784, seed: 3);

    [Benchmark(Baseline = true), BenchmarkCategory("lenet batch=1")]
    public float LeNet_b1_1thread() => Infer(_lenet, batch: 1, threads: 1);

    [Benchmark, BenchmarkCategory("lenet batch=1")]
    public float LeNet_b1_2threads() => Infer(_lenet, batch: 1, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("lenet batch=256")]
    public float LeNet_b256_1thread() => Infer(_lenet, batch: 256, threads: 1);

    [Benchmark, BenchmarkCategory("lenet batch=256")]
    public float LeNet_b256_2threads() => Infer(_lenet, batch: 256, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("lenet-sigmoid batch=256")]
    public float LeNetClassic_b256_1thread() => Infer(_lenetClassic, batch: 256, threads: 1);

    [Benchmark, BenchmarkCategory("lenet-sigmoid batch=256")]
    public float LeNetClassic_b256_2threads() => Infer(_lenetClassic, batch: 256, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("mlp batch=1")]
    public float Mlp_b1_1thread() => Infer(_mlp, batch: 1, threads: 1);

    [Benchmark, BenchmarkCategory("mlp batch=1")]
    public float Mlp_b1_2threads() => Infer(_mlp, batch: 1, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("mlp batch=256")]
    public float Mlp_b256_1thread() => Infer(_mlp, batch: 256, threads: 1);

    [Benchmark, BenchmarkCategory("mlp batch=256")]
    public float Mlp_b256_2threads() => Infer(_mlp, batch: 256, threads: 2);

    private float Infer(INetwork net, int batch, int threads)
    {
        Parallelism.MaxDegree = threads;
        return net.Forward(_images.AsSpan(0, batch * 784))[0];
    }
}
