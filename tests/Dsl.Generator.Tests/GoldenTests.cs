using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// Snapshot tests: the generated code for the zoo models is committed under Golden/ and reviewed like any other
/// code. A change in the emitter shows up as a diff in review instead of slipping through.
/// </summary>
public sealed class GoldenTests
{
    private const string AcceptVariable = "DSL_ACCEPT_GOLDEN";

    [Theory]
    [InlineData(nameof(Zoo.Mlp))]
    [InlineData(nameof(Zoo.LeNetClassic))]
    [InlineData(nameof(Zoo.LeNetModern))]
    public void Generated_code_matches_golden_file(string name)
        => MatchesGolden(name, Zoo.Source(name), $"Dsl.Models.{name}.g.cs");

    // Not a zoo model: every norm and adaptive pooling layer, with the buffer members and the training switch they add.
    private const string NormNet = """
        using Dsl;
        namespace Dsl.Models;
        [Network(3, 12, 12)]
        [Conv(8, 3, Padding = 1, Bias = false), BatchNorm, ReLU, AdaptiveAvgPool(6)]
        [Conv(16, 3), LayerNorm, ReLU, GlobalAvgPool]
        [Flatten, Dense(32), BatchNorm(Momentum = 0.05), Dropout(0.2), Dense(10)]
        public partial class NormNet { }
        """;

    [Fact]
    public void Norm_network_generated_code_matches_golden_file()
        => MatchesGolden("NormNet", NormNet, "Dsl.Models.NormNet.g.cs");

    // Not a zoo model: a user block, a residual whose shape change brings a projection shortcut, a dense block and a
    // transition, so the golden shows branches, concatenation and accumulated gradients.
    private const string BlockNet = """
        using Dsl;
        namespace Dsl.Models;
        [Block]
        [Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride, Bias = false), BatchNorm, ReLU]
        [Conv(Block.Width, 3, Padding = 1, Bias = false), BatchNorm]
        public sealed class GoldenBody { }

        [Network(3, 8, 8)]
        [Conv(4, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
        [Residual(typeof(GoldenBody), Width = 8, Stride = 2), ReLU]
        [DenseBlock(2, 4), Transition(8)]
        [GlobalAvgPool, Flatten, Dense(10)]
        public partial class BlockNet { }
        """;

    [Fact]
    public void Block_network_generated_code_matches_golden_file()
        => MatchesGolden("BlockNet", BlockNet, "Dsl.Models.BlockNet.g.cs");

    // The recurrent zoo: a language model (truncated BPTT, generation) and D2L's GRU encoder–decoder (context, translation).
    [Theory]
    [InlineData("CharLstm")]
    [InlineData("Translator")]
    public void Recurrent_network_generated_code_matches_golden_file(string name)
        => MatchesGolden(name, Zoo.Source(Path.Combine("Sequence", name)), $"Dsl.Models.{name}.g.cs");

    private static void MatchesGolden(string name, string source, string hintName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputWarningsAndErrors);
        var generated = Normalize(run.Source(hintName));

        string golden = Path.Combine(GoldenDirectory(), name + ".g.cs");
        string received = Path.Combine(GoldenDirectory(), name + ".received.cs");
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(golden, generated);
            File.Delete(received);
            return;
        }

        string expected = File.Exists(golden) ? Normalize(File.ReadAllText(golden)) : "";
        if (expected == generated)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, generated);
        Assert.Fail(
            $"generated code for {name} differs from {golden} (first difference at line {FirstDifferentLine(expected, generated)}).\n" +
            $"The new output is in {received}; diff the two, and if the change is intended accept it with\n" +
            $"  {AcceptVariable}=1 dotnet test tests/Dsl.Generator.Tests -c Release --filter FullyQualifiedName~GoldenTests\n" +
            "and commit the updated golden file.");
    }

    [Theory]
    [InlineData(nameof(Zoo.Mlp))]
    [InlineData(nameof(Zoo.Mlp256))]
    [InlineData(nameof(Zoo.LeNetClassic))]
    [InlineData(nameof(Zoo.LeNetModern))]
    public void Generated_code_compiles_without_warnings_and_emits(string name)
    {
        string source = Zoo.Source(name);
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.Equal($"Dsl.Models.{name}.g.cs", run.GeneratedSources[0].HintName);

        var problems = run.OutputWarningsAndErrors.ToList();
        Assert.True(problems.Count == 0, $"{name}: generated code has diagnostics:\n" + string.Join("\n", problems));
        Assert.NotEmpty(GeneratorHarness.Emit(run.Output));
    }

    [Theory]
    [InlineData(nameof(Zoo.Mlp))]
    [InlineData(nameof(Zoo.LeNetModern))]
    public void Generated_code_compiles_without_implicit_usings(string name)
    {
        string source = Zoo.Source(name);
        // Generated code lands in projects whose usings it cannot know; it must spell out everything it uses.
        var run = GeneratorHarness.Run(source, implicitUsings: false);
        Assert.Empty(run.GeneratorDiagnostics);
        var problems = run.OutputWarningsAndErrors.ToList();
        Assert.True(problems.Count == 0,
            $"{name}: generated code needs usings the project may not have ({problems.Count} diagnostics), first ones:\n" +
            string.Join("\n", problems.Take(5)));
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp9)]
    [InlineData(LanguageVersion.CSharp10)]
    [InlineData(LanguageVersion.CSharp12)]
    [InlineData(LanguageVersion.Latest)]
    public void Generated_code_compiles_with_older_language_versions(LanguageVersion version)
    {
        // A project may pin <LangVersion>; the generated code should not be what breaks it. (The declaration uses a
        // block namespace so the user's side compiles with C# 9 too.)
        var parse = new CSharpParseOptions(version);
        var tree = CSharpSyntaxTree.ParseText("""
            using Dsl;
            namespace Dsl.Models
            {
                [Network(1, 28, 28)]
                [Conv(6, 5, Padding = 2), ReLU, MaxPool(2), Conv(16, 5), ReLU, MaxPool(2)]
                [Flatten, Dense(120), ReLU, Dense(84), Tanh, Dropout(0.5), Dense(10)]
                public partial class Old { }
            }
            """, parse, "/test/Old.cs");
        var compilation = GeneratorHarness.CreateCompilation(implicitUsings: false, tree);
        GeneratorHarness.CreateDriver(parse).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);

        Assert.Empty(diagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"C# {version.ToDisplayString()}:\n" + string.Join("\n", problems.Take(10)));
    }

    [Fact]
    public void All_zoo_models_compile_together()
    {
        var trees = Zoo.All.Select(m => GeneratorHarness.Parse(m.Source, $"/zoo/{m.Name}.cs")).ToArray();
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(trees));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(Zoo.All.Count, run.GeneratedSources.Length);
        Assert.Empty(run.OutputWarningsAndErrors);
        Assert.NotEmpty(GeneratorHarness.Emit(run.Output));
    }

    [Fact]
    public void Generated_code_is_deterministic()
    {
        string first = GeneratorHarness.Run(Zoo.LeNetModern).Source("LeNetModern.g.cs");
        string second = GeneratorHarness.Run(Zoo.LeNetModern).Source("LeNetModern.g.cs");
        Assert.Equal(first, second);
    }

    [Fact]
    public void Generated_file_follows_the_generated_code_conventions()
    {
        string text = GeneratorHarness.Run(Zoo.LeNetModern).Source("LeNetModern.g.cs");
        Assert.StartsWith("// <auto-generated/>", text, StringComparison.Ordinal);
        Assert.Contains("#nullable enable", text, StringComparison.Ordinal);
        Assert.Contains("GeneratedCode", text, StringComparison.Ordinal);
        Assert.Contains("partial class LeNetModern", text, StringComparison.Ordinal);
        Assert.Contains("global::Dsl.Runtime.INetwork", text, StringComparison.Ordinal);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static int FirstDifferentLine(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i])
        {
            i++;
        }
        return i + 1;
    }

    // The goldens live in the source tree (not the build output) so that accepting them produces a diff to commit.
    private static string GoldenDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Golden");
}
