using Xunit;
using Dsl.Runtime.Tests.TestDoubles;

namespace Dsl.Runtime.Tests;

public class TrainerTests
{
    /// <summary>Gaussian clusters around well-separated class means: linearly separable up to a little overlap.</summary>
    private static Dataset Clusters(int count, int features, int classes, int seed)
    {
        var rng = new Rng(12345); // same means for train and test
        var means = new float[classes * features];
        for (int i = 0; i < means.Length; i++) means[i] = 2f * rng.NextGaussian();
        var sampler = new Rng((ulong)seed);
        var x = new float[count * features];
        var y = new int[count];
        for (int n = 0; n < count; n++)
        {
            y[n] = sampler.NextInt(classes);
            for (int f = 0; f < features; f++) x[n * features + f] = means[y[n] * features + f] + sampler.NextGaussian();
        }
        return new Dataset(x, y, [features]);
    }

    [Fact]
    public void FitLearnsSeparableData()
    {
        var train = Clusters(2000, features: 20, classes: 4, seed: 1);
        var test = Clusters(500, features: 20, classes: 4, seed: 2);
        var net = new SoftmaxRegression(20, 4, seed: 3);
        float before = Trainer.Accuracy(net, test);
        var log = new StringWriter();

        var result = Trainer.Fit(net, train, test, new PlainSgd(0.1f),
            new TrainOptions { Epochs = 4, BatchSize = 64, Seed = 5 }, log);

        Assert.InRange(before, 0f, 0.5f);
        Assert.True(result.FinalTestAccuracy > 0.9f, $"test accuracy {result.FinalTestAccuracy}\n{log}");
        Assert.Equal(4, result.History.Count);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
        Assert.True(result.History[^1].TrainAccuracy > 0.9f);
        Assert.Equal(result.FinalTestAccuracy, Trainer.Accuracy(net, test));
        Assert.Equal(4 * 32, net.Steps); // ceil(2000 / 64) = 32 steps per epoch
        Assert.Equal(2000 % 64, net.BatchSizes[31]);
        Assert.False(result.StoppedEarly);
        Assert.False(result.Diverged);
        Assert.Equal(0, result.RestoredEpoch);
    }

    [Fact]
    public void FitLogsProgressAndEpochLines()
    {
        var train = Clusters(1000, features: 5, classes: 3, seed: 1);
        var test = Clusters(200, features: 5, classes: 3, seed: 2);
        var log = new StringWriter();

        Trainer.Fit(new SoftmaxRegression(5, 3), train, test, new PlainSgd(0.1f),
            new TrainOptions { Epochs = 2, BatchSize = 100, TrainAccuracyExamples = 500 }, log);

        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(10, lines.Length); // per epoch: 4 progress lines (at 1/5 … 4/5) and 1 epoch line
        Assert.Matches(@"^epoch 1  \[ 200/1000\]  loss \d\.\d{4}  [\d.]+[kM]? ex/s$", lines[0]);
        Assert.Matches(@"^epoch 1  \[ 800/1000\]", lines[3]);
        Assert.Matches(@"^epoch 1/2  train loss \d\.\d{4}  train acc \d\.\d{4} \(first 500\)  test acc \d\.\d{4}  \d+\.\d s  [\d.]+[kM]? ex/s$", lines[4]);
        Assert.StartsWith("epoch 2/2", lines[9]);
    }

    [Fact]
    public void EvaluateComputesAccuracyAndMeanCrossEntropy()
    {
        // One input feature of value 1 and zero weights: the logits are the biases.
        var net = new SoftmaxRegression(1, 3);
        net.Parameters.Clear();
        float[] bias = [1f, 2f, 0.5f];
        bias.CopyTo(net.Parameters[3..]);
        var data = new Dataset([1f, 1f, 1f, 1f], [1, 1, 0, 2], [1]);

        var evaluation = Trainer.Evaluate(net, data, batchSize: 3);

        double logSumExp = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5));
        double expectedLoss = ((logSumExp - 2) * 2 + (logSumExp - 1) + (logSumExp - 0.5)) / 4;
        Assert.Equal(0.5f, evaluation.Accuracy);
        Assert.Equal(2, evaluation.Correct);
        Assert.Equal(4, evaluation.Count);
        Assert.Equal(expectedLoss, evaluation.Loss, 5);
    }

    [Fact]
    public void EvaluateRejectsMismatchedExamples()
    {
        var e = Assert.Throws<ArgumentException>(() => Trainer.Evaluate(new SoftmaxRegression(784, 10), new Dataset(new float[8], [0, 1], [1, 2, 2])));
        Assert.Equal("The network expects examples of 784 floats but the data set's examples are (1, 2, 2) = 4 floats.", e.Message);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestEpoch()
    {
        // Test accuracy per epoch follows the script; the best (0.7) is at epoch 2, then three epochs fail to beat it.
        float[] script = [0.5f, 0.7f, 0.6f, 0.65f, 0.7f, 0.9f];
        var net = new ScriptedAccuracy(script);
        var data = ScriptedAccuracy.Data(100);
        var log = new StringWriter();

        var result = Trainer.Fit(net, data, data, new PlainSgd(0.1f),
            new TrainOptions { Epochs = 10, BatchSize = 100, Patience = 3 }, log);

        Assert.True(result.StoppedEarly);
        Assert.Equal(5, result.History.Count);
        Assert.Equal(script[..5], result.History.Select(h => h.TestAccuracy));
        Assert.Equal(2, result.RestoredEpoch);
        Assert.Equal(0.7f, result.FinalTestAccuracy);
        Assert.Equal(0.7f, Trainer.Accuracy(net, data));
        Assert.Equal(0.7f, result.BestTestAccuracy);
        Assert.Equal(2, result.BestTestEpoch);
        Assert.Contains("early stopping: no better test accuracy for 3 epoch(s) since epoch 2 (0.7000)", log.ToString());
        Assert.Contains("restored the parameters of epoch 2", log.ToString());
    }

    [Fact]
    public void EarlyStoppingMonitorsTheValidationSetWhenGiven()
    {
        var net = new ScriptedAccuracy([0.5f, 0.7f, 0.6f, 0.65f, 0.7f, 0.9f]);
        var data = ScriptedAccuracy.Data(100);

        var result = Trainer.Fit(net, data, data, new PlainSgd(0.1f),
            new TrainOptions { Epochs = 6, BatchSize = 100, Patience = 10 }, validation: data);

        Assert.False(result.StoppedEarly);
        Assert.Equal(6, result.History.Count);
        Assert.Equal(0.9f, result.History[^1].ValidationAccuracy);
        Assert.Equal(0, result.RestoredEpoch);
        Assert.Equal(0.9f, result.FinalTestAccuracy);
    }

    [Fact]
    public void DivergenceStopsTraining()
    {
        var net = new ScriptedAccuracy([0.5f, 0.6f], nanLossFromStep: 3);
        var data = ScriptedAccuracy.Data(100);
        var log = new StringWriter();

        var result = Trainer.Fit(net, data, data, new PlainSgd(0.1f), new TrainOptions { Epochs = 5, BatchSize = 50 }, log);

        Assert.True(result.Diverged);
        Assert.Single(result.History);
        Assert.Contains("training diverged; try a smaller learning rate", log.ToString());
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentStep()
    {
        var train = Clusters(1000, features: 5, classes: 3, seed: 1);
        var test = Clusters(200, features: 5, classes: 3, seed: 2);
        var net = new CancellingNetwork(5, 3, cancelAtStep: 15);

        var result = Trainer.Fit(net, train, test, new PlainSgd(0.1f), new TrainOptions { Epochs = 5, BatchSize = 100 },
            cancellation: net.Token);

        Assert.True(result.Cancelled);
        Assert.Equal(15, net.Steps);
        Assert.Single(result.History); // epoch 1 finished at step 10; epoch 2 was cut short
        Assert.Equal(Trainer.Accuracy(net, test), result.FinalTestAccuracy);
    }

    private sealed class CancellingNetwork(int inputs, int classes, int cancelAtStep) : INetwork
    {
        private readonly SoftmaxRegression _inner = new(inputs, classes);
        private readonly CancellationTokenSource _source = new();
        public CancellationToken Token => _source.Token;
        public int Steps => _inner.Steps;
        public int InputSize => _inner.InputSize;
        public int OutputSize => _inner.OutputSize;
        public Span<float> Parameters => _inner.Parameters;
        public Span<float> Gradients => _inner.Gradients;
        public IReadOnlyList<ParameterInfo> ParameterInfos => _inner.ParameterInfos;
        public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input) => _inner.Forward(input);
        public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels) => _inner.ComputeGradients(input, labels);

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, Optimizer optimizer)
        {
            float loss = _inner.TrainStep(input, labels, optimizer);
            if (_inner.Steps == cancelAtStep) _source.Cancel();
            return loss;
        }
    }

    [Theory]
    [InlineData(850.0, "850 ex/s")]
    [InlineData(4123.0, "4.1k ex/s")]
    [InlineData(1_250_000.0, "1.2M ex/s")]
    public void FormatsRates(double rate, string expected) => Assert.Equal(expected, Trainer.FormatRate(rate));

    /// <summary>
    /// A network whose accuracy is scripted per epoch: parameter 0 holds the epoch's target accuracy, set by each training step
    /// (one step per epoch), and Forward classifies correctly the examples whose feature is below it.
    /// </summary>
    private sealed class ScriptedAccuracy(float[] script, int nanLossFromStep = int.MaxValue) : INetwork
    {
        private readonly float[] _parameters = new float[1];
        private readonly float[] _gradients = new float[1];
        private float[] _logits = [];
        private int _steps;

        /// <summary>Example i has feature (i + 0.5) / count and label 0.</summary>
        public static Dataset Data(int count) =>
            new(Enumerable.Range(0, count).Select(i => (i + 0.5f) / count).ToArray(), new int[count], [1]);

        public int InputSize => 1;
        public int OutputSize => 2;
        public Span<float> Parameters => _parameters;
        public Span<float> Gradients => _gradients;
        public IReadOnlyList<ParameterInfo> ParameterInfos { get; } = [new("target", 0, 1, [1])];

        public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input)
        {
            if (_logits.Length < 2 * input.Length) _logits = new float[2 * input.Length];
            for (int i = 0; i < input.Length; i++)
            {
                bool correct = input[i] < _parameters[0];
                _logits[2 * i] = correct ? 1 : 0;
                _logits[2 * i + 1] = correct ? 0 : 1;
            }
            return _logits.AsSpan(0, 2 * input.Length);
        }

        public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels) => 1f;

        public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, Optimizer optimizer)
        {
            _steps++;
            _parameters[0] = script[Math.Min(_steps - 1, script.Length - 1)];
            return _steps >= nanLossFromStep ? float.NaN : 1f;
        }
    }
}
