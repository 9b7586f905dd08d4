using System.Text.RegularExpressions;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>Which chains the inference path fuses, read from the generated RunInference.</summary>
public class InferenceFusionEmitTests
{
    private static string RunInference(string source, string hintName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
        string text = run.Source(hintName);
        int start = text.IndexOf("private void RunInference(", StringComparison.Ordinal);
        Assert.True(start >= 0, "no RunInference was generated");
        int end = text.IndexOf("\n        }\n", start, StringComparison.Ordinal);
        return text.Substring(start, end - start);
    }

    private static int Count(string text, string pattern) => Regex.Matches(text, Regex.Escape(pattern)).Count;

    [Fact]
    public void ResNet18_cifar_runs_every_convolution_fused()
    {
        // The stem, 16 block convolutions and 3 projections: all conv → BN → [add] → [ReLU], no separate BN, add or ReLU.
        const string source = """
            using Dsl;
            namespace Dsl.Models;
            [Network(3, 32, 32)]
            [Conv(64, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
            [Stage(depth: 2, width: 64, Stride = 1, Block = typeof(BasicResidual))]
            [Stage(depth: 2, width: 128, Block = typeof(BasicResidual))]
            [Stage(depth: 2, width: 256, Block = typeof(BasicResidual))]
            [Stage(depth: 2, width: 512, Block = typeof(BasicResidual))]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class ResNet18Cifar { }
            """;
        string body = RunInference(source, "Dsl.Models.ResNet18Cifar.g.cs");
        Assert.Equal(20, Count(body, "global::Dsl.Runtime.Conv2d.ForwardInference("));
        Assert.Equal(20, Count(body, "global::Dsl.Runtime.BatchNorm.InferenceScaleShift("));
        // 17 chains end in ReLU (stem and 8 blocks × 2); the 3 projections end at their batch norm.
        Assert.Equal(17, Count(body, "relu: true"));
        Assert.Equal(3, Count(body, "relu: false"));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Conv2d.Forward("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.BatchNorm.ForwardInference("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Activations.Relu("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Merge.Add("));
        Assert.Equal(0, Count(body, "training"));
    }

    [Fact]
    public void A_convolution_without_batch_norm_is_not_fused_but_feeds_a_fused_residual()
    {
        // conv2 has no batch norm, so it keeps its own call; its output, read by the body and the add, is the residual.
        const string source = """
            using Dsl;
            namespace Dsl.Models;
            [Block]
            [Conv(4, 3, Padding = 1, Bias = false), BatchNorm]
            public sealed class Body { }

            [Network(3, 6, 6)]
            [Conv(4, 3, Padding = 1), BatchNorm, ReLU]
            [Conv(4, 3, Padding = 1)]
            [Residual(typeof(Body), Width = 4), ReLU]
            [GlobalAvgPool, Flatten, Dense(2)]
            public partial class TwoReaders { }
            """;
        string body = RunInference(source, "Dsl.Models.TwoReaders.g.cs");
        Assert.Equal(2, Count(body, "global::Dsl.Runtime.Conv2d.ForwardInference("));
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Conv2d.Forward("));
        // The body's conv → BN takes the add (reading conv2's output as the residual) and the ReLU.
        Assert.Equal(2, Count(body, "relu: true"));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Merge.Add("));
    }

    [Fact]
    public void LeNet_runs_each_convolution_relu_pool_and_dense_relu_as_one_call()
    {
        const string source = """
            using Dsl;
            namespace Dsl.Models;
            [Network(1, 28, 28)]
            [Conv(6, 5, Padding = 2), ReLU, MaxPool(2)]
            [Conv(16, 5), ReLU, MaxPool(2)]
            [Flatten, Dense(120), ReLU, Dense(84), ReLU, Dense(10)]
            public partial class LeNetReLU { }
            """;
        string body = RunInference(source, "Dsl.Models.LeNetReLU.g.cs");
        // The convolution's own output buffer is passed as the scratch of the pooling fallback.
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Conv2d.ForwardInference(in s_conv1Geometry, batch, input, Conv1Weight, Conv1Bias, relu: true, maxPool2x2: true, pool1Output, conv1Output);"));
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Conv2d.ForwardInference(in s_conv2Geometry, batch, pool1Output, Conv2Weight, Conv2Bias, relu: true, maxPool2x2: true, pool2Output, conv2Output);"));
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Dense.ForwardInference(flatten1Output, Fc1Weight, Fc1Bias, relu: true, relu3Output, batch, inFeatures: 400, outFeatures: 120);"));
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Dense.ForwardInference(relu3Output, Fc2Weight, Fc2Bias, relu: true, relu4Output, batch, inFeatures: 120, outFeatures: 84);"));
        // The last layer has no ReLU: its plain forward (which adds the bias in the product's stores) stays.
        Assert.Equal(1, Count(body, "global::Dsl.Runtime.Dense.Forward("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Conv2d.Forward("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.Activations.Relu("));
        Assert.Equal(0, Count(body, "global::Dsl.Runtime.MaxPool2d.Forward("));
        Assert.Equal(0, Count(body, "_folded"));
    }

    [Fact]
    public void Only_a_2x2_stride_2_max_pool_joins_a_chain_and_a_value_with_two_readers_ends_it()
    {
        // conv1 → ReLU fuses but its 3×3 pool does not; conv2's pool has stride 1; conv3 → pool fuses without ReLU;
        // fc1's output is read by both branches' ReLUs, so fc1 keeps its own call (and so do those ReLUs); each branch's
        // dense → ReLU fuses; the last dense layer has no ReLU.
        const string source = """
            using Dsl;
            namespace Dsl.Models;
            [Block]
            [ReLU, Dense(6), ReLU]
            public sealed class Head { }

            [Network(2, 16, 16)]
            [Conv(4, 3, Padding = 1), ReLU, MaxPool(3)]
            [Conv(4, 3, Padding = 1), ReLU, MaxPool(2, Stride = 1)]
            [Conv(4, 3, Padding = 1), MaxPool(2)]
            [Flatten, Dense(8)]
            [Parallel(Merge.Add, typeof(Head), typeof(Head))]
            [Dense(3)]
            public partial class PoolKinds { }
            """;
        string body = RunInference(source, "Dsl.Models.PoolKinds.g.cs");
        Assert.Equal(3, Count(body, "global::Dsl.Runtime.Conv2d.ForwardInference("));
        Assert.Equal(2, Count(body, "relu: true, maxPool2x2: false"));
        Assert.Equal(1, Count(body, "relu: false, maxPool2x2: true"));
        Assert.Equal(2, Count(body, "global::Dsl.Runtime.MaxPool2d.Forward("));
        Assert.Equal(2, Count(body, "global::Dsl.Runtime.Dense.Forward("));
        Assert.Equal(2, Count(body, "global::Dsl.Runtime.Dense.ForwardInference("));
        Assert.Equal(2, Count(body, "global::Dsl.Runtime.Activations.Relu("));
    }

    [Fact]
    public void A_network_without_chains_has_no_inference_path()
    {
        // Sigmoid and average pooling: nothing fuses, and Forward runs the layer-by-layer code.
        const string source = """
            using Dsl;
            namespace Dsl.Models;
            [Network(1, 12, 12)]
            [Conv(4, 3), Sigmoid, AvgPool(2)]
            [Flatten, Dense(10), Sigmoid, Dense(3)]
            public partial class SigmoidNet { }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
        string text = run.Source("Dsl.Models.SigmoidNet.g.cs");
        Assert.DoesNotContain("RunInference", text);
        Assert.Contains("RunForward(input, batch, training: false);", text);
    }
}
