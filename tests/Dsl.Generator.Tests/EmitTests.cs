using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Every op and option through the whole generator: the zoo only exercises some of them, and an emitter path
/// that is never compiled in a test is one that can ship broken.
/// </summary>
public sealed class EmitTests
{
    public static TheoryData<string, string> Networks => new()
    {
        { "dropout and tanh", "[Network(784)] [Dense(128), Tanh, Dropout(0.5), Dense(10)]" },
        { "dropout first", "[Network(32)] [Dropout(0.2), Dense(10)]" },
        { "prelu first", "[Network(16)] [PReLU, Dense(4)]" },
        { "prelu with init", "[Network(16)] [Dense(8), PReLU(Init = 0.1), Dense(4)]" },
        { "he init", "[Network(784, Init = Initializer.He)] [Dense(64), ReLU, Dense(10)]" },
        { "no bias", "[Network(1, 8, 8)] [Conv(4, 3, Bias = false), ReLU, Flatten, Dense(10, Bias = false)]" },
        { "strided padded conv", "[Network(3, 32, 32)] [Conv(8, 3, Stride = 2, Padding = 1), ReLU, MaxPool(3, Stride = 2, Padding = 1), Flatten, Dense(10)]" },
        { "rectangular kernels", "[Network(2, 9, 13)] [Conv(4, 3, 5, PaddingWidth = 2, StrideHeight = 2), Sigmoid, AvgPool(2, 3), Flatten, Dense(3)]" },
        { "pool first", "[Network(2, 8, 8)] [MaxPool(2), Conv(3, 3), ReLU, Flatten, Dense(2)]" },
        { "activations only before dense", "[Network(10)] [ReLU, Sigmoid, Tanh, Dense(2)]" },
        { "single dense", "[Network(4)] [Dense(3)]" },
        { "flatten of a flat input", "[Network(12)] [Flatten, Dense(3)]" },
        { "conv dropout prelu", "[Network(3, 12, 12)] [Conv(4, 3, Padding = 1), PReLU, Dropout(0.3), MaxPool(2), Conv(8, 3, Stride = 2), Tanh, AvgPool(2), Flatten, Dropout(0.5), Dense(5)]" },
        { "deep stack", "[Network(1, 28, 28)] [Conv(8, 3, Padding = 1), ReLU, Conv(8, 3, Padding = 1), ReLU, MaxPool(2), Conv(16, 3, Padding = 1), ReLU, Conv(16, 3, Padding = 1), ReLU, MaxPool(2), Flatten, Dense(64), ReLU, Dropout(0.5), Dense(10)]" },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_generates_code_that_compiles_without_warnings(string name, string declaration)
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
    public void He_initialisation_is_used_when_asked_for()
    {
        string he = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(784, Init = Initializer.He)] [Dense(10)] public partial class Net { }")
            .Source("Demo.Net.g.cs");
        string xavier = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(784)] [Dense(10)] public partial class Net { }")
            .Source("Demo.Net.g.cs");
        Assert.Contains("Initializers.He(", he, StringComparison.Ordinal);
        Assert.DoesNotContain("Initializers.Xavier(", he, StringComparison.Ordinal);
        Assert.Contains("Initializers.Xavier(", xavier, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_only_layers_switch_on_the_training_flag()
    {
        // Dropout is the only layer that differs between Forward (inference) and TrainStep.
        string source = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(32)] [Dense(16), Dropout(0.5), Dense(2)] public partial class Net { }")
            .Source("Demo.Net.g.cs");
        Assert.Contains("Dropout.Forward(", source, StringComparison.Ordinal);
        Assert.Contains("Dropout.Backward(", source, StringComparison.Ordinal);
        Assert.Contains("if (training)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_accessibility_matches_the_declaration()
    {
        var run = GeneratorHarness.Run("using Dsl; namespace Demo; [Network(4)] [Dense(2)] internal sealed partial class Net { }");
        Assert.Contains("internal", run.Source("Demo.Net.g.cs"), StringComparison.Ordinal);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Fact]
    public void Hint_names_are_unique_per_namespace_and_class()
    {
        var run = GeneratorHarness.Run("""
            using Dsl;
            namespace A { [Network(4)] [Dense(2)] public partial class Net { } }
            namespace B { [Network(4)] [Dense(2)] public partial class Net { } }
            """);
        Assert.Equal(["A.Net.g.cs", "B.Net.g.cs"], run.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
