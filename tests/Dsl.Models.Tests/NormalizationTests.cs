using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>The generated BatchNorm, LayerNorm and average-pooling layers: names, buffers, training and inference modes.</summary>
public class NormalizationTests
{
    [Fact]
    public void Norm_parameters_have_pytorch_names_shapes_and_initial_values()
    {
        var net = new TinyNormConvNet(seed: 0);
        var expected = new (string Name, int[] Shape)[]
        {
            ("conv1.weight", [3, 2, 3, 3]), ("conv1.bias", [3]),
            ("bn1.weight", [3]), ("bn1.bias", [3]),
            ("conv2.weight", [4, 3, 2, 2]), ("conv2.bias", [4]),
            ("ln1.weight", [4, 2, 1]), ("ln1.bias", [4, 2, 1]),
            ("fc1.weight", [5, 4]), ("fc1.bias", [5]),
            ("bn2.weight", [5]), ("bn2.bias", [5]),
            ("fc2.weight", [3, 5]), ("fc2.bias", [3]),
        };
        Assert.Equal(expected.Select(e => e.Name), net.ParameterInfos.Select(p => p.Name));
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i].Shape, net.ParameterInfos[i].Shape);
        Assert.Equal(TinyNormConvNet.ParameterCount, net.ParameterInfos.Sum(p => p.Length));
        Assert.All(net.Parameter("bn1.weight").ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameter("bn1.bias").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Parameter("ln1.weight").ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Parameter("ln1.bias").ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Running_statistics_are_buffers_outside_the_parameters()
    {
        var net = new TinyNormConvNet(seed: 0);
        Assert.Equal(new[] { "bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var" },
            net.BufferInfos.Select(b => b.Name));
        Assert.Equal(new[] { 3 }, net.BufferInfos[0].Shape);
        Assert.Equal(new[] { 5 }, net.BufferInfos[2].Shape);
        Assert.Equal(2 * 3 + 2 * 5, TinyNormConvNet.BufferCount);
        Assert.Equal(16, net.Buffers.Length);
        Assert.All(net.Buffer("bn1.running_mean").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Buffer("bn2.running_var").ToArray(), v => Assert.Equal(1f, v));
        Assert.DoesNotContain(net.ParameterInfos, p => p.Name.Contains("running"));
        Assert.Throws<ArgumentException>(() => { net.Buffer("bn3.running_mean"); });
        Assert.Throws<ArgumentException>(() => { net.Parameter("bn1.running_mean"); });
    }

    [Fact]
    public void First_training_step_moves_running_statistics_by_the_momentum_formula()
    {
        var net = new BatchNormFirst(seed: 1);
        const int batch = 5;
        var rng = new Random(3);
        var input = new float[batch * 4];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 4 - 1);
        var labels = new[] { 0, 1, 2, 0, 1 };

        var parametersBefore = net.Parameters.ToArray();
        net.TrainStep(input, labels, new Sgd(0.1f));
        Assert.False(parametersBefore.AsSpan().SequenceEqual(net.Parameters), "the step should change the parameters");

        for (int f = 0; f < 4; f++)
        {
            double mean = Enumerable.Range(0, batch).Average(b => (double)input[b * 4 + f]);
            double unbiased = Enumerable.Range(0, batch).Sum(b => Math.Pow(input[b * 4 + f] - mean, 2)) / (batch - 1);
            // PyTorch: running = (1 − momentum)·running + momentum·batch statistic, the variance unbiased.
            Assert.Equal(0.9 * 0 + 0.1 * mean, net.Buffer("bn1.running_mean")[f], 5);
            Assert.Equal(0.9 * 1 + 0.1 * unbiased, net.Buffer("bn1.running_var")[f], 5);
        }
    }

    [Fact]
    public void Inference_uses_running_statistics_and_training_uses_batch_statistics()
    {
        var net = new BatchNormFirst(seed: 2);
        const int batch = 4;
        var rng = new Random(5);
        var input = new float[batch * 4];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 6 + 2);
        var labels = new[] { 0, 1, 2, 0 };

        // Fresh running statistics (0, 1) make inference batch norm the identity, gamma = 1 and beta = 0.
        float[] inference = net.Forward(input).ToArray();
        var runningBefore = net.Buffers.ToArray();
        net.ComputeGradients(input, labels);
        Assert.False(runningBefore.AsSpan().SequenceEqual(net.Buffers), "training should update the running statistics");

        var reference = new NoNormReference(net);
        Assert.Equal(reference.Logits(input, normalise: false), inference, new Tolerance(1e-4f));
        // The training-mode logits normalise each feature over the batch, which these inputs (far from mean 0) are not.
        float[] training = reference.Logits(input, normalise: true);
        Assert.NotEqual(inference, training, new Tolerance(1e-3f));
        // Inference is deterministic and does not touch the running statistics.
        var runningAfter = net.Buffers.ToArray();
        float[] again = net.Forward(input).ToArray();
        float[] twice = net.Forward(input).ToArray();
        Assert.Equal(again, twice);
        Assert.True(runningAfter.AsSpan().SequenceEqual(net.Buffers));
    }

    [Fact]
    public void Batch_norm_on_features_needs_two_examples_to_train_but_infers_on_one()
    {
        // As PyTorch: the variance of one value per channel is undefined, so training refuses it; inference is fine.
        var net = new BatchNormFirst(seed: 0);
        float[] one = [0.5f, -1f, 2f, 0f];
        Assert.Equal(3, net.Forward(one).Length);
        var ex = Assert.Throws<ArgumentException>(() => net.ComputeGradients(one, [1]));
        Assert.Contains("more than one value per channel", ex.Message);
        Assert.All(net.Buffer("bn1.running_mean").ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GlobalAvgPool_keeps_a_feature_map_and_the_summary_lists_every_new_layer()
    {
        Assert.Equal(new[] { 3 }, TinyNormConvNet.OutputShape.ToArray());
        string summary = TinyNormConvNet.Summary;
        Assert.Contains("bn1 (BatchNorm)", summary);
        Assert.Contains("pool1 (AdaptiveAvgPool)   (3, 3, 2)", summary);
        Assert.Contains("ln1 (LayerNorm)", summary);
        Assert.Contains("pool2 (GlobalAvgPool)     (4, 1, 1)", summary);
        Assert.Contains("bn2 (BatchNorm)", summary);
    }

    [Fact]
    public void Training_steps_on_norm_networks_allocate_nothing_after_warm_up()
    {
        var net = new TinyNormConvNet(seed: 3);
        var input = new float[4 * net.InputSize];
        var rng = new Random(1);
        for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
        var labels = new[] { 0, 1, 2, 1 };
        var sgd = new Sgd(0.01f);
        // Enough warm-up calls for tiered compilation to have promoted the kernels (30 calls) before measuring.
        for (int i = 0; i < 40; i++)
        {
            net.TrainStep(input, labels, sgd);
            net.Forward(input);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            net.TrainStep(input, labels, sgd);
            net.Forward(input);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Recomputes BatchNormFirst's logits from its parameters: batch norm with fresh running statistics, or with batch statistics.</summary>
    private sealed class NoNormReference(BatchNormFirst net)
    {
        private readonly float[] _weight = net.Parameter("fc1.weight").ToArray();
        private readonly float[] _bias = net.Parameter("fc1.bias").ToArray();
        private readonly float[] _gamma = net.Parameter("bn1.weight").ToArray();
        private readonly float[] _beta = net.Parameter("bn1.bias").ToArray();

        public float[] Logits(float[] input, bool normalise)
        {
            int batch = input.Length / 4;
            var x = (float[])input.Clone();
            for (int f = 0; f < 4; f++)
            {
                double mean = 0, variance = 0;
                if (normalise)
                {
                    mean = Enumerable.Range(0, batch).Average(b => (double)input[b * 4 + f]);
                    variance = Enumerable.Range(0, batch).Average(b => Math.Pow(input[b * 4 + f] - mean, 2));
                }
                else
                {
                    variance = 1;
                }
                for (int b = 0; b < batch; b++)
                    x[b * 4 + f] = (float)((input[b * 4 + f] - mean) / Math.Sqrt(variance + 1e-5) * _gamma[f] + _beta[f]);
            }
            var logits = new float[batch * 3];
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < 3; o++)
                {
                    double sum = _bias[o];
                    for (int f = 0; f < 4; f++) sum += _weight[o * 4 + f] * x[b * 4 + f];
                    logits[b * 3 + o] = (float)sum;
                }
            return logits;
        }
    }

    private sealed class Tolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= epsilon * Math.Max(1, Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }
}
