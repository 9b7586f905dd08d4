using BindingFlags = System.Reflection.BindingFlags;
using Dsl;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>
/// Conv → BN → ReLU with a conv bias to fold; identity and projection residual blocks (conv → BN → add → ReLU, and the
/// projection's conv → BN as the residual); a conv → BN whose output goes on unactivated; dropout, a no-op in inference.
/// </summary>
[Network(3, 9, 9)]
[Conv(6, 3, Padding = 1), BatchNorm, ReLU]
[Stage(depth: 2, width: 6, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 1, width: 8, Block = typeof(BasicResidual))]
[Conv(10, 1), BatchNorm]
[GlobalAvgPool, Flatten, Dropout(0.3), Dense(4)]
public partial class FusionNet
{
    /// <summary>Forward (fused) and the layer-by-layer evaluation-mode forward, on the same input.</summary>
    internal (float[] Fused, float[] LayerByLayer) BothWays(float[] input)
    {
        // Both write the same arena slice, so the span Forward returns shows the second result after RunForward.
        ReadOnlySpan<float> output = Forward(input);
        float[] fused = output.ToArray();
        RunForward(input, input.Length / InputFloats, training: false);
        return (fused, output.ToArray());
    }
}

/// <summary>The fused inference path (<c>RunInference</c>) of generated networks against their layer-by-layer forward.</summary>
public class InferenceFusionTests
{
    private static float[] Random(int length, int seed, float low = -1, float high = 1)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (float)rng.NextDouble() * (high - low);
        return values;
    }

    private static void AssertClose(float[] expected, float[] actual, string when)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])),
                $"{when}: output[{i}] = {actual[i]} fused, {expected[i]} layer by layer");
    }

    /// <summary>Non-trivial batch-norm parameters and statistics, so that folding them wrongly shows.</summary>
    private static void Perturb(FusionNet net, int seed)
    {
        foreach (ParameterInfo info in net.ParameterInfos.Where(p => p.Name.Contains("bn")))
            Random(info.Length, seed++, info.Name.EndsWith("weight") ? 0.5f : -0.5f, info.Name.EndsWith("weight") ? 1.5f : 0.5f)
                .CopyTo(net.Parameters.Slice(info.Offset, info.Length));
        foreach (ParameterInfo info in net.BufferInfos)
            Random(info.Length, seed++, info.Name.EndsWith("var") ? 0.5f : -0.3f, info.Name.EndsWith("var") ? 2f : 0.3f)
                .CopyTo(net.Buffers.Slice(info.Offset, info.Length));
    }

    [Fact]
    public void The_network_has_a_fused_inference_path()
    {
        Assert.NotNull(typeof(FusionNet).GetMethod("RunInference", BindingFlags.NonPublic | BindingFlags.Instance));
        // ResNet-18's generated code fuses every convolution: no workspace-based forward is left in its inference path.
        Assert.NotNull(typeof(ResNet18Cifar).GetMethod("RunInference", BindingFlags.NonPublic | BindingFlags.Instance));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Fused_forward_equals_layer_by_layer_evaluation(int batch)
    {
        var net = new FusionNet(seed: 3);
        Perturb(net, 10);
        float[] input = Random(batch * 3 * 9 * 9, 1);
        (float[] fused, float[] reference) = net.BothWays(input);
        AssertClose(reference, fused, "after initialisation");
    }

    [Fact]
    public void Fused_forward_follows_training_steps_and_parameter_writes()
    {
        var net = new FusionNet(seed: 4);
        Perturb(net, 20);
        float[] input = Random(4 * 3 * 9 * 9, 2);
        float[] before = net.BothWays(input).Fused;

        var sgd = new Sgd(0.05f, momentum: 0.9f);
        int[] labels = [0, 1, 2, 3];
        for (int step = 0; step < 3; step++)
            net.TrainStep(input, labels, sgd);
        (float[] fused, float[] reference) = net.BothWays(input);
        AssertClose(reference, fused, "after training steps");
        Assert.NotEqual(before, fused);

        // Direct writes to a batch norm's scale and running variance must show in the very next fused call.
        float[] trained = fused;
        net.Parameter("bn1.weight").Fill(2f);
        net.Buffer("stage1.0.residual1.bn2.running_var").Fill(4f);
        (fused, reference) = net.BothWays(input);
        AssertClose(reference, fused, "after parameter writes");
        Assert.NotEqual(trained, fused);
    }

    [Fact]
    public void Fused_forward_equals_layer_by_layer_on_both_kernels_and_thread_counts()
    {
        var net = new FusionNet(seed: 5);
        Perturb(net, 30);
        float[] input = Random(3 * 3 * 9 * 9, 3);
        int saved = Parallelism.MaxDegree;
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                Parallelism.MaxDegree = degree;
                (float[] fused, float[] reference) = net.BothWays(input);
                AssertClose(reference, fused, $"degree {degree}");
            }
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }
}
