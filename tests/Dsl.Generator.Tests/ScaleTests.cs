using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Generator.Tests;

/// <summary>
/// A solution with many networks: the generator must stay quick, and an edit to one network must re-emit that one
/// only. The time bounds are deliberately loose (shared 2-core machine); the figures go to the test output.
/// </summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int Networks = 120;

    private static string Declaration(int i, int hidden) => i % 3 == 0
        ? $"[Network(784)] [Dense({hidden}), ReLU, Dense(10)] public partial class Net{i} {{ }}"
        : i % 3 == 1
            ? $"[Network(1, 28, 28)] [Conv(6, 5, Padding = 2), ReLU, MaxPool(2), Conv(16, 5), ReLU, MaxPool(2), Flatten, Dense({hidden}), ReLU, Dense(10)] public partial class Net{i} {{ }}"
            : $"[Network(3, 32, 32)] [Conv(8, 3, Stride = 2, Padding = 1), Tanh, AvgPool(2), Flatten, Dropout(0.2), Dense({hidden}), Sigmoid, Dense(10)] public partial class Net{i} {{ }}";

    [Fact]
    public void Many_networks_generate_quickly_and_an_edit_reemits_one()
    {
        var trees = Enumerable.Range(0, Networks)
            .Select(i => GeneratorHarness.Parse($"using Dsl;\nnamespace Scale;\n{Declaration(i, 64)}\n", $"/scale/Net{i}.cs"))
            .ToArray();
        var compilation = GeneratorHarness.CreateCompilation(trees);

        // Timed on the driver alone: binding the 120 generated files (what GeneratorRun's diagnostics do) is the
        // compiler's work, not the generator's.
        var clock = Stopwatch.StartNew();
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var firstTime = clock.Elapsed;
        var first = driver.GetRunResult();
        Assert.Empty(first.Diagnostics);
        Assert.Equal(Networks, first.GeneratedTrees.Length);

        var old = trees[7];
        var edited = compilation.ReplaceSyntaxTree(old,
            GeneratorHarness.Parse($"using Dsl;\nnamespace Scale;\n{Declaration(7, 32)}\n", old.FilePath));
        clock.Restart();
        driver = driver.RunGenerators(edited);
        var secondTime = clock.Elapsed;
        var second = driver.GetRunResult();

        output.WriteLine($"{Networks} networks: first run {firstTime.TotalMilliseconds:F0} ms, after editing one {secondTime.TotalMilliseconds:F0} ms");
        var modified = second.Results.Single().TrackedSteps["Source"].SelectMany(s => s.Outputs).Count(o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(1, modified);
        Assert.True(firstTime < TimeSpan.FromSeconds(30), $"first run took {firstTime}");
        Assert.True(secondTime < TimeSpan.FromSeconds(5), $"incremental run took {secondTime}");
    }
}
