using System.Reflection;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The summary and parameter names of networks built from stages: ops named by their place in the nesting
/// (<c>stage1.0.residual1.conv1</c>), PyTorch-style, and parameter counts that agree with a count by hand.
/// </summary>
public sealed class BlockSummaryTests : IClassFixture<BlockSummaryTests.Compiled>
{
    private const string Source = """
        using Dsl;
        namespace Demo;

        // ResNet-18's layout in miniature: a stem, then a stage of two basic blocks that halves the size and doubles the width.
        [Network(3, 8, 8)]
        [Conv(4, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
        [Stage(2, 8, Block = typeof(BasicResidual))]
        [GlobalAvgPool, Flatten, Dense(10)]
        public partial class BasicStageNet { }

        // A ResNeXt stage: bottleneck of Width × 0.5 = 4 channels in groups of 2 channels, that is 2 groups.
        [Network(3, 8, 8)]
        [Conv(4, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
        [Stage(1, 8, BottleneckRatio = 0.5, GroupWidth = 2)]
        [GlobalAvgPool, Flatten, Dense(10)]
        public partial class BottleneckStageNet { }
        """;

    /// <summary>The two networks, generated, compiled and loaded once.</summary>
    public sealed class Compiled
    {
        public Compiled()
        {
            Run = GeneratorHarness.Run(Source);
            Assert.Empty(Run.GeneratorDiagnostics);
            Assert.Empty(Run.OutputWarningsAndErrors);
            Assembly = GeneratorHarness.Load(GeneratorHarness.Emit(Run.Output));
        }

        public GeneratorRun Run { get; }
        public Assembly Assembly { get; }

        public Type Model(string name) => Assembly.GetType("Demo." + name) ?? throw new InvalidOperationException($"Demo.{name} not emitted");
    }

    private readonly Compiled _compiled;

    public BlockSummaryTests(Compiled compiled) => _compiled = compiled;

    // Counted by hand (convolutions C_out·C_in/groups·k·k, no biases in the blocks; batch norm 2·C):
    //   stem             conv 4·3·3·3 = 108, bn 8                                                      116
    //   stage1.0         conv1 8·4·9 = 288, bn 16, conv2 8·8·9 = 576, bn 16,
    //                    downsample conv 8·4·1 = 32 (4 → 8 channels, 8×8 → 4×4), bn 16                  944
    //   stage1.1         conv1 576, bn 16, conv2 576, bn 16 (identity shortcut)                        1,184
    //   fc1              8·10 + 10                                                                        90
    private const int BasicStageParameters = 116 + 944 + 1_184 + 90;

    //   stem                                                                                             116
    //   stage1.0         conv1 1×1 4·4 = 16, bn 8; conv2 3×3 groups 2: 4·(4/2)·9 = 72, bn 8;
    //                    conv3 1×1 8·4 = 32, bn 16; downsample conv 8·4 = 32, bn 16                       200
    //   fc1                                                                                               90
    private const int BottleneckStageParameters = 116 + 200 + 90;

    [Fact]
    public void Hand_counts_add_up()
    {
        Assert.Equal(2_334, BasicStageParameters);
        Assert.Equal(406, BottleneckStageParameters);
    }

    [Theory]
    [InlineData("BasicStageNet", BasicStageParameters)]
    [InlineData("BottleneckStageNet", BottleneckStageParameters)]
    public void ParameterCount_matches_the_count_by_hand(string model, int expected)
    {
        var field = _compiled.Model(model).GetField("ParameterCount", BindingFlags.Public | BindingFlags.Static)!;
        Assert.Equal(expected, (int)field.GetRawConstantValue()!);
        Assert.Equal(expected, Uninitialized(model).ParameterInfos.Sum(p => p.Length));
    }

    [Fact]
    public void Summary_lists_stage_ops_by_nested_name_in_execution_order()
    {
        string summary = Summary("BasicStageNet");
        string[] rows =
        [
            "conv1 (Conv)", "bn1 (BatchNorm)", "relu1 (ReLU)",
            "stage1.0.residual1.conv1 (Conv)", "stage1.0.residual1.bn1 (BatchNorm)", "stage1.0.residual1.relu1 (ReLU)",
            "stage1.0.residual1.conv2 (Conv)", "stage1.0.residual1.bn2 (BatchNorm)",
            "stage1.0.residual1.downsample.conv1 (Conv)", "stage1.0.residual1.downsample.bn1 (BatchNorm)",
            "stage1.0.residual1.add1 (Add)", "stage1.0.relu1 (ReLU)",
            "stage1.1.residual1.conv1 (Conv)", "stage1.1.residual1.bn1 (BatchNorm)", "stage1.1.residual1.relu1 (ReLU)",
            "stage1.1.residual1.conv2 (Conv)", "stage1.1.residual1.bn2 (BatchNorm)",
            "stage1.1.residual1.add1 (Add)", "stage1.1.relu1 (ReLU)",
            "pool1 (GlobalAvgPool)", "flatten1 (Flatten)", "fc1 (Dense)",
        ];
        // The op rows: between the dashed line under the header and the closing rule, after the input row.
        var all = summary.Split('\n');
        int first = Array.FindIndex(all, l => l.StartsWith("---", StringComparison.Ordinal)) + 2;
        int end = Array.FindIndex(all, first, l => l.StartsWith("===", StringComparison.Ordinal));
        var lines = all[first..end];
        Assert.True(lines.Length == rows.Length, $"expected {rows.Length} op rows, found {lines.Length}:\n{summary}");
        for (int i = 0; i < rows.Length; i++)
            Assert.True(lines[i].StartsWith(rows[i] + " ", StringComparison.Ordinal), $"row {i}: expected '{rows[i]}', got '{lines[i]}'");
        // No second block in the second position gets a projection: its input already has the output's shape.
        Assert.DoesNotContain("stage1.1.residual1.downsample", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_shows_shapes_and_per_op_parameters_of_the_stage()
    {
        string summary = Summary("BasicStageNet");
        AssertRow(summary, "stage1.0.residual1.conv1 (Conv)", "(8, 4, 4)", "288");
        AssertRow(summary, "stage1.0.residual1.conv2 (Conv)", "(8, 4, 4)", "576");
        AssertRow(summary, "stage1.0.residual1.downsample.conv1 (Conv)", "(8, 4, 4)", "32");
        AssertRow(summary, "stage1.0.residual1.downsample.bn1 (BatchNorm)", "(8, 4, 4)", "16");
        AssertRow(summary, "stage1.1.residual1.add1 (Add)", "(8, 4, 4)", "0");
        Assert.Contains("Total params: 2,334", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Grouped_convolution_of_a_bottleneck_stage_shows_its_groups()
    {
        string summary = Summary("BottleneckStageNet");
        AssertRow(summary, "stage1.0.residual1.conv1 (Conv)", "(4, 8, 8)", "16");
        AssertRow(summary, "stage1.0.residual1.conv2 (Conv, groups 2)", "(4, 4, 4)", "72");
        AssertRow(summary, "stage1.0.residual1.conv3 (Conv)", "(8, 4, 4)", "32");
        AssertRow(summary, "stage1.0.residual1.downsample.conv1 (Conv)", "(8, 4, 4)", "32");
        Assert.Contains("Total params: 406", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_are_named_by_nested_path_like_pytorch_state_dict()
    {
        var names = Uninitialized("BasicStageNet").ParameterInfos.Select(p => p.Name).ToList();
        Assert.Equal(
        [
            "conv1.weight", "bn1.weight", "bn1.bias",
            "stage1.0.residual1.conv1.weight", "stage1.0.residual1.bn1.weight", "stage1.0.residual1.bn1.bias",
            "stage1.0.residual1.conv2.weight", "stage1.0.residual1.bn2.weight", "stage1.0.residual1.bn2.bias",
            "stage1.0.residual1.downsample.conv1.weight", "stage1.0.residual1.downsample.bn1.weight", "stage1.0.residual1.downsample.bn1.bias",
            "stage1.1.residual1.conv1.weight", "stage1.1.residual1.bn1.weight", "stage1.1.residual1.bn1.bias",
            "stage1.1.residual1.conv2.weight", "stage1.1.residual1.bn2.weight", "stage1.1.residual1.bn2.bias",
            "fc1.weight", "fc1.bias",
        ], names);
        var grouped = Uninitialized("BottleneckStageNet").ParameterInfos.Single(p => p.Name == "stage1.0.residual1.conv2.weight");
        Assert.Equal([4, 2, 3, 3], grouped.Shape);
    }

    private static void AssertRow(string summary, string layer, string shape, string parameters)
    {
        var line = summary.Split('\n').FirstOrDefault(l => l.StartsWith(layer + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no row for {layer} in:\n{summary}");
        var cells = line[layer.Length..].Split("   ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(cells.Length >= 2 && cells[0] == shape && cells[1] == parameters,
            $"{layer}: expected shape {shape} and {parameters} parameters, row is '{line}'");
    }

    private string Summary(string model) =>
        (string)_compiled.Model(model).GetProperty("Summary", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private INetwork Uninitialized(string model) =>
        (INetwork)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(_compiled.Model(model));
}
