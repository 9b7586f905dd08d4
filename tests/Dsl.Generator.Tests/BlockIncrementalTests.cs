using Dsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Caching across files: a network's code depends on the [Block] classes it uses, which may live in other syntax trees.
/// Editing a block must re-emit the networks that use it; an edit that does not change what the block means must not.
/// </summary>
public sealed class BlockIncrementalTests
{
    private const string NetworkPath = "/test/Net.cs";
    private const string BlocksPath = "/test/Blocks.cs";
    private const string OtherPath = "/test/Other.cs";

    private const string Network = """
        using Dsl;
        namespace Demo;

        [Network(3, 8, 8)]
        [Conv(4, 3, Padding = 1), ReLU]
        [Use(typeof(Features)), Residual(typeof(Body), Width = 8), ReLU]
        [GlobalAvgPool, Flatten, Dense(10)]
        public partial class Net { }
        """;

    private const string Blocks = """
        using Dsl;
        namespace Demo;

        [Block]
        [Conv(6, 3, Padding = 1), ReLU]
        public sealed class Features { }

        [Block]
        [Conv(Block.Width, 3, Padding = 1), ReLU, Conv(Block.Width, 1)]
        public sealed class Body { }
        """;

    private const string Other = """
        using Dsl;
        namespace Demo;

        [Network(16)]
        [Dense(8), ReLU, Dense(4)]
        public partial class Unaffected { }
        """;

    private static CSharpCompilation BaseCompilation() => GeneratorHarness.CreateCompilation(
        GeneratorHarness.Parse(Network, NetworkPath),
        GeneratorHarness.Parse(Blocks, BlocksPath),
        GeneratorHarness.Parse(Other, OtherPath));

    private static CSharpCompilation Edit(CSharpCompilation compilation, string path, Func<string, string> edit)
    {
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        string text = edit(old.ToString());
        Assert.NotEqual(old.ToString(), text);
        return compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(text, path));
    }

    /// <summary>The reason of the Source step's output for the network whose generated file is <paramref name="hintName"/>.</summary>
    private static IncrementalStepRunReason SourceReason(GeneratorRun run, string hintName)
    {
        var outputs = run.TrackedSteps[TrackingNames.Source].SelectMany(s => s.Outputs)
            .Where(o => o.Value is GeneratedSource source && source.HintName == hintName)
            .ToList();
        Assert.True(outputs.Count == 1, $"expected one Source output for {hintName}, found {outputs.Count}");
        return outputs[0].Reason;
    }

    private static void AssertCached(IncrementalStepRunReason reason, string what) =>
        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{what} re-ran: {reason}");

    [Fact]
    public void Base_compilation_generates_both_networks()
    {
        var run = GeneratorHarness.Run(BaseCompilation());
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
        Assert.Equal(["Demo.Net.g.cs", "Demo.Unaffected.g.cs"], run.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Changing_a_width_inside_a_block_in_another_file_reemits_the_network()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);
        Assert.Contains("(6, 8, 8)", first.Source("Demo.Net.g.cs"), StringComparison.Ordinal);

        var second = GeneratorHarness.Run(
            Edit(compilation, BlocksPath, s => s.Replace("Conv(6, 3, Padding = 1)", "Conv(12, 3, Padding = 1)", StringComparison.Ordinal)),
            first.Driver);

        Assert.Equal(IncrementalStepRunReason.Modified, SourceReason(second, "Demo.Net.g.cs"));
        AssertCached(SourceReason(second, "Demo.Unaffected.g.cs"), "the network that uses no block");
        string text = second.Source("Demo.Net.g.cs");
        Assert.Contains("(12, 8, 8)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("(6, 8, 8)", text, StringComparison.Ordinal);
        Assert.Empty(second.OutputWarningsAndErrors);
    }

    [Fact]
    public void Changing_a_nested_block_layer_reemits_the_network()
    {
        // Body is the residual's body; its last convolution changes from 1×1 to 3×3 with padding, keeping the shape.
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, BlocksPath, s => s.Replace("Conv(Block.Width, 1)", "Conv(Block.Width, 3, Padding = 1)", StringComparison.Ordinal)),
            first.Driver);

        Assert.Equal(IncrementalStepRunReason.Modified, SourceReason(second, "Demo.Net.g.cs"));
        Assert.NotEqual(first.Source("Demo.Net.g.cs"), second.Source("Demo.Net.g.cs"));
    }

    [Fact]
    public void Breaking_a_block_in_another_file_reports_at_the_use_and_stops_emitting()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, BlocksPath, s => s.Replace("Conv(6, 3, Padding = 1)", "Conv(6, 9)", StringComparison.Ordinal)),
            first.Driver);

        var error = Assert.Single(second.GeneratorDiagnostics);
        Assert.Equal("DSL003", error.Id);
        Assert.Equal(NetworkPath, error.Location.SourceTree!.FilePath);
        var tree = second.Input.SyntaxTrees.Single(t => t.FilePath == NetworkPath);
        Assert.Equal("Use(typeof(Features))", tree.GetText().ToString(error.Location.SourceSpan));
        Assert.DoesNotContain(second.GeneratedSources, s => s.HintName == "Demo.Net.g.cs");
        Assert.Contains(second.GeneratedSources, s => s.HintName == "Demo.Unaffected.g.cs");
    }

    [Fact]
    public void Unrelated_edit_in_the_block_file_leaves_the_network_source_cached()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, BlocksPath, s => s + "\npublic sealed class Helper { public int Value => 1; }\n"),
            first.Driver);

        AssertCached(SourceReason(second, "Demo.Net.g.cs"), "the network's Source");
        AssertCached(SourceReason(second, "Demo.Unaffected.g.cs"), "the other network's Source");
        Assert.Equal(first.Source("Demo.Net.g.cs"), second.Source("Demo.Net.g.cs"));
    }

    [Fact]
    public void Comment_that_shifts_the_block_declarations_leaves_the_network_source_cached()
    {
        // The block's layers move within their file; their locations may flow through the pipeline, the code must not change.
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, BlocksPath, s => "// Blocks shared by the demo networks.\n// Second line.\n" + s.Replace("[Block]\n[Conv(Block.Width", "[Block]\n[Conv(Block.Width  ", StringComparison.Ordinal)),
            first.Driver);

        AssertCached(SourceReason(second, "Demo.Net.g.cs"), "the network's Source");
    }

    [Fact]
    public void Unrelated_edit_in_another_file_leaves_everything_cached()
    {
        var compilation = BaseCompilation().AddSyntaxTrees(GeneratorHarness.Parse("namespace Elsewhere; public sealed class Unrelated { }", "/test/Unrelated.cs"));
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, "/test/Unrelated.cs", s => s.Replace("{ }", "{ public int Added; }", StringComparison.Ordinal)),
            first.Driver);

        foreach (string step in new[] { TrackingNames.Build, TrackingNames.Model, TrackingNames.Source })
        {
            var bad = second.TrackedSteps[step].SelectMany(s => s.Outputs)
                .Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)).ToList();
            Assert.True(bad.Count == 0, $"{step} re-ran: " + string.Join(", ", bad.Select(o => o.Reason)));
        }
    }

    [Fact]
    public void Block_specs_in_step_outputs_hold_no_roslyn_objects()
    {
        var run = GeneratorHarness.Run(BaseCompilation());
        var failures = new List<string>();
        foreach (string name in new[] { TrackingNames.Parse, TrackingNames.Build, TrackingNames.Model, TrackingNames.Source, TrackingNames.Diagnostics })
        {
            var steps = run.TrackedSteps[name];
            for (int s = 0; s < steps.Length; s++)
            {
                for (int o = 0; o < steps[s].Outputs.Length; o++)
                {
                    ForbiddenObjectWalker.Walk(steps[s].Outputs[o].Value, $"{name}[{s}].Outputs[{o}]", failures);
                }
            }
        }
        Assert.True(failures.Count == 0, "pipeline outputs hold Roslyn objects:\n" + string.Join("\n", failures));
    }
}
