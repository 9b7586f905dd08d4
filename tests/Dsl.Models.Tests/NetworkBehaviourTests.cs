using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>What the generated classes promise besides gradients: names, counts, validation, modes, allocation.</summary>
public class NetworkBehaviourTests
{
    [Fact]
    public void LeNetModern_parameters_have_pytorch_names_shapes_and_offsets()
    {
        var net = new LeNetModern(seed: 0);
        var expected = new (string Name, int[] Shape)[]
        {
            ("conv1.weight", [6, 1, 5, 5]), ("conv1.bias", [6]),
            ("conv2.weight", [16, 6, 5, 5]), ("conv2.bias", [16]),
            ("fc1.weight", [120, 400]), ("fc1.bias", [120]),
            ("fc2.weight", [84, 120]), ("fc2.bias", [84]),
            ("fc3.weight", [10, 84]), ("fc3.bias", [10]),
        };
        Assert.Equal(expected.Select(e => e.Name), net.ParameterInfos.Select(p => p.Name));
        int offset = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            var info = net.ParameterInfos[i];
            Assert.Equal(expected[i].Shape, info.Shape);
            Assert.Equal(offset, info.Offset);
            Assert.Equal(expected[i].Shape.Aggregate(1, (a, b) => a * b), info.Length);
            offset += info.Length;
        }
        Assert.Equal(61_706, offset);
        Assert.Equal(61_706, LeNetModern.ParameterCount);
        Assert.Equal(61_706, net.Parameters.Length);
        Assert.Equal(61_706, net.Gradients.Length);
    }

    [Fact]
    public void Parameter_by_name_is_a_view_of_the_parameter_array()
    {
        var net = new LeNetModern(seed: 0);
        Span<float> bias = net.Parameter("fc2.bias");
        Assert.Equal(84, bias.Length);
        bias[3] = 42f;
        var info = net.ParameterInfos.Single(p => p.Name == "fc2.bias");
        Assert.Equal(42f, net.Parameters[info.Offset + 3]);
        Assert.Throws<ArgumentException>(() => { net.Parameter("fc9.bias"); });
    }

    [Fact]
    public void Parameter_counts_match_the_layer_formulas()
    {
        Assert.Equal(784 * 256 + 256 + 256 * 10 + 10, Mlp.ParameterCount);
        Assert.Equal(784 * 256 + 256 + 256 * 128 + 128 + 128 * 100 + 100 + 100 * 10 + 10, Mlp256.ParameterCount);
        Assert.Equal(61_706, LeNetClassic.ParameterCount);
    }

    [Fact]
    public void Initialisation_is_deterministic_per_seed_xavier_bounded_and_biases_zero()
    {
        var a = new LeNetModern(seed: 7);
        var b = new LeNetModern(seed: 7);
        var c = new LeNetModern(seed: 8);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));
        // Xavier uniform for fc1: a = sqrt(6 / (400 + 120)).
        float bound = MathF.Sqrt(6f / 520f);
        var w = a.Parameter("fc1.weight");
        float max = 0; double sumSq = 0;
        foreach (float v in w) { max = Math.Max(max, Math.Abs(v)); sumSq += v * v; }
        Assert.True(max <= bound, $"|w| max {max} exceeds the Xavier bound {bound}");
        double variance = sumSq / w.Length;
        Assert.InRange(variance, bound * bound / 3 * 0.9, bound * bound / 3 * 1.1);
        Assert.All(a.Parameter("fc1.bias").ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Forward_rejects_input_whose_length_is_not_a_whole_batch_and_names_the_shape()
    {
        var net = new LeNetModern(seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => { net.Forward(new float[1000]); });
        Assert.Contains("1, 28, 28", ex.Message);
        Assert.Contains("1000", ex.Message);
        Assert.Throws<ArgumentException>(() => { net.Forward(ReadOnlySpan<float>.Empty); });
    }

    [Fact]
    public void TrainStep_rejects_a_label_count_that_does_not_match_the_batch()
    {
        var net = new Mlp(seed: 0);
        var sgd = new Sgd(0.1f);
        var ex = Assert.Throws<ArgumentException>(() => { net.TrainStep(new float[3 * 784], new int[2], sgd); });
        Assert.Contains("784", ex.Message);
    }

    [Fact]
    public void Forward_output_has_one_row_per_example_and_does_not_depend_on_batch_composition()
    {
        var net = new LeNetModern(seed: 1);
        var rng = new Random(1);
        var input = new float[5 * 784];
        for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
        float[] all = net.Forward(input).ToArray();
        Assert.Equal(5 * 10, all.Length);
        float[] third = net.Forward(input.AsSpan(2 * 784, 784)).ToArray();
        for (int j = 0; j < 10; j++) Assert.Equal(all[2 * 10 + j], third[j], 4);
    }

    [Fact]
    public void Dropout_is_random_in_training_and_the_identity_in_inference()
    {
        var withDropout = new DropoutMlp(seed: 4);
        var without = new NoDropoutMlp(seed: 4);
        withDropout.Parameters.CopyTo(without.Parameters);
        var rng = new Random(2);
        var input = new float[8 * 12];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = new int[8];
        for (int i = 0; i < 8; i++) labels[i] = rng.Next(4);

        // Inference: dropout is off, so both networks give the same logits, every time.
        float[] a = withDropout.Forward(input).ToArray();
        float[] b = withDropout.Forward(input).ToArray();
        float[] reference = without.Forward(input).ToArray();
        Assert.Equal(a, b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(reference[i], a[i], 5);

        // Training: each step draws a new mask, so the loss changes between calls with the same parameters
        // and differs from the network without dropout.
        float l1 = withDropout.ComputeGradients(input, labels);
        float l2 = withDropout.ComputeGradients(input, labels);
        float l3 = withDropout.ComputeGradients(input, labels);
        float plain = without.ComputeGradients(input, labels);
        Assert.False(l1 == l2 && l2 == l3, "dropout drew the same mask three times");
        Assert.NotEqual(plain, l1);
    }

    [Fact]
    public void Training_is_deterministic_on_one_thread()
    {
        int saved = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = 1;
            float[] Run()
            {
                var net = new LeNetModern(seed: 3);
                var sgd = new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-4f);
                var (x, y) = Data(16, seed: 5);
                for (int s = 0; s < 3; s++) net.TrainStep(x, y, sgd);
                return net.Parameters.ToArray();
            }
            Assert.Equal(Run(), Run());
        }
        finally { Parallelism.MaxDegree = saved; }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_training_step_allocates_nothing_after_warm_up(int threads)
    {
        int saved = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = threads;
            var net = new LeNetModern(seed: 3);
            var sgd = new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-4f);
            var (x, y) = Data(64, seed: 6);
            // Enough warm-up calls for tiered compilation to have promoted the kernels (30 calls) before measuring.
            for (int s = 0; s < 40; s++) net.TrainStep(x, y, sgd);
            net.Forward(x);

            // The calling thread's counter: the process-wide one also counts the test runner's own threads. The
            // worker pool's threads are covered by the runtime tests, which measure inside a parallel part.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int s = 0; s < 5; s++) net.TrainStep(x, y, sgd);
            net.Forward(x);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
        }
        finally { Parallelism.MaxDegree = saved; }
    }

    [Fact]
    public void Summary_lists_every_layer_shape_and_the_totals()
    {
        string summary = LeNetModern.Summary;
        foreach (var shape in new[] { "(6, 28, 28)", "(6, 14, 14)", "(16, 10, 10)", "(16, 5, 5)", "(400)", "(120)", "(84)", "(10)" })
            Assert.Contains(shape, summary);
        Assert.Contains("61,706", summary);
    }

    private static (float[] X, int[] Y) Data(int batch, int seed)
    {
        var rng = new Random(seed);
        var x = new float[batch * 784];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = rng.Next(10);
        return (x, y);
    }
}
