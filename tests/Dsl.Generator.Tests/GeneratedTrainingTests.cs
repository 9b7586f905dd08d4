using Dsl.Runtime;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Runs generated networks. The kernels are tested on their own in Dsl.Runtime.Tests; what these tests check is the
/// generator's wiring: that backward hands each kernel the right buffers in the right order (finite differences of
/// the loss agree with the gradients), that the planned arena does not mix examples across batch sizes, and that
/// gradients are overwritten rather than accumulated.
/// </summary>
public sealed class GeneratedTrainingTests
{
    public static TheoryData<string, string> SmallNetworks => new()
    {
        { "dense sigmoid", "[Network(6)] [Dense(5), Sigmoid, Dense(3)]" },
        { "dense tanh relu", "[Network(6)] [Dense(5), Tanh, Dense(4), ReLU, Dense(3)]" },
        { "prelu", "[Network(6)] [Dense(5), PReLU, Dense(3)]" },
        { "prelu first", "[Network(6)] [PReLU, Dense(3)]" },
        { "conv maxpool", "[Network(2, 6, 6)] [Conv(3, 3, Padding = 1), Tanh, MaxPool(2), Flatten, Dense(3)]" },
        { "conv avgpool strided", "[Network(1, 7, 7)] [Conv(2, 3, Stride = 2), Sigmoid, AvgPool(2, Stride = 1), Flatten, Dense(3)]" },
        { "two convs no bias", "[Network(2, 5, 5)] [Conv(2, 2, Bias = false), Tanh, Conv(3, 2, 3, PaddingWidth = 1), Flatten, Dense(3, Bias = false)]" },
        { "pool first", "[Network(1, 6, 6)] [AvgPool(2), Conv(2, 3), Sigmoid, Flatten, Dense(3)]" },
        { "lenet in miniature", "[Network(1, 12, 12)] [Conv(3, 3, Padding = 1), ReLU, MaxPool(2), Conv(4, 3), ReLU, MaxPool(2), Flatten, Dense(6), ReLU, Dense(3)]" },
        // Branching graphs: one value read by several ops gets the sum of their gradients.
        { "parallel identity twice", "[Network(2, 5, 5)] [Conv(3, 3, Padding = 1), Parallel(Merge.Add, typeof(Identity), typeof(Identity)), Tanh, Flatten, Dense(3)]" },
        { "concat of one value twice", "[Network(2, 4, 4)] [Conv(2, 3, Padding = 1), Tanh, Parallel(Merge.Concat, typeof(Identity), typeof(Identity)), Flatten, Dense(3)]" },
        { "flat residual of identity", "[Network(6)] [Dense(5), Tanh, Residual(typeof(Identity)), Dense(3)]" },
        { "residual of activations", "[Block] [Tanh, Sigmoid] public sealed class Activations { } [Network(6)] [Dense(5), Residual(typeof(Activations)), Tanh, Residual(typeof(Activations)), Dense(3)]" },
        { "residual with projection", "[Block] [Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride), Tanh] public sealed class Down { } [Network(2, 6, 6)] [Conv(3, 3, Padding = 1), Tanh, Residual(typeof(Down), Width = 4, Stride = 2), Tanh, Flatten, Dense(3)]" },
        { "dense block and transition", "[Network(2, 5, 5)] [Conv(2, 3, Padding = 1), DenseBlock(2, 2), Transition(3), Flatten, Dense(3)]" },
    };

    [RuntimeTheory]
    [MemberData(nameof(SmallNetworks))]
    public void Gradients_match_finite_differences(string name, string declaration)
    {
        var (network, inputSize) = Create(declaration, seed: 7);
        const int batch = 3;
        var input = Inputs(batch * inputSize, seed: 11);
        int[] labels = [0, 2, 1];

        network.ComputeGradients(input, labels);
        var analytic = network.Gradients.ToArray();
        var parameters = network.Parameters;

        // Central differences in float32, at two steps: a small one, which a max-pool or ReLU kink between the two
        // evaluations cannot straddle so easily, and a larger one, which float rounding (~1e-7 of a loss near 1) cannot
        // swamp. A gradient is wrong only if it disagrees at both.
        var failures = new List<string>();
        int stride = Math.Max(1, parameters.Length / 150);
        for (int i = 0; i < parameters.Length; i += stride)
        {
            float small = Numeric(network, input, labels, i, 3e-4f);
            float large = Numeric(network, input, labels, i, 1e-2f);
            if (!Agrees(small, analytic[i]) && !Agrees(large, analytic[i]))
            {
                failures.Add($"{ParameterName(network, i)}: analytic {analytic[i]:G5}, numeric {small:G5} (step 3e-4) / {large:G5} (step 1e-2)");
            }
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} gradients disagree:\n" + string.Join("\n", failures.Take(15)));
    }

    [RuntimeTheory]
    [MemberData(nameof(SmallNetworks))]
    public void Gradients_are_overwritten_not_accumulated(string name, string declaration)
    {
        var (network, inputSize) = Create(declaration, seed: 3);
        var input = Inputs(2 * inputSize, seed: 5);
        int[] labels = [1, 0];

        float first = network.ComputeGradients(input, labels);
        var once = network.Gradients.ToArray();
        float second = network.ComputeGradients(input, labels);

        Assert.Equal(first, second);
        Assert.True(once.AsSpan().SequenceEqual(network.Gradients), $"{name}: a second identical step changed the gradients");
    }

    [RuntimeTheory]
    [MemberData(nameof(SmallNetworks))]
    public void Each_example_gives_the_same_logits_whatever_the_batch(string name, string declaration)
    {
        // Every buffer is batch × offset into one arena: a planner or emitter slip shows up as examples bleeding into
        // each other, or as a result that depends on what a previous, larger batch left in the arena.
        var (network, inputSize) = Create(declaration, seed: 1);
        int outputs = network.OutputSize;
        var input = Inputs(5 * inputSize, seed: 9);

        var together = network.Forward(input).ToArray();
        for (int example = 0; example < 5; example++)
        {
            var alone = network.Forward(input.AsSpan(example * inputSize, inputSize)).ToArray();
            for (int k = 0; k < outputs; k++)
            {
                Assert.True(Math.Abs(alone[k] - together[example * outputs + k]) <= 1e-4f * Math.Max(1, Math.Abs(alone[k])),
                    $"{name}: example {example} logit {k} is {alone[k]} alone but {together[example * outputs + k]} in a batch of 5");
            }
        }
    }

    [RuntimeFact]
    public void TrainStep_lowers_the_loss_on_a_fixed_batch()
    {
        var (network, inputSize) = Create("[Network(1, 8, 8)] [Conv(4, 3, Padding = 1), ReLU, MaxPool(2), Flatten, Dropout(0.1), Dense(16), ReLU, Dense(4)]", seed: 2);
        var input = Inputs(8 * inputSize, seed: 4);
        int[] labels = [0, 1, 2, 3, 0, 1, 2, 3];
        var sgd = new Sgd(learningRate: 0.1f, momentum: 0.9f);

        float initial = network.ComputeGradients(input, labels);
        float last = initial;
        for (int i = 0; i < 60; i++)
        {
            last = network.TrainStep(input, labels, sgd);
        }
        Assert.True(last < initial * 0.5f, $"loss went from {initial} to {last} in 60 steps on one batch");
    }

    [RuntimeFact]
    public void Equal_seeds_give_equal_networks_and_different_seeds_do_not()
    {
        const string declaration = "[Network(6)] [Dense(5), ReLU, Dense(3)]";
        var a = Create(declaration, seed: 42).Network.Parameters.ToArray();
        var b = Create(declaration, seed: 42).Network.Parameters.ToArray();
        var c = Create(declaration, seed: 43).Network.Parameters.ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [RuntimeFact]
    public void Dropout_is_off_in_Forward_and_on_in_training()
    {
        // Dropout has no parameters, so equal seeds give equal weights with and without it.
        var (with, inputSize) = Create("[Network(12)] [Dense(16), ReLU, Dropout(0.5), Dense(3)]", seed: 5);
        var (without, _) = Create("[Network(12)] [Dense(16), ReLU, Dense(3)]", seed: 5);
        Assert.Equal(without.Parameters.ToArray(), with.Parameters.ToArray());
        var input = Inputs(4 * inputSize, seed: 6);
        int[] labels = [0, 1, 2, 0];

        Assert.Equal(without.Forward(input).ToArray(), with.Forward(input).ToArray());
        float first = with.ComputeGradients(input, labels);
        float second = with.ComputeGradients(input, labels);
        Assert.NotEqual(first, second);
    }

    [RuntimeFact]
    public void PReLU_slope_starts_at_its_init_and_biases_at_zero()
    {
        var (network, _) = Create("[Network(6)] [Dense(5), PReLU(Init = 0.1), Dense(3)]", seed: 1);
        var prelu = network.ParameterInfos.Single(p => p.Name == "prelu1.weight");
        Assert.Equal([1], prelu.Shape);
        Assert.Equal(0.1f, network.Parameters[prelu.Offset], 6);
        foreach (var bias in network.ParameterInfos.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            Assert.True(network.Parameters.Slice(bias.Offset, bias.Length).IndexOfAnyExcept(0f) < 0, $"{bias.Name} is not zero");
        }
    }

    private static (INetwork Network, int InputSize) Create(string declaration, int seed)
    {
        var run = GeneratorHarness.Run($"using Dsl;\nnamespace Demo;\n{declaration}\npublic partial class Net {{ }}\n");
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        var assembly = GeneratorHarness.Load(GeneratorHarness.Emit(run.Output));
        var network = (INetwork)Activator.CreateInstance(assembly.GetType("Demo.Net")!, [seed])!;
        return (network, network.InputSize);
    }

    private static float Numeric(INetwork network, float[] input, int[] labels, int index, float step)
    {
        var parameters = network.Parameters;
        float saved = parameters[index];
        parameters[index] = saved + step;
        float plus = network.ComputeGradients(input, labels);
        parameters[index] = saved - step;
        float minus = network.ComputeGradients(input, labels);
        parameters[index] = saved;
        return (plus - minus) / (2 * step);
    }

    private static bool Agrees(float numeric, float analytic) =>
        Math.Abs(numeric - analytic) <= 2e-3f + 5e-2f * Math.Max(Math.Abs(numeric), Math.Abs(analytic));

    private static float[] Inputs(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return data;
    }

    private static string ParameterName(INetwork network, int index)
    {
        var info = network.ParameterInfos.First(p => index >= p.Offset && index < p.Offset + p.Length);
        return $"{info.Name}[{index - info.Offset}]";
    }
}
