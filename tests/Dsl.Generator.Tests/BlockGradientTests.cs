using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Gradients through sums whose inputs repeat one value (<c>Parallel(Merge.Add, typeof(Identity), typeof(Identity), …)</c>):
/// the value's gradient is the output gradient times the number of times it is read. Checked against finite differences
/// of the generated network, and as a property of the plan.
/// </summary>
public sealed class BlockGradientTests
{
    public static TheoryData<string, string> RepeatedInputs => new()
    {
        { "three identities", "[Network(6)] [Dense(5), Tanh, Parallel(Merge.Add, typeof(Identity), typeof(Identity), typeof(Identity)), Dense(3)]" },
        { "two identities and a layer", "[Block] [Dense(5), Sigmoid] public sealed class Flat5 { } [Network(6)] [Dense(5), Tanh, Parallel(Merge.Add, typeof(Identity), typeof(Identity), typeof(Flat5)), Dense(3)]" },
        { "three identities on a map", "[Network(2, 4, 4)] [Conv(2, 3, Padding = 1), Tanh, Parallel(Merge.Add, typeof(Identity), typeof(Identity), typeof(Identity)), Flatten, Dense(3)]" },
    };

    [Theory]
    [MemberData(nameof(RepeatedInputs))]
    public void Sum_of_a_value_repeated_gets_the_gradient_once_per_read(string name, string declaration)
    {
        var network = Create(declaration, seed: 7);
        var input = new float[3 * network.InputSize];
        var random = new Random(11);
        for (int i = 0; i < input.Length; i++)
            input[i] = (float)(random.NextDouble() * 2 - 1);
        int[] labels = [0, 2, 1];

        network.ComputeGradients(input, labels);
        var analytic = network.Gradients.ToArray();
        var failures = new List<string>();
        for (int i = 0; i < analytic.Length; i++)
        {
            float numeric = Numeric(network, input, labels, i, 1e-2f);
            if (Math.Abs(numeric - analytic[i]) > 2e-3f + 5e-2f * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])))
                failures.Add($"parameter {i}: analytic {analytic[i]:G5}, numeric {numeric:G5}");
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} gradients disagree:\n" + string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void Sum_of_a_value_read_twice_gets_twice_the_gradient()
    {
        // The two-branch case is right (dy, then dy + dy), which is why the planner bug above hides in Residual(typeof(Identity)).
        var network = Create("[Network(6)] [Dense(5), Tanh, Parallel(Merge.Add, typeof(Identity), typeof(Identity)), Dense(3)]", seed: 3);
        var input = Enumerable.Range(0, 2 * 6).Select(i => (float)Math.Sin(i)).ToArray();
        int[] labels = [1, 2];
        network.ComputeGradients(input, labels);
        var analytic = network.Gradients.ToArray();
        for (int i = 0; i < analytic.Length; i++)
        {
            float numeric = Numeric(network, input, labels, i, 1e-2f);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3f + 5e-2f * Math.Abs(numeric), $"parameter {i}: analytic {analytic[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void A_gradient_shared_with_the_output_gradient_is_not_accumulated_into_by_the_same_sum()
    {
        // Shared means "this input's gradient is the output gradient's memory" and emits no code. Copying the output gradient
        // to another input afterwards is fine (a residual's shortcut); adding into the shared gradient is not, since it
        // changes the output gradient that the op's remaining routes still read.
        foreach (var spec in new[] { BlockSpecs.ThreeIdentityBranches(), BlockSpecs.Network([6], BlockSpecs.Dense(5), BlockSpecs.Tanh,
            BlockSpecs.Parallel(BlockSpecs.MergeAdd, 0, BlockSpecs.Identity, BlockSpecs.Identity, BlockSpecs.Identity), BlockSpecs.Dense(3)) })
        {
            var model = NetworkBuilder.Build(spec).Model!;
            foreach (var group in model.Plan.Routes.GroupBy(r => r.Op))
            {
                var routes = group.OrderBy(r => r.Slot).ToList();
                var shared = routes.Where(r => r.Mode == GradientMode.Shared).Select(r => r.Target).ToHashSet();
                Assert.True(!routes.Any(r => r.Mode == GradientMode.Accumulate && shared.Contains(r.Target)),
                    $"{model.Ops[group.Key - 1].Name}: routes {string.Join(", ", routes.Select(r => $"{r.Slot}:{r.Mode}->{r.Target}"))}");
            }
        }
    }

    private static INetwork Create(string declaration, int seed)
    {
        var run = GeneratorHarness.Run($"using Dsl;\nnamespace Demo;\n{declaration}\npublic partial class Net {{ }}\n");
        Assert.True(run.GeneratorDiagnostics.IsEmpty, string.Join("\n", run.GeneratorDiagnostics));
        var assembly = GeneratorHarness.Load(GeneratorHarness.Emit(run.Output));
        return (INetwork)Activator.CreateInstance(assembly.GetType("Demo.Net")!, [seed])!;
    }

    private static float Numeric(INetwork network, float[] input, int[] labels, int index, float step)
    {
        var parameters = network.Parameters;
        float saved = parameters[index];
        parameters[index] = saved + step;
        float plus = network.ComputeGradients(input, labels);
        parameters[index] = saved - step;
        float minus = network.ComputeGradients(input, labels);
        parameters[index] = saved;
        return (plus - minus) / (2 * step);
    }
}
