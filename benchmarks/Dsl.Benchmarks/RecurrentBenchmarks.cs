using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// The peer's <c>lstm</c>/<c>gru</c> workloads (see <see cref="RecurrentClassifier"/>): <c>fwd_bwd</c> (forward, loss,
/// backward), <c>train_step</c> (the same plus SGD lr 0.1, momentum 0.9, the peer's optimiser) and <c>forward</c>, on a
/// fixed random batch. Hand-composed kernel calls, since the DSL has no recurrent layers yet. Within a measurement the
/// one-thread run is the baseline, so the ratio column shows what the second core buys.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, MedianColumn, MemoryDiagnoser]
public abstract class RecurrentClassifierBenchmarks
{
    private readonly RecurrentClassifier _net;
    private readonly Sgd _sgd = new(0.1f, momentum: 0.9f);
    private readonly float[] _inputs = TrainingStepBenchmarks.RandomInputs(
        RecurrentClassifier.Batch * RecurrentClassifier.Steps * RecurrentClassifier.InputSize, seed: 1);
    private readonly int[] _labels = TrainingStepBenchmarks.RandomLabels(RecurrentClassifier.Batch, seed: 2);
    private readonly string _workload;

    private protected RecurrentClassifierBenchmarks(RecurrentCell cell, string workload)
    {
        _net = new RecurrentClassifier(cell, seed: 42);
        _workload = workload;
    }

    [GlobalSetup]
    public void Setup()
    {
        float first = TrainStep_1thread();
        Warmup.Run(FwdBwd_1thread, FwdBwd_2threads, TrainStep_1thread, TrainStep_2threads, Forward_1thread, Forward_2threads);
        TrainingCheck.LossFalls(_workload, first, FwdBwd_1thread());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("fwd_bwd")]
    public float FwdBwd_1thread() => FwdBwd(threads: 1);

    [Benchmark, BenchmarkCategory("fwd_bwd")]
    public float FwdBwd_2threads() => FwdBwd(threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("train_step")]
    public float TrainStep_1thread() => TrainStep(threads: 1);

    [Benchmark, BenchmarkCategory("train_step")]
    public float TrainStep_2threads() => TrainStep(threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("forward")]
    public float Forward_1thread() => Forward(threads: 1);

    [Benchmark, BenchmarkCategory("forward")]
    public float Forward_2threads() => Forward(threads: 2);

    private float FwdBwd(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.ForwardBackward(_inputs, _labels);
    }

    private float TrainStep(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.TrainStep(_inputs, _labels, _sgd);
    }

    private float Forward(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.Forward(_inputs)[0];
    }
}

/// <summary>The peer's <c>lstm</c> workload: LSTM 28 → 128 over 28 steps, batch 64, dense head on the last state.</summary>
public class LstmBenchmarks() : RecurrentClassifierBenchmarks(RecurrentCell.Lstm, "lstm");

/// <summary>The peer's <c>gru</c> workload: GRU 28 → 128 over 28 steps, batch 64, dense head on the last state.</summary>
public class GruBenchmarks() : RecurrentClassifierBenchmarks(RecurrentCell.Gru, "gru");

/// <summary>
/// The peer's <c>lstm-lm</c> workload (see <see cref="CharLstmLanguageModel"/>): <c>train_step</c> (token ids, forward,
/// loss over all 35·32 positions, backward, SGD lr 0.1, momentum 0.9) and <c>forward</c> (inference), on fixed random tokens
/// and targets. Within a measurement the one-thread run is the baseline.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn, MedianColumn, MemoryDiagnoser]
public class LstmLmBenchmarks
{
    private readonly CharLstmLanguageModel _net = new(seed: 42);
    private readonly Sgd _sgd = new(0.1f, momentum: 0.9f);
    private readonly int[] _tokens = RandomTokens(CharLstmLanguageModel.Positions, seed: 1);
    private readonly int[] _targets = RandomTokens(CharLstmLanguageModel.Positions, seed: 2);

    [GlobalSetup]
    public void Setup()
    {
        float first = TrainStep_1thread();
        Warmup.Run(TrainStep_1thread, TrainStep_2threads, Forward_1thread, Forward_2threads);
        TrainingCheck.LossFalls("lstm-lm", first, TrainStep_1thread());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("train_step")]
    public float TrainStep_1thread() => TrainStep(threads: 1);

    [Benchmark, BenchmarkCategory("train_step")]
    public float TrainStep_2threads() => TrainStep(threads: 2);

    [Benchmark(Baseline = true), BenchmarkCategory("forward")]
    public float Forward_1thread() => Forward(threads: 1);

    [Benchmark, BenchmarkCategory("forward")]
    public float Forward_2threads() => Forward(threads: 2);

    private float TrainStep(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.TrainStep(_tokens, _targets, _sgd);
    }

    private float Forward(int threads)
    {
        Parallelism.MaxDegree = threads;
        return _net.Forward(_tokens)[0];
    }

    private static int[] RandomTokens(int length, int seed)
    {
        var rng = new Rng((ulong)seed);
        var tokens = new int[length];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(CharLstmLanguageModel.Vocab);
        return tokens;
    }
}
