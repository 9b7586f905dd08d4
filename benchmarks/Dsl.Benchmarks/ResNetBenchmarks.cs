using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// The peers' <c>resnet18-cifar</c> workload (3×32×32 inputs, 10 classes): <c>train_step</c> at batch 64 (training-mode
/// forward with batch statistics, softmax cross-entropy, backward, SGD lr 0.1, momentum 0.9, the TorchSharp peer's
/// optimiser) and inference <c>Forward</c> (running statistics) at batch 64 (TorchSharp's <c>forward</c>, ONNX Runtime's
/// batch 64) and batch 1 (ONNX Runtime's latency run). Within a measurement the one-thread run is the baseline.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, MedianColumn, MemoryDiagnoser]
public class ResNetBenchmarks
{
    private const int Batch = 64, ImageSize = 3 * 32 * 32;

    // A second instance for batch 1, so neither network sees its batch size change between calls.
    private readonly ResNet18Cifar _net = new(seed: 1);
    private readonly ResNet18Cifar _single = new(seed: 1);
    private readonly Sgd _sgd = new(0.1f, momentum: 0.9f);
    private readonly float[] _images = TrainingStepBenchmarks.RandomInputs(Batch * ImageSize, seed: 1);
    private readonly int[] _labels = TrainingStepBenchmarks.RandomLabels(Batch, seed: 2);

    // A step takes seconds, so the warm-up is bounded by time: the kernels are called dozens of times per step and
    // pass tiered compilation's threshold within the first step or two; only the per-step methods may stay behind.
    private static readonly TimeSpan WarmupBudget = TimeSpan.FromSeconds(20);

    [GlobalSetup(Targets = [nameof(TrainStep_1thread), nameof(TrainStep_2threads)])]
    public void SetupTraining()
    {
        float first = TrainStep_1thread();
        Warmup.Run(WarmupBudget, TrainStep_1thread, TrainStep_2threads);
        TrainingCheck.LossFalls("resnet18-cifar", first, TrainStep_1thread());
    }

    [GlobalSetup(Targets = [nameof(Forward_b64_1thread), nameof(Forward_b64_2threads)])]
    public void SetupForward() => Warmup.Run(WarmupBudget, Forward_b64_1thread, Forward_b64_2threads);

    [GlobalSetup(Targets = [nameof(Forward_b1_1thread), nameof(Forward_b1_2threads)])]
    public void SetupLatency() => Warmup.Run(WarmupBudget, Forward_b1_1thread, Forward_b1_2threads);

    [Benchmark(Baseline = true), BenchmarkCategory("train_step")]
    public float TrainStep_1thread() => TrainStep(threads: 1);

    [Benchmark, BenchmarkCategory("train_step")]
    public float TrainStep_2threads() => TrainStep(threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("forward batch=64")]
    public float Forward_b64_1thread() => Infer(_net, batch: Batch, threads: 1);

    [Benchmark, BenchmarkCategory("forward batch=64")]
    public float Forward_b64_2threads() => Infer(_net, batch: Batch, threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("forward batch=1")]
    public float Forward_b1_1thread() => Infer(_single, batch: 1, threads: 1);

    [Benchmark, BenchmarkCategory("forward batch=1")]
    public float Forward_b1_2threads() => Infer(_single, batch: 1, threads: 2);

    private float TrainStep(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.TrainStep(_images, _labels, _sgd);
    }

    private float Infer(ResNet18Cifar net, int batch, int threads)
    {
        Parallelism.MaxDegree = threads;
        return net.Forward(_images.AsSpan(0, batch * ImageSize))[0];
    }
}
