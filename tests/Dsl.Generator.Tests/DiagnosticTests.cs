using Microsoft.CodeAnalysis;
using Xunit;
using static Dsl.Generator.Tests.DiagnosticAssert;

namespace Dsl.Generator.Tests;

/// <summary>Each diagnostic the generator can report: ID, severity, exact span, and that its message names the values involved.</summary>
public sealed class DiagnosticTests
{
    // The spans follow CONTEXT.md: an attribute means the AttributeSyntax (name and argument list, no brackets); an
    // argument means the AttributeArgumentSyntax, which for a named argument is the whole "Name = value".

    [Fact]
    public void DSL001_network_class_not_partial_points_at_class_identifier()
    {
        var d = ReportsOne("DSL001", """
            using Dsl;
            namespace Demo;
            [Network(784)]
            [Dense(10)]
            public class [|NotPartial|] { }
            """);
        MessageContains(d, "NotPartial");
    }

    [Fact]
    public void DSL002_network_without_arguments_points_at_attribute()
    {
        ReportsOne("DSL002", """
            using Dsl;
            namespace Demo;
            [[|Network|]]
            [Dense(10)]
            public partial class NoShape { }
            """);
    }

    [Fact]
    public void DSL002_network_with_empty_argument_list_points_at_attribute()
    {
        ReportsOne("DSL002", """
            using Dsl;
            namespace Demo;
            [[|Network()|]]
            [Dense(10)]
            public partial class NoShape { }
            """);
    }

    [Theory]
    [InlineData("28, 28")]
    [InlineData("1, 2, 28, 28")]
    public void DSL002_input_rank_other_than_1_or_3_points_at_attribute(string dims)
    {
        var d = ReportsOne("DSL002", $$"""
            using Dsl;
            namespace Demo;
            [[|Network({{dims}})|]]
            [Dense(10)]
            public partial class WrongRank { }
            """);
        MessageContains(d, $"({dims})");
    }

    [Theory]
    [InlineData("[Network(1, [|0|], 28)]")]
    [InlineData("[Network([|-3|])]")]
    [InlineData("[Network(1, 28, [|-28|])]")]
    public void DSL002_non_positive_dimension_points_at_argument(string network)
    {
        ReportsOne("DSL002", $$"""
            using Dsl;
            namespace Demo;
            {{network}}
            [Flatten, Dense(10)]
            public partial class BadDim { }
            """);
    }

    [Fact]
    public void DSL003_kernel_larger_than_padded_input_points_at_layer()
    {
        var d = ReportsOne("DSL003", """
            using Dsl;
            namespace Demo;
            [Network(1, 4, 4)]
            [[|Conv(6, 5)|], ReLU]
            [Flatten, Dense(10)]
            public partial class TooSmall { }
            """);
        // Layer, input shape, kernel and resulting size (4 - 5 + 1 = 0).
        MessageContains(d, "Conv", "(1, 4, 4)", "5", "0");
    }

    [Fact]
    public void DSL003_padding_counts_towards_the_input()
    {
        // 4 + 2·1 - 7 + 1 = 0: still too small once padded.
        var d = ReportsOne("DSL003", """
            using Dsl;
            namespace Demo;
            [Network(1, 4, 4)]
            [[|Conv(6, 7, Padding = 1)|]]
            [Flatten, Dense(10)]
            public partial class TooSmallPadded { }
            """);
        MessageContains(d, "(1, 4, 4)", "7");
    }

    [Fact]
    public void DSL003_too_many_pools_points_at_the_pool_that_reaches_zero()
    {
        var d = ReportsOne("DSL003", """
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            [MaxPool(2), MaxPool(2), MaxPool(2), [|MaxPool(2)|]]
            [Flatten, Dense(10)]
            public partial class TooManyPools { }
            """);
        MessageContains(d, "MaxPool", "(1, 1, 1)");
    }

    [Fact]
    public void DSL003_avg_pool_window_larger_than_input()
    {
        var d = ReportsOne("DSL003", """
            using Dsl;
            namespace Demo;
            [Network(3, 2, 2)]
            [[|AvgPool(3)|]]
            [Flatten, Dense(10)]
            public partial class PoolTooBig { }
            """);
        MessageContains(d, "AvgPool", "(3, 2, 2)");
    }

    [Theory]
    [InlineData("[Network(784)]", "[Dense([|0|])]")]
    [InlineData("[Network(784)]", "[Dense([|-5|])]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv([|0|], 3), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, [|0|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, 3, [|-1|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, 3, [|Stride = 0|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, 3, [|StrideHeight = -1|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, 3, [|Padding = -1|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[Conv(4, 3, [|PaddingWidth = -2|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[MaxPool([|0|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[AvgPool(2, [|Stride = -1|]), Flatten, Dense(10)]")]
    [InlineData("[Network(1, 8, 8)]", "[MaxPool(2, [|Padding = -1|]), Flatten, Dense(10)]")]
    [InlineData("[Network(784)]", "[Dense(10), Dropout([|1.0|])]")]
    [InlineData("[Network(784)]", "[Dense(10), Dropout([|-0.1|])]")]
    [InlineData("[Network(784)]", "[Dense(10), Dropout([|1.5|])]")]
    public void DSL004_invalid_hyperparameter_points_at_argument(string network, string layers)
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
    public void DSL004_message_names_layer_argument_requirement_and_value()
    {
        var d = ReportsOne("DSL004", """
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            [Conv(4, 3), ReLU, MaxPool(2, [|Stride = -1|]), Flatten, Dense(10)]
            public partial class BadStride { }
            """);
        MessageContains(d, "MaxPool(2, Stride = -1)", "layer 3", "Stride", "-1");
    }

    [Fact]
    public void DSL002_message_names_the_declared_shape()
    {
        var d = ReportsOne("DSL002", """
            using Dsl;
            namespace Demo;
            [Network(1, [|0|], 28)]
            [Flatten, Dense(10)]
            public partial class ZeroHeight { }
            """);
        MessageContains(d, "(1, 0, 28)", "height");
    }

    [Fact]
    public void DSL009_network_must_end_flat_for_the_classification_loss()
    {
        // Not in the original list of rules; the generator adds it because TrainStep's softmax needs class scores.
        var run = GeneratorHarness.Run("""
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            [Conv(2, 3), ReLU]
            public partial class EndsOnMap { }
            """);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DSL009", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        MessageContains(d, "(2, 6, 6)");
        Assert.Empty(run.GeneratedSources);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Fact]
    public void DSL010_user_defined_layer_attribute_is_reported_not_ignored()
    {
        var marked = MarkedSource.Parse("""
            using Dsl;
            namespace Demo;
            public sealed class MyLayerAttribute : LayerAttribute { }
            [Network(4)]
            [[|MyLayer|], Dense(2)]
            public partial class Custom { }
            """);
        var run = GeneratorHarness.Run(marked.Text);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DSL010", d.Id);
        Assert.Equal(marked.Spans[0].Span, d.Location.SourceSpan);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Theory]
    [InlineData("[Dense(10), Dropout(0.0)]")]
    [InlineData("[Dense(10), Dropout(0.999)]")]
    public void Dropout_in_half_open_unit_interval_is_accepted(string layers)
    {
        var run = GeneratorHarness.Run($$"""
            using Dsl;
            namespace Demo;
            [Network(784)]
            {{layers}}
            public partial class GoodDropout { }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Fact]
    public void DSL005_dense_on_feature_map_names_shape_and_suggests_flatten()
    {
        var d = ReportsOne("DSL005", """
            using Dsl;
            namespace Demo;
            [Network(1, 28, 28)]
            [Conv(6, 5, Padding = 2), Sigmoid, AvgPool(2)]
            [Conv(16, 5), Sigmoid, AvgPool(2)]
            [[|Dense(120)|], Sigmoid, Dense(84), Sigmoid, Dense(10)]
            public partial class LeNetWithoutFlatten { }
            """);
        MessageContains(d, "Dense(120)", "(16, 5, 5)", "[Flatten]");
    }

    [Fact]
    public void DSL005_dense_directly_on_image_input()
    {
        var d = ReportsOne("DSL005", """
            using Dsl;
            namespace Demo;
            [Network(1, 28, 28)]
            [[|Dense(10)|]]
            public partial class ImageToDense { }
            """);
        MessageContains(d, "(1, 28, 28)", "[Flatten]");
    }

    [Fact]
    public void DSL006_layer_attribute_without_network_points_at_layer()
    {
        ReportsOne("DSL006", """
            using Dsl;
            namespace Demo;
            [[|Dense(10)|]]
            public partial class Forgotten { }
            """);
    }

    [Fact]
    public void DSL006_every_orphan_layer_is_on_a_layer_attribute()
    {
        var run = GeneratorHarness.Run("""
            using Dsl;
            namespace Demo;
            [Flatten, Dense(10), ReLU]
            public partial class Forgotten { }
            """);
        var orphans = run.GeneratorDiagnostics.Where(d => d.Id == "DSL006").ToList();
        Assert.NotEmpty(orphans);
        var source = run.Input.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.SourcePath).ToString();
        Assert.All(orphans, d => Assert.Contains(
            source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length), new[] { "Flatten", "Dense(10)", "ReLU" }));
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void DSL007_conv_on_flat_input_names_expected_and_actual_shape()
    {
        var d = ReportsOne("DSL007", """
            using Dsl;
            namespace Demo;
            [Network(784)]
            [[|Conv(6, 5)|], ReLU]
            [Flatten, Dense(10)]
            public partial class ConvOnVector { }
            """);
        MessageContains(d, "(C, H, W)", "(784)");
    }

    [Fact]
    public void DSL007_pool_after_flatten()
    {
        var d = ReportsOne("DSL007", """
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            [Flatten, [|MaxPool(2)|], Dense(10)]
            public partial class PoolOnVector { }
            """);
        MessageContains(d, "(C, H, W)", "(64)");
    }

    [Fact]
    public void DSL008_network_without_layers_points_at_network_attribute()
    {
        ReportsOne("DSL008", """
            using Dsl;
            namespace Demo;
            [[|Network(1, 28, 28)|]]
            public partial class Empty { }
            """);
    }

    [Fact]
    public void Diagnostics_from_several_networks_in_one_file_are_each_reported()
    {
        Reports("""
            using Dsl;
            namespace Demo;
            [Network(784)]
            [Dense({|DSL004:0|})]
            public partial class A { }

            [Network(1, 8, 8)]
            [{|DSL005:Dense(10)|}]
            public partial class B { }

            [{|DSL006:ReLU|}]
            public partial class C { }
            """);
    }

    [Fact]
    public void Pragma_warning_disable_suppresses_a_dsl_error()
    {
        // Analyzer and generator errors (unlike the compiler's own) are configurable, so #pragma reaches them as
        // long as the generator reports them with a Location in the user's syntax tree.
        var source = """
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            #pragma warning disable DSL005 // deliberately wrong, to test suppression
            [Dense(10)]
            #pragma warning restore DSL005
            public partial class Suppressed { }

            [Network(1, 8, 8)]
            [Dense(10)]
            public partial class NotSuppressed { }
            """;
        var run = GeneratorHarness.Run(source);
        var dsl005 = run.GeneratorDiagnostics.Where(d => d.Id == "DSL005").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, dsl005.Count);
        Assert.All(dsl005, d => Assert.Same(run.Input.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.SourcePath), d.Location.SourceTree));

        var filtered = dsl005.Select(d => GeneratorHarness.FilterAsCompilerWould(run.Output, d)).ToList();
        Assert.True(filtered[0] is null || filtered[0]!.IsSuppressed, "the DSL005 inside #pragma warning disable was not suppressed");
        Assert.True(filtered[1] is { IsSuppressed: false, Severity: DiagnosticSeverity.Error }, "the DSL005 outside the pragma must stay an error");
    }

    [Theory]
    [InlineData(ReportDiagnostic.Suppress, null)]
    [InlineData(ReportDiagnostic.Warn, DiagnosticSeverity.Warning)]
    public void Severity_can_be_configured_like_any_analyzer_rule(ReportDiagnostic option, DiagnosticSeverity? expected)
    {
        // What dotnet_diagnostic.DSL005.severity in .editorconfig or <NoWarn> turn into. (Checked once against a real
        // dotnet build too: with severity = warning the build succeeds and prints "warning DSL005".)
        var run = GeneratorHarness.Run("""
            using Dsl;
            namespace Demo;
            [Network(1, 8, 8)]
            [Dense(10)]
            public partial class Configured { }
            """);
        var diagnostic = run.GeneratorDiagnostics.Single(d => d.Id == "DSL005");
        var configured = run.Output.WithOptions(run.Output.Options.WithSpecificDiagnosticOptions([new("DSL005", option)]));

        var filtered = GeneratorHarness.FilterAsCompilerWould(configured, diagnostic);
        Assert.Equal(expected, filtered is null || filtered.IsSuppressed ? null : filtered.Severity);
    }

    [Fact]
    public void Diagnostic_ids_are_declared_once_with_help_links()
    {
        // Every rule is reachable from some source above; this checks the descriptors they come from are consistent.
        var run = GeneratorHarness.Run("""
            using Dsl;
            namespace Demo;
            [Network(784)] [Dense(10)] public class A { }
            [Network] [Dense(10)] public partial class B { }
            [Network(1, 4, 4)] [Conv(2, 5), Flatten, Dense(10)] public partial class C { }
            [Network(784)] [Dense(0)] public partial class D { }
            [Network(1, 4, 4)] [Dense(10)] public partial class E { }
            [ReLU] public partial class F { }
            [Network(784)] [Conv(2, 3), Flatten, Dense(10)] public partial class G { }
            [Network(784)] public partial class H { }
            """);
        var ids = run.GeneratorDiagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["DSL001", "DSL002", "DSL003", "DSL004", "DSL005", "DSL006", "DSL007", "DSL008"], ids);
        foreach (var d in run.GeneratorDiagnostics)
        {
            Assert.EndsWith($"docs/diagnostics/{d.Id}.md", d.Descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(d.Descriptor.Title.ToString()));
        }
    }
}
