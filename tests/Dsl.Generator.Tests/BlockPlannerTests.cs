using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Generator.Planning;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The planner on op graphs with branches: memory reuse, and how the gradient of a value read by several ops is routed
/// (the first reader backward writes or shares it, the others add into it). The arena simulation of these networks is in
/// <see cref="PipelineTests"/>' theory data.
/// </summary>
public sealed class BlockPlannerTests
{
    private static NetworkModel BuildValid(NetworkSpec spec)
    {
        var result = NetworkBuilder.Build(spec);
        Assert.True(result.Model is not null, "build failed: " + string.Join("; ", result.Diagnostics.Select(d => d.Id + " " + string.Join(" | ", d.MessageArgs))));
        Assert.Empty(result.Diagnostics);
        return result.Model;
    }

    [Theory]
    [InlineData("residual identity")]
    [InlineData("residual projection")]
    [InlineData("residual chain")]
    [InlineData("stage of basic blocks")]
    [InlineData("dense block and transition")]
    public void Plan_for_a_branching_network_reuses_memory(string name)
    {
        var spec = ((TheoryData<string, NetworkSpec>)PipelineTests.Networks).Single(row => (string)row[0] == name)[1];
        var plan = BuildValid((NetworkSpec)spec).Plan;
        Assert.True(plan.FloatsPerExample < plan.FloatsPerExampleWithoutReuse,
            $"{name}: no reuse ({plan.FloatsPerExample} floats with reuse, {plan.FloatsPerExampleWithoutReuse} without)");
    }

    [Fact]
    public void Residual_input_gradient_is_written_by_one_reader_and_accumulated_by_the_other()
    {
        // conv1, tanh1, residual1.{conv1, tanh1, conv2, add1}, relu1, …: tanh1's output (value 2) is read by the body's
        // first convolution and by the sum (the identity shortcut).
        var model = BuildValid(BlockSpecs.ResidualIdentity());
        Assert.Equal(["conv1", "tanh1", "residual1.conv1", "residual1.tanh1", "residual1.conv2", "residual1.add1", "relu1"],
            model.Ops.Take(7).Select(o => o.Name));
        var add = model.Ops[5];
        Assert.Equal([5, 2], add.Inputs);

        string target = model.Plan.Gradient(2)!.Name;
        var routes = model.Plan.Routes.Where(r => r.Target == target).OrderByDescending(r => r.Op).ToList();
        Assert.Equal(2, routes.Count);
        // Backward runs the sum (op 6) before the body's first convolution (op 3): the sum writes (or shares), the conv adds.
        Assert.Equal(6, routes[0].Op);
        Assert.Contains(routes[0].Mode, new[] { GradientMode.Shared, GradientMode.Write });
        Assert.Equal(3, routes[1].Op);
        Assert.Equal(GradientMode.Accumulate, routes[1].Mode);
        Assert.NotNull(routes[1].Scratch);
    }

    [Fact]
    public void Identity_added_to_itself_routes_one_gradient_twice()
    {
        var model = BuildValid(BlockSpecs.ParallelAddIdentityTwice());
        int k = model.Ops.Select((o, i) => (o.Name, K: i + 1)).Single(p => p.Name == "parallel1.add1").K;
        var add = model.Ops[k - 1];
        Assert.Equal(2, add.Inputs.Count);
        Assert.Equal(add.Inputs[0], add.Inputs[1]);
        var modes = model.Plan.Routes.Where(r => r.Op == k).OrderBy(r => r.Slot).Select(r => r.Mode).ToList();
        Assert.Equal(2, modes.Count);
        Assert.NotEqual(GradientMode.Accumulate, modes[0]);
        Assert.Equal(GradientMode.Accumulate, modes[1]);
    }

    [Fact]
    public void Dense_block_concatenation_adds_into_the_gradient_the_convolution_path_wrote()
    {
        var model = BuildValid(BlockSpecs.DenseNet());
        var concats = model.Ops.Select((o, i) => (Op: o, K: i + 1)).Where(p => p.Op.TypeName == "Concat").ToList();
        Assert.Equal(3, concats.Count);
        Assert.Equal(["denseblock1.layer1.concat1", "denseblock1.layer2.concat1", "denseblock1.layer3.concat1"], concats.Select(c => c.Op.Name));
        // Channels grow by 2 per layer: 3 → 5 → 7 → 9.
        Assert.Equal(["(5, 6, 6)", "(7, 6, 6)", "(9, 6, 6)"], concats.Select(c => c.Op.Output.ToString()));
        foreach (var (op, k) in concats)
        {
            // Slot 0 (the layer input) is also read by the layer's batch norm, which runs backward later: the concat writes first.
            var route = model.Plan.Routes.Single(r => r.Op == k && r.Slot == 0);
            Assert.Equal(GradientMode.Write, route.Mode);
        }
    }
}
