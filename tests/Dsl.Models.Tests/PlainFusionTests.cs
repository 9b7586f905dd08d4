using BindingFlags = System.Reflection.BindingFlags;
using Dsl;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>
/// The chains without batch norm: a stride-2 convolution → ReLU → MaxPool(2) (not the wide path, so the kernel pools
/// through the convolution's own buffer), a convolution → ReLU, a convolution → MaxPool(2), dense → ReLU with and without
/// a bias, and a last dense layer on its own.
/// </summary>
[Network(2, 16, 16)]
[Conv(4, 3, Stride = 2, Padding = 1), ReLU, MaxPool(2)]
[Conv(6, 3, Padding = 1), ReLU]
[Conv(8, 3, Padding = 1), MaxPool(2)]
[Flatten, Dense(20), ReLU, Dense(12, Bias = false), ReLU, Dense(3)]
public partial class PlainFusionNet
{
    /// <summary>Forward (fused) and the layer-by-layer evaluation-mode forward, on the same input.</summary>
    internal (float[] Fused, float[] LayerByLayer) BothWays(float[] input)
    {
        ReadOnlySpan<float> output = Forward(input);
        float[] fused = output.ToArray();
        RunForward(input, input.Length / InputFloats, training: false);
        return (fused, output.ToArray());
    }
}

/// <summary>LeNet with ReLU and max pooling (the shapes of <see cref="LeNetModern"/>), every chain on the one-pass path.</summary>
[Network(1, 28, 28)]
[Conv(6, 5, Padding = 2), ReLU, MaxPool(2)]
[Conv(16, 5), ReLU, MaxPool(2)]
[Flatten, Dense(120), ReLU, Dense(84), ReLU, Dense(10)]
public partial class FusedLeNet
{
    internal (float[] Fused, float[] LayerByLayer) BothWays(float[] input)
    {
        ReadOnlySpan<float> output = Forward(input);
        float[] fused = output.ToArray();
        RunForward(input, input.Length / InputFloats, training: false);
        return (fused, output.ToArray());
    }
}

/// <summary>The peer MLP (784 → 256 → 128 → 10 with ReLU): dense → ReLU chains on the GEMV (batch ≤ 4) and GEMM paths.</summary>
[Network(784)]
[Dense(256), ReLU, Dense(128), ReLU, Dense(10)]
public partial class FusedMlp
{
    internal (float[] Fused, float[] LayerByLayer) BothWays(float[] input)
    {
        ReadOnlySpan<float> output = Forward(input);
        float[] fused = output.ToArray();
        RunForward(input, input.Length / InputFloats, training: false);
        return (fused, output.ToArray());
    }
}

/// <summary>Inference chains without batch norm (<c>RunInference</c>) against the layer-by-layer forward.</summary>
public class PlainFusionTests
{
    private static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    private static void AssertClose(float[] expected, float[] actual, string when)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])),
                $"{when}: output[{i}] = {actual[i]} fused, {expected[i]} layer by layer");
    }

    private static void OnBothThreadCounts(Action<int> check)
    {
        int saved = Parallelism.MaxDegree;
        try
        {
            foreach (int degree in new[] { 1, 2 })
            {
                Parallelism.MaxDegree = degree;
                check(degree);
            }
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }

    [Fact]
    public void The_networks_have_a_fused_inference_path()
    {
        foreach (Type type in new[] { typeof(PlainFusionNet), typeof(FusedLeNet), typeof(FusedMlp), typeof(LeNetModern), typeof(Mlp) })
            Assert.NotNull(type.GetMethod("RunInference", BindingFlags.NonPublic | BindingFlags.Instance));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(37)]
    public void Fused_forward_equals_layer_by_layer(int batch)
    {
        var plain = new PlainFusionNet(seed: 3);
        var lenet = new FusedLeNet(seed: 4);
        var mlp = new FusedMlp(seed: 5);
        // Non-zero biases, so that a dropped or doubled bias shows.
        foreach (INetwork net in new INetwork[] { plain, lenet, mlp })
            foreach (ParameterInfo info in net.ParameterInfos.Where(p => p.Name.EndsWith("bias")))
                Random(info.Length, info.Offset).CopyTo(net.Parameters.Slice(info.Offset, info.Length));
        float[] plainInput = Random(batch * 2 * 16 * 16, 1), images = Random(batch * 784, 2);
        OnBothThreadCounts(degree =>
        {
            (float[] fused, float[] reference) = plain.BothWays(plainInput);
            AssertClose(reference, fused, $"PlainFusionNet, degree {degree}");
            (fused, reference) = lenet.BothWays(images);
            AssertClose(reference, fused, $"FusedLeNet, degree {degree}");
            (fused, reference) = mlp.BothWays(images);
            AssertClose(reference, fused, $"FusedMlp, degree {degree}");
        });
    }

    [Fact]
    public void Fused_forward_follows_training_steps_and_parameter_writes()
    {
        // No packed weight is cached between calls: whatever changes the parameters shows in the very next Forward.
        var lenet = new FusedLeNet(seed: 6);
        var mlp = new FusedMlp(seed: 7);
        float[] images = Random(8 * 784, 3);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        foreach (INetwork net in new INetwork[] { lenet, mlp })
        {
            Func<float[], (float[] Fused, float[] LayerByLayer)> both = net is FusedLeNet l ? l.BothWays : ((FusedMlp)net).BothWays;
            float[] before = both(images).Fused;

            var sgd = new Sgd(0.05f, momentum: 0.9f);
            for (int step = 0; step < 3; step++)
                net.TrainStep(images, labels, sgd);
            (float[] fused, float[] reference) = both(images);
            AssertClose(reference, fused, $"{net.GetType().Name} after training steps");
            Assert.NotEqual(before, fused);

            // Direct writes to a dense weight, a dense bias and (LeNet) a convolution's bias show at once.
            foreach (string name in new[] { "fc1.weight", "fc2.bias", "conv2.bias" })
            {
                if (!net.ParameterInfos.Any(p => p.Name == name))
                    continue;
                float[] previous = fused;
                ParameterInfo info = net.ParameterInfos.Single(p => p.Name == name);
                Random(info.Length, info.Offset + 99).CopyTo(net.Parameters.Slice(info.Offset, info.Length));
                (fused, reference) = both(images);
                AssertClose(reference, fused, $"{net.GetType().Name} after writing {name}");
                Assert.NotEqual(previous, fused);
            }
            // And at batch 1 (the GEMV path), after the writes.
            (fused, reference) = both(images[..784]);
            AssertClose(reference, fused, $"{net.GetType().Name} at batch 1");
        }
    }

    [Fact]
    public void Fused_forward_allocates_nothing_in_steady_state()
    {
        var lenet = new FusedLeNet(seed: 8);
        var mlp = new FusedMlp(seed: 9);
        float[] images = Random(64 * 784, 4);
        OnBothThreadCounts(_ =>
        {
            for (int i = 0; i < 50; i++) { lenet.Forward(images); mlp.Forward(images); lenet.Forward(images[..784]); mlp.Forward(images[..784]); }
            long before = GC.GetAllocatedBytesForCurrentThread();
            lenet.Forward(images);
            mlp.Forward(images);
            lenet.Forward(images.AsSpan(0, 784));
            mlp.Forward(images.AsSpan(0, 784));
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        });
    }
}
