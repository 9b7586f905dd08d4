using Microsoft.CodeAnalysis;
using Xunit;
using static Dsl.Generator.Tests.DiagnosticAssert;

namespace Dsl.Generator.Tests;

/// <summary>
/// The diagnostics of blocks (DSL011–DSL014, and DSL004 on block arguments): ID, severity, exact span and the values
/// the message names. An error inside a block points at the network attribute that uses it and says where in the
/// block it arose, since the block's own declaration is right for other uses.
/// </summary>
public sealed class BlockDiagnosticTests
{
    // Blocks the tests share: a 1×1 convolution of 4 or 8 channels, one of the use's width, and TwoConvs of
    // Dsl.Models.Tests (3×3 convolutions of the use's width, the first with its stride).
    private const string Blocks = """
        [Block] [Conv(4, 1)] public sealed class Four { }
        [Block] [Conv(8, 1)] public sealed class Eight { }
        [Block] [Conv(Block.Width, 3, Padding = 1)] public sealed class Widen { }
        [Block] [Conv(4, 3)] public sealed class Shrink { }
        [Block]
        [Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride), ReLU]
        [Conv(Block.Width, 3, Padding = 1)]
        public sealed class TwoConvs { }
        """;

    private static string Source(string network) => "using Dsl;\nnamespace Demo;\n" + Blocks + "\n" + network;

    // ---- DSL011: added shapes differ --------------------------------------------------------------------------

    [Fact]
    public void DSL011_parallel_add_of_branches_with_different_shapes_names_both()
    {
        var d = ReportsOne("DSL011", Source("""
            [Network(3, 8, 8)]
            [[|Parallel(Merge.Add, typeof(Four), typeof(Eight))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Parallel(Merge.Add, typeof(Four), typeof(Eight))", "(layer 1)",
            "branch 1 (Four) (4, 8, 8)", "branch 2 (Eight) (8, 8, 8)", "[Residual]");
    }

    [Fact]
    public void DSL011_parallel_add_of_an_identity_and_a_branch_that_widens()
    {
        var d = ReportsOne("DSL011", Source("""
            [Network(3, 8, 8)]
            [Conv(4, 1)]
            [[|Parallel(Merge.Add, typeof(Identity), typeof(Eight))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "(layer 2)", "branch 1 (Identity) (4, 8, 8)", "branch 2 (Eight) (8, 8, 8)");
    }

    [Fact]
    public void DSL011_identity_shortcut_around_a_body_that_changes_the_shape()
    {
        var d = ReportsOne("DSL011", Source("""
            [Network(3, 8, 8)]
            [Conv(4, 3, Padding = 1)]
            [[|Residual(typeof(Widen), Width = 8, Shortcut = Shortcut.Identity)|], ReLU]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "(layer 2)", "body (8, 8, 8) and shortcut (4, 8, 8)", "remove Shortcut = Shortcut.Identity");
    }

    [Fact]
    public void DSL011_residual_whose_body_flattens()
    {
        var d = ReportsOne("DSL011", Source("""
            [Block] [Flatten, Dense(16)] public sealed class Classifier { }

            [Network(4, 2, 2)]
            [[|Residual(typeof(Classifier))|]]
            [Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "(layer 1)", "body (16) and shortcut (4, 2, 2)", "Flatten");
    }

    [Fact]
    public void DSL011_residual_whose_body_shrinks_by_no_stride()
    {
        // 8 → 6 (3×3 without padding): no 1×1 convolution with one stride maps 8 to 6, so no projection fits.
        var d = ReportsOne("DSL011", Source("""
            [Network(3, 8, 8)]
            [[|Residual(typeof(Shrink))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "body (4, 6, 6) and shortcut (3, 8, 8)", "stride");
    }

    // ---- DSL012: concatenated spatial sizes differ ------------------------------------------------------------

    [Fact]
    public void DSL012_parallel_concat_of_branches_with_different_spatial_sizes_names_each_shape()
    {
        var d = ReportsOne("DSL012", Source("""
            [Network(3, 8, 8)]
            [[|Parallel(Merge.Concat, typeof(Four), typeof(Shrink), typeof(Identity))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "(layer 1)", "branch 1 (Four) (4, 8, 8)", "branch 2 (Shrink) (4, 6, 6)", "branch 3 (Identity) (3, 8, 8)",
            "same stride and padding");
    }

    [Fact]
    public void DSL012_concat_of_flat_branches_needs_feature_maps()
    {
        // Concatenation is along channels, so a flat branch is not a (C, H, W) map: the map rule (DSL007) applies.
        var diagnostics = Reports(Source("""
            [Network(8)]
            [{|DSL007:Parallel(Merge.Concat, typeof(Identity), typeof(Identity))|}]
            [Dense(10)]
            public partial class Net { }
            """));
        Assert.Single(diagnostics);
    }

    // ---- DSL013: groups do not divide the channels ------------------------------------------------------------

    [Fact]
    public void DSL013_groups_not_dividing_the_input_channels_points_at_groups()
    {
        var d = ReportsOne("DSL013", """
            using Dsl;
            namespace Demo;
            [Network(3, 8, 8)]
            [Conv(8, 3, [|Groups = 2|])]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """);
        MessageContains(d, "Conv(8, 3, Groups = 2) (layer 1)", "Groups = 2", "input has 3 channels", "(3, 8, 8)");
    }

    [Fact]
    public void DSL013_groups_not_dividing_the_output_channels_points_at_groups()
    {
        var d = ReportsOne("DSL013", """
            using Dsl;
            namespace Demo;
            [Network(8, 8, 8)]
            [Conv(6, 3, [|Groups = 4|])]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """);
        MessageContains(d, "Groups = 4", "6 output channels");
    }

    [Fact]
    public void DSL013_stage_group_width_not_dividing_the_bottleneck_points_at_group_width()
    {
        var d = ReportsOne("DSL013", """
            using Dsl;
            namespace Demo;
            [Network(3, 8, 8)]
            [Conv(8, 3, Padding = 1)]
            [Stage(1, 12, BottleneckRatio = 0.5, [|GroupWidth = 4|])]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """);
        // 12 × 0.5 = 6 channels inside, which groups of 4 do not divide.
        MessageContains(d, "(layer 2)", "bottleneck width 6", "Width 12", "BottleneckRatio 0.5", "GroupWidth = 4");
    }

    [Fact]
    public void DSL013_groups_from_the_use_inside_a_block_point_at_the_use()
    {
        var d = ReportsOne("DSL013", Source("""
            [Block] [Conv(Block.Width, 3, Padding = 1, Groups = Block.Groups)] public sealed class Grouped { }

            [Network(3, 8, 8)]
            [Conv(8, 1)]
            [[|Use(typeof(Grouped), Width = 8, Groups = 3)|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "in grouped1", "(layer 2)", "Groups = 3", "input has 8 channels");
    }

    // ---- DSL014: invalid block --------------------------------------------------------------------------------

    [Fact]
    public void DSL014_typeof_a_class_without_block_attribute()
    {
        var d = ReportsOne("DSL014", Source("""
            public sealed class Plain { }

            [Network(3, 8, 8)]
            [[|Use(typeof(Plain))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Use(typeof(Plain)) (layer 1)", "'Plain' is not a block", "[Block]");
    }

    [Fact]
    public void DSL014_parallel_branch_without_block_attribute()
    {
        var d = ReportsOne("DSL014", Source("""
            public sealed class Plain { }

            [Network(3, 8, 8)]
            [[|Parallel(Merge.Add, typeof(Identity), typeof(Plain))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "'Plain' is not a block");
    }

    [Fact]
    public void DSL014_block_that_uses_itself()
    {
        var d = ReportsOne("DSL014", Source("""
            [Block] [ReLU, Use(typeof(Loop))] public sealed class Loop { }

            [Network(3, 8, 8)]
            [[|Use(typeof(Loop))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "'Loop' uses itself (Loop → Loop)");
    }

    [Fact]
    public void DSL014_blocks_that_use_each_other()
    {
        var d = ReportsOne("DSL014", Source("""
            [Block] [ReLU, Residual(typeof(Pong))] public sealed class Ping { }
            [Block] [Tanh, Use(typeof(Ping))] public sealed class Pong { }

            [Network(3, 8, 8)]
            [[|Use(typeof(Ping))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "'Ping' uses itself (Ping → Pong → Ping)");
    }

    [Fact]
    public void DSL014_a_recursive_block_is_reported_once_per_use_not_once_per_level()
    {
        var diagnostics = Reports(Source("""
            [Block] [ReLU, Use(typeof(Loop))] public sealed class Loop { }

            [Network(3, 8, 8)]
            [{|DSL014:Use(typeof(Loop))|}, {|DSL014:Stage(1, 4, Block = typeof(Loop))|}]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.Equal(2, diagnostics.Count);
    }

    [Fact]
    public void DSL014_block_width_in_a_block_whose_use_sets_no_width()
    {
        // Reported once for each layer of the block that needs the value (both at the use), each naming its layer.
        var diagnostics = Reports(Source("""
            [Network(3, 8, 8)]
            [{|DSL014:{|DSL014:Use(typeof(TwoConvs))|}|}]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.Equal(2, diagnostics.Count);
        MessageContains(diagnostics[0], "Use(typeof(TwoConvs)) (layer 1)", "in twoConvs1", "uses Block.Width", "sets no Width", "Width = 64");
        var messages = diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(messages, m => m.Contains("Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride) in twoConvs1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Conv(Block.Width, 3, Padding = 1) in twoConvs1", StringComparison.Ordinal));
    }

    [Fact]
    public void DSL014_bottleneck_width_unset_in_a_residual_body()
    {
        // Bottleneck's body reads Block.BottleneckWidth in its first two convolutions.
        var diagnostics = Reports(Source("""
            [Network(3, 8, 8)]
            [{|DSL014:{|DSL014:Use(typeof(Bottleneck), Width = 8)|}|}]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.All(diagnostics, d => MessageContains(d, "in bottleneck1.residual1", "uses Block.BottleneckWidth", "sets no BottleneckWidth"));
    }

    [Fact]
    public void DSL014_a_layer_with_two_unset_placeholders_is_reported_once()
    {
        var d = ReportsOne("DSL014", Source("""
            [Block] [Conv(Block.Width, 3, Stride = 1, Groups = 1, Padding = Block.BottleneckWidth)] public sealed class TwoHoles { }

            [Network(3, 8, 8)]
            [[|Use(typeof(TwoHoles))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "uses Block.Width");
    }

    [Fact]
    public void DSL014_placeholder_used_directly_in_a_network_points_at_the_argument()
    {
        var d = ReportsOne("DSL014", """
            using Dsl;
            namespace Demo;
            [Network(3, 8, 8)]
            [Conv([|Block.Width|], 3)]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """);
        MessageContains(d, "Conv(Block.Width, 3) (layer 1)", "Block.Width is a placeholder for [Block] classes", "write the value");
    }

    [Fact]
    public void DSL014_parallel_with_one_branch()
    {
        var d = ReportsOne("DSL014", Source("""
            [Network(3, 8, 8)]
            [[|Parallel(Merge.Add, typeof(Four))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "at least two branches but has 1");
    }

    [Fact]
    public void DSL014_parallel_without_branches()
    {
        var d = ReportsOne("DSL014", Source("""
            [Network(3, 8, 8)]
            [[|Parallel(Merge.Concat)|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "has 0");
    }

    [Fact]
    public void DSL014_stage_whose_block_is_its_own_network()
    {
        var d = ReportsOne("DSL014", Source("""
            [Block] [Stage(1, 4, Block = typeof(StageLoop))] public sealed class StageLoop { }

            [Network(3, 8, 8)]
            [[|Stage(1, 4, Block = typeof(StageLoop))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "'StageLoop' uses itself (StageLoop → StageLoop)");
    }

    [Fact]
    public void DSL014_blocks_nested_too_deep()
    {
        // A chain of 20 blocks, each using the next: not a cycle, but past the nesting limit that guards the stack.
        string chain = string.Join("\n", Enumerable.Range(0, 20).Select(i => $"[Block] [Use(typeof(Level{i + 1}))] public sealed class Level{i} {{ }}"))
            + "\n[Block] [ReLU] public sealed class Level20 { }";
        var d = ReportsOne("DSL014", Source(chain + """

            [Network(3, 8, 8)]
            [[|Use(typeof(Level0))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "nest more than 16 deep");
    }

    [Fact]
    public void Deep_but_legal_nesting_expands()
    {
        string chain = string.Join("\n", Enumerable.Range(0, 10).Select(i => $"[Block] [Use(typeof(Level{i + 1}))] public sealed class Level{i} {{ }}"))
            + "\n[Block] [Conv(Block.Width, 1), ReLU] public sealed class Level10 { }";
        var run = GeneratorHarness.Run(Source(chain + """

            [Network(3, 8, 8)]
            [Use(typeof(Level0), Width = 4)]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
        // Scope names are the block name, lower-cased first, and a counter: Level0's first use is "level01".
        Assert.Contains("level01.level11.level21.level31.level41.level51.level61.level71.level81.level91.level101.conv1",
            run.Source("Demo.Net.g.cs"), StringComparison.Ordinal);
    }

    // ---- DSL004 on block arguments ----------------------------------------------------------------------------

    [Theory]
    [InlineData("Stage([|0|], 8)", "Depth must be positive but is 0")]
    [InlineData("Stage(1, [|-8|])", "Width must be positive but is -8")]
    [InlineData("Stage(1, 8, [|Stride = 0|])", "Stride must be positive but is 0")]
    [InlineData("Stage(1, 8, [|BottleneckRatio = 0|])", "BottleneckRatio must be positive")]
    [InlineData("Stage(1, 8, [|GroupWidth = -1|])", "GroupWidth must be zero (one group) or positive but is -1")]
    [InlineData("Use(typeof(TwoConvs), [|Width = -4|])", "Width must be positive but is -4")]
    [InlineData("Residual(typeof(TwoConvs), Width = 4, [|Stride = -2|])", "Stride must be positive but is -2")]
    [InlineData("Parallel(Merge.Add, typeof(Identity), typeof(Identity), [|Groups = -1|])", "Groups must be positive but is -1")]
    [InlineData("Inception([|0|], 2, 3, 1, 2, 2)", "C1 must be positive but is 0")]
    [InlineData("Inception(2, 2, 3, 1, 2, [|-1|])", "C4 must be positive but is -1")]
    [InlineData("DenseBlock(2, [|0|])", "Growth must be positive but is 0")]
    [InlineData("DenseBlock([|0|], 4)", "Convs must be positive but is 0")]
    [InlineData("DenseBlock(2, 4, [|BottleneckWidth = -1|])", "BottleneckWidth must be zero or positive but is -1")]
    [InlineData("Transition([|0|])", "Channels must be positive but is 0")]
    [InlineData("VggBlock(1, [|0|])", "Channels must be positive but is 0")]
    [InlineData("NiNBlock(4, [|0|])", "KernelHeight must be positive but is 0")]
    public void DSL004_block_argument_out_of_range_points_at_the_argument(string layer, string message)
    {
        var d = ReportsOne("DSL004", Source($$"""
            [Network(3, 8, 8)]
            [{{layer}}]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "(layer 1)", message);
    }

    [Fact]
    public void DSL004_every_bad_block_argument_is_reported_at_once()
    {
        Reports(Source("""
            [Network(3, 8, 8)]
            [Inception([|0|], 2, [|0|], 1, 2, 2)]
            [Stage([|0|], [|0|])]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """), "DSL004");
    }

    // ---- errors inside a block point at the use -----------------------------------------------------------------

    [Fact]
    public void Shape_error_inside_a_used_block_points_at_the_use_and_names_the_block()
    {
        var d = ReportsOne("DSL003", Source("""
            [Block] [Conv(4, 9)] public sealed class Big { }

            [Network(3, 8, 8)]
            [ReLU, [|Use(typeof(Big))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Conv(4, 9) in big1", "(layer 2)", "(3, 8, 8)");
    }

    [Fact]
    public void Dense_on_a_feature_map_inside_a_residual_body_names_residual1()
    {
        var d = ReportsOne("DSL005", Source("""
            [Block] [ReLU, Dense(10)] public sealed class Head { }

            [Network(3, 8, 8)]
            [[|Residual(typeof(Head))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Dense(10) in residual1", "(3, 8, 8)");
    }

    [Fact]
    public void Error_deep_in_a_stage_points_at_the_stage_and_names_the_nested_path()
    {
        // The stage's second block gets the stride-2 output; the error is in its residual's body, three levels down.
        var d = ReportsOne("DSL013", Source("""
            [Block] [Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride, Groups = 3)] public sealed class GroupedBody { }
            [Block] [Residual(typeof(GroupedBody)), ReLU] public sealed class GroupedBlock { }

            [Network(3, 8, 8)]
            [Conv(8, 1)]
            [[|Stage(2, 6, Block = typeof(GroupedBlock))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        // Block 0 reads 8 channels, which 3 groups do not divide.
        MessageContains(d, "in stage1.0.residual1", "(layer 2)", "input has 8 channels");
    }

    [Fact]
    public void Error_in_the_second_branch_of_a_parallel_names_the_branch()
    {
        var d = ReportsOne("DSL007", Source("""
            [Block] [Flatten] public sealed class Flat { }
            [Block] [Flatten, Use(typeof(Four))] public sealed class FlatThenConv { }

            [Network(3, 8, 8)]
            [[|Parallel(Merge.Concat, typeof(Identity), typeof(FlatThenConv))|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Conv(4, 1) in parallel1.branch2.four1");
    }

    [Fact]
    public void The_same_block_used_twice_reports_only_the_bad_use()
    {
        Reports(Source("""
            [Block] [Conv(4, 5)] public sealed class FiveByFive { }

            [Network(3, 8, 8)]
            [Use(typeof(FiveByFive))]
            [{|DSL003:Use(typeof(FiveByFive))|}]
            [Flatten, Dense(10)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void A_block_generates_nothing_and_is_not_an_orphan_layer()
    {
        // Layer attributes on a [Block] class are the block's layers, not DSL006, even when no network uses it.
        var run = GeneratorHarness.Run(Source("public sealed class Nothing { }"));
        Assert.Empty(run.GeneratorFailures);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.GeneratedSources);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Fact]
    public void A_used_block_with_a_compile_error_generates_nothing_for_the_network()
    {
        var run = GeneratorHarness.Run(Source("""
            [Block] [Conv(Block.Width, 3, Padding = 1), Conv(Oops, 1)] public sealed class Bad { }

            [Network(3, 8, 8)]
            [Use(typeof(Bad), Width = 4)]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.Empty(run.GeneratorFailures);
        Assert.Contains(run.OutputDiagnostics, d => d.Id == "CS0103");
        // As for [Conv(Oops, 1)] in the network itself: the compiler's error alone, no half network.
        Assert.DoesNotContain(run.GeneratedSources, s => s.HintName == "Demo.Net.g.cs");
    }

    [Fact]
    public void DSL014_placeholder_in_a_double_argument_is_named_as_a_placeholder()
    {
        var d = ReportsOne("DSL014", Source("""
            [Block] [Dropout(Block.Width)] public sealed class Drop { }

            [Network(3, 8, 8)]
            [[|Use(typeof(Drop), Width = 4)|]]
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        MessageContains(d, "Block.Width");
    }

    // ---- malformed declarations never crash the generator ------------------------------------------------------

    public static TheoryData<string, string> MalformedUses => new()
    {
        { "typeof(int)", "[Use(typeof(int))]" },
        { "typeof(void)", "[Use(typeof(void))]" },
        { "typeof(int[])", "[Use(typeof(int[]))]" },
        { "typeof(int*)", "[Use(typeof(int*))]" },
        { "typeof(string) branch", "[Parallel(Merge.Add, typeof(Identity), typeof(string))]" },
        { "unbound generic", "[Use(typeof(List<>))]" },
        { "constructed generic", "[Use(typeof(List<int>))]" },
        { "unbound generic block", "[Use(typeof(GenericBlock<>), Width = 4)]" },
        { "constructed generic block", "[Use(typeof(GenericBlock<int>), Width = 4)]" },
        { "tuple", "[Use(typeof((int, int)))]" },
        { "nested block type", "[Use(typeof(Outer.Inner))]" },
        { "undeclared type", "[Use(typeof(DoesNotExist))]" },
        { "null type", "[Use(null!)]" },
        { "null branches", "[Parallel(Merge.Add, null!)]" },
        { "null branch", "[Parallel(Merge.Add, typeof(Identity), null!)]" },
        { "merge out of range", "[Parallel((Merge)7, typeof(Identity), typeof(Identity))]" },
        { "shortcut out of range", "[Residual(typeof(Identity), Shortcut = (Shortcut)9)]" },
        { "stage block not a block", "[Stage(1, 8, Block = typeof(Outer))]" },
        { "stage block null", "[Stage(1, 8, Block = null)]" },
        { "stage ratio huge", "[Stage(1, 8, BottleneckRatio = 1e300)]" },
        { "stage ratio NaN", "[Stage(1, 8, BottleneckRatio = double.NaN)]" },
        { "placeholder as width", "[Use(typeof(TwoConvs), Width = Block.Width)]" },
        { "placeholder as stage depth", "[Stage(Block.Width, 8)]" },
        { "block attribute on a network", "[Use(typeof(Net))]" },
        { "interface", "[Use(typeof(System.IDisposable))]" },
        { "enum", "[Use(typeof(Merge))]" },
        { "missing argument", "[Use]" },
        { "residual of identity", "[Residual(typeof(Identity))]" },
    };

    [Theory]
    [MemberData(nameof(MalformedUses))]
    public void Malformed_block_declarations_give_compiler_errors_or_DSL014_never_a_crash(string name, string layer)
    {
        var run = GeneratorHarness.Run(Source($$"""
            [Block] [Conv(Block.Width, 1)] public sealed class GenericBlock<T> { }
            public static class Outer { [Block] [ReLU] public sealed class Inner { } }

            [Network(3, 8, 8)]
            {{layer}}
            [GlobalAvgPool, Flatten, Dense(10)]
            public partial class Net { }
            """));
        Assert.True(!run.GeneratorFailures.Any(), $"{name}: " + string.Join("\n", run.GeneratorFailures));
        var unexpected = run.GeneratorDiagnostics.Where(d => d.Id is not ("DSL014" or "DSL004")).ToList();
        Assert.True(unexpected.Count == 0, $"{name}: " + string.Join("\n", unexpected));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }
}
