using Microsoft.CodeAnalysis;
using Xunit;
using static Dsl.Generator.Tests.DiagnosticAssert;

namespace Dsl.Generator.Tests;

/// <summary>BatchNorm, LayerNorm, GlobalAvgPool and AdaptiveAvgPool through the generator: diagnostics, emitted code, summary.</summary>
public sealed class NormalizationLayerTests
{
    [Theory]
    [InlineData("[Network(16)]", "[Dense(8), BatchNorm([|Momentum = 1.5|]), Dense(2)]")]
    [InlineData("[Network(16)]", "[Dense(8), BatchNorm([|Momentum = -0.1|]), Dense(2)]")]
    [InlineData("[Network(16)]", "[Dense(8), BatchNorm([|Epsilon = 0|]), Dense(2)]")]
    [InlineData("[Network(16)]", "[Dense(8), BatchNorm(Momentum = 0.5, [|Epsilon = -1e-5|]), Dense(2)]")]
    [InlineData("[Network(16)]", "[LayerNorm([|Epsilon = 0.0|]), Dense(2)]")]
    [InlineData("[Network(2, 8, 8)]", "[AdaptiveAvgPool([|0|]), Flatten, Dense(2)]")]
    [InlineData("[Network(2, 8, 8)]", "[AdaptiveAvgPool([|-2|], 3), Flatten, Dense(2)]")]
    [InlineData("[Network(2, 8, 8)]", "[AdaptiveAvgPool(3, [|0|]), Flatten, Dense(2)]")]
    public void DSL004_invalid_norm_or_pool_argument_points_at_argument(string network, string layers)
    {
        ReportsOne("DSL004", $$"""
            using Dsl;
            namespace Demo;
            {{network}}
            {{layers}}
            public partial class BadHyperparameter { }
            """);
    }

    [Fact]
    public void DSL004_momentum_message_names_layer_argument_requirement_and_value()
    {
        var d = ReportsOne("DSL004", """
            using Dsl;
            namespace Demo;
            [Network(16)]
            [Dense(8), BatchNorm([|Momentum = 2.0|]), Dense(2)]
            public partial class BadMomentum { }
            """);
        MessageContains(d, "BatchNorm(Momentum = 2.0)", "layer 2", "Momentum", "[0, 1]", "2");
    }

    [Fact]
    public void DSL004_square_adaptive_size_is_reported_once_as_size()
    {
        var d = ReportsOne("DSL004", """
            using Dsl;
            namespace Demo;
            [Network(2, 8, 8)]
            [AdaptiveAvgPool([|0|]), Flatten, Dense(2)]
            public partial class BadSize { }
            """);
        MessageContains(d, "AdaptiveAvgPool(0)", "Size", "positive");
    }

    [Fact]
    public void Both_invalid_adaptive_sizes_are_reported()
    {
        Reports("""
            using Dsl;
            namespace Demo;
            [Network(2, 8, 8)]
            [AdaptiveAvgPool([|0|], [|-1|]), Flatten, Dense(2)]
            public partial class BadSizes { }
            """, "DSL004");
    }

    [Theory]
    [InlineData("[[|GlobalAvgPool|], Dense(2)]")]
    [InlineData("[[|AdaptiveAvgPool(2)|], Dense(2)]")]
    [InlineData("[Dense(4), [|AdaptiveAvgPool(1, 2)|], Dense(2)]")]
    public void DSL007_average_pooling_on_flat_input_points_at_attribute(string layers)
    {
        var d = ReportsOne("DSL007", $$"""
            using Dsl;
            namespace Demo;
            [Network(16)]
            {{layers}}
            public partial class PoolOnVector { }
            """);
        MessageContains(d, "(C, H, W)");
    }

    [Fact]
    public void DSL005_global_average_pooling_keeps_a_feature_map_so_dense_needs_flatten()
    {
        var d = ReportsOne("DSL005", """
            using Dsl;
            namespace Demo;
            [Network(3, 8, 8)]
            [Conv(4, 3), BatchNorm, ReLU, GlobalAvgPool, [|Dense(2)|]]
            public partial class NoFlatten { }
            """);
        MessageContains(d, "(4, 1, 1)", "[Flatten]");
    }

    public static TheoryData<string, string> Networks => new()
    {
        { "batch norm 1d", "[Network(16)] [Dense(8), BatchNorm, ReLU, Dense(2)]" },
        { "batch norm first", "[Network(16)] [BatchNorm(Momentum = 0.01, Epsilon = 1e-3), Dense(2)]" },
        { "batch norm 2d", "[Network(3, 8, 8)] [Conv(4, 3, Bias = false), BatchNorm, ReLU, MaxPool(2), Flatten, Dense(2)]" },
        { "layer norm flat and map", "[Network(2, 6, 6)] [LayerNorm, Conv(3, 3), LayerNorm(Epsilon = 1e-6), Flatten, Dense(5), LayerNorm, Dense(2)]" },
        { "global pool head", "[Network(3, 9, 9)] [Conv(8, 3, Padding = 1), BatchNorm, ReLU, GlobalAvgPool, Flatten, Dense(4)]" },
        { "adaptive pools", "[Network(2, 7, 5)] [Conv(4, 2), ReLU, AdaptiveAvgPool(3), AdaptiveAvgPool(4, 2), Flatten, Dense(3)]" },
        { "everything with dropout", "[Network(3, 12, 12)] [Conv(4, 3), BatchNorm, PReLU, Dropout(0.2), AdaptiveAvgPool(5, 4), Conv(6, 2), LayerNorm, ReLU, GlobalAvgPool, Flatten, Dense(8), BatchNorm, Dropout(0.5), Dense(3)]" },
        { "pool before any parameter", "[Network(2, 8, 8)] [GlobalAvgPool, AdaptiveAvgPool(1), Flatten, BatchNorm, Dense(2)]" },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_with_new_layers_generates_code_that_compiles_without_warnings(string name, string declaration)
    {
        var run = GeneratorHarness.Run($"using Dsl;\nnamespace Demo;\n{declaration}\npublic partial class Net {{ }}\n");

        Assert.True(run.GeneratorDiagnostics.IsEmpty, $"{name}: " + string.Join("\n", run.GeneratorDiagnostics));
        Assert.Single(run.GeneratedSources);
        var problems = run.OutputWarningsAndErrors.ToList();
        Assert.True(problems.Count == 0,
            $"{name}:\n" + string.Join("\n", problems) + "\n\n" + run.GeneratedSources[0].SourceText);
        Assert.NotEmpty(GeneratorHarness.Emit(run.Output));
    }

    [Fact]
    public void Norm_network_compiles_with_csharp_9_and_without_implicit_usings()
    {
        var parse = new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp9);
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("""
            using Dsl;
            namespace Demo
            {
                [Network(3, 10, 10)]
                [Conv(4, 3), BatchNorm, ReLU, AdaptiveAvgPool(2, 3), LayerNorm, GlobalAvgPool, Flatten, Dense(6), BatchNorm, Dense(2)]
                public partial class Old { }
            }
            """, parse, "/test/Old.cs");
        var compilation = GeneratorHarness.CreateCompilation(implicitUsings: false, tree);
        GeneratorHarness.CreateDriver(parse).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);

        Assert.Empty(diagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
    }

    [Fact]
    public void Comment_that_shifts_a_norm_network_does_not_reemit_its_source()
    {
        // The plan now carries buffers; they must compare by value or every edit would re-emit the network.
        const string path = "/test/NormNet.cs";
        const string source = """
            using Dsl;
            namespace Demo;
            [Network(3, 8, 8)]
            [Conv(4, 3), BatchNorm, ReLU, AdaptiveAvgPool(2), LayerNorm, GlobalAvgPool, Flatten, Dense(2)]
            public partial class Net { }
            """;
        var compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.Parse(source, path));
        var first = GeneratorHarness.Run(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(t => t.FilePath == path),
            GeneratorHarness.Parse("// a header comment\n\n" + source, path));
        var second = GeneratorHarness.Run(edited, first.Driver);

        var reasons = second.TrackedSteps["Source"].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Batch_norm_switches_on_the_training_flag_and_keeps_running_statistics_in_buffers()
    {
        string source = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(16)] [Dense(8), BatchNorm, Dense(2)] public partial class Net { }")
            .Source("Demo.Net.g.cs");
        Assert.Contains("if (training)", source, StringComparison.Ordinal);
        Assert.Contains("BatchNorm.ForwardTraining(", source, StringComparison.Ordinal);
        Assert.Contains("BatchNorm.ForwardInference(", source, StringComparison.Ordinal);
        Assert.Contains("BatchNorm.Backward(", source, StringComparison.Ordinal);
        Assert.Contains("\"bn1.running_mean\"", source, StringComparison.Ordinal);
        Assert.Contains("public const int BufferCount = 16;", source, StringComparison.Ordinal);
        Assert.Contains("public global::System.Span<float> Buffer(string name)", source, StringComparison.Ordinal);
        Assert.DoesNotContain("_parameters, 0, 0", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Networks_without_buffers_have_no_buffer_members()
    {
        string source = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(16)] [Dense(8), LayerNorm, Dense(2)] public partial class Net { }")
            .Source("Demo.Net.g.cs");
        Assert.DoesNotContain("_buffers", source, StringComparison.Ordinal);
        Assert.DoesNotContain("BufferInfos", source, StringComparison.Ordinal);
        Assert.Contains("LayerNorm.Forward(", source, StringComparison.Ordinal);
    }

    private static string Row(string layer, string shape, string parameters, string flops)
        => $"{layer}{shape}{parameters}{flops}".Replace(" ", "", StringComparison.Ordinal);

    [Fact]
    public void Summary_counts_parameters_and_flops_of_the_new_layers()
    {
        string source = GeneratorHarness.Run("""
            using Dsl; namespace Demo;
            [Network(2, 7, 5)]
            [Conv(4, 2), BatchNorm, AdaptiveAvgPool(3, 2), LayerNorm, GlobalAvgPool, Flatten, Dense(3)]
            public partial class Net { }
            """).Source("Demo.Net.g.cs");
        // conv1 (4, 6, 4); bn1: 2·4 parameters, 2 per element; pool1: rows [0,2), [2,4), [4,6) by columns [0,2), [2,4),
        // 6·4 bin elements per channel; ln1 over (4, 3, 2): 2·24 parameters, 4 per element; pool2: one addition per input.
        string squeezed = source.Replace(" ", "", StringComparison.Ordinal);
        Assert.Contains(Row("bn1 (BatchNorm)", "(4, 6, 4)", "8", "192"), squeezed, StringComparison.Ordinal);
        Assert.Contains(Row("pool1 (AdaptiveAvgPool)", "(4, 3, 2)", "0", "96"), squeezed, StringComparison.Ordinal);
        Assert.Contains(Row("ln1 (LayerNorm)", "(4, 3, 2)", "48", "96"), squeezed, StringComparison.Ordinal);
        Assert.Contains(Row("pool2 (GlobalAvgPool)", "(4, 1, 1)", "0", "24"), squeezed, StringComparison.Ordinal);
    }
}
