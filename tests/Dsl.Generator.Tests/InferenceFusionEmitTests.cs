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
}
