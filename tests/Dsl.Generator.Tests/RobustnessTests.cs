using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The generator runs on every keystroke in the IDE, so it sees half-typed and wrong code constantly. It must never
/// throw (a throw shows up as CS8785 and loses all output), and it must never emit code that fails to compile.
/// </summary>
public sealed class RobustnessTests
{
    public static TheoryData<string, string> MalformedSources => new()
    {
        { "conv without arguments", "[Network(1, 28, 28)] [Conv] [Flatten, Dense(10)] public partial class A { }" },
        { "dense with one missing argument", "[Network(784)] [Dense()] public partial class A { }" },
        { "dense with a string", "[Network(784)] [Dense(\"x\")] public partial class A { }" },
        { "network with strings", "[Network(\"a\", \"b\")] [Dense(10)] public partial class A { }" },
        { "network with null", "[Network(null)] [Dense(10)] public partial class A { }" },
        { "network with explicit array", "[Network(new[] { 1, 28, 28 })] [Flatten, Dense(10)] public partial class A { }" },
        { "network with empty array", "[Network(new int[0])] [Dense(10)] public partial class A { }" },
        { "network with non-constant", "[Network(System.Environment.ProcessorCount)] [Dense(10)] public partial class A { }" },
        { "missing named value", "[Network(1, 28, 28)] [Conv(6, 5, Padding = )] [Flatten, Dense(10)] public partial class A { }" },
        { "missing comma", "[Network(1, 28, 28)] [Conv(6 5)] [Flatten, Dense(10)] public partial class A { }" },
        { "unknown named argument", "[Network(784)] [Dense(10, Units = 3, Foo = 1)] public partial class A { }" },
        { "unterminated attribute", "[Network(1, 28, 28)] [Conv(6, 5 public partial class A { }" },
        { "unterminated network", "[Network(" },
        { "attribute without a class", "[Network(784)] [Dense(10)]" },
        { "class without a name", "[Network(784)] [Dense(10)] public partial class { }" },
        { "unknown attribute between layers", "[Network(784)] [Foo, Dense(10)] public partial class A { }" },
        { "network twice", "[Network(784), Network(784)] [Dense(10)] public partial class A { }" },
        { "network on a struct", "[Network(784)] [Dense(10)] public partial struct A { }" },
        { "network on an interface", "[Network(784)] [Dense(10)] public partial interface A { }" },
        { "network on a method", "public partial class A { [Network(784)] [Dense(10)] public void M() { } }" },
        { "dropout NaN", "[Network(784)] [Dense(10), Dropout(double.NaN)] public partial class A { }" },
        { "dropout infinity", "[Network(784)] [Dense(10), Dropout(double.PositiveInfinity)] public partial class A { }" },
        { "prelu NaN slope", "[Network(784)] [Dense(10), PReLU(Init = double.NaN)] public partial class A { }" },
        { "padding int.MinValue", "[Network(1, 8, 8)] [Conv(2, 3, Padding = int.MinValue), Flatten, Dense(10)] public partial class A { }" },
        { "stride int.MaxValue", "[Network(1, 8, 8)] [Conv(2, 3, Stride = int.MaxValue), Flatten, Dense(10)] public partial class A { }" },
        { "parameter count overflows int", "[Network(int.MaxValue)] [Dense(int.MaxValue)] public partial class A { }" },
        { "activations overflow int", "[Network(65536, 65536, 65536)] [Conv(65536, 1), Flatten, Dense(10)] public partial class A { }" },
        { "huge input, small net", "[Network(46341, 46341, 1)] [Flatten, Dense(2)] public partial class A { }" },
        { "layer on non-network struct", "[Dense(10)] public partial struct A { }" },
        { "partial parts with attributes on each", "[Network(784)] public partial class A { } [Dense(10)] public partial class A { }" },
        { "no using Dsl", "PLACEHOLDER_NO_USING [Network(784)] [Dense(10)] public partial class A { }" },
        { "nested in non-partial class", "public class Outer { [Network(784)] [Dense(10)] public partial class Inner { } }" },
        { "attribute with lambda garbage", "[Network(784)] [Dense(() => 3)] public partial class A { }" },
        { "attribute with typeof", "[Network(784)] [Dense(typeof(int))] public partial class A { }" },
    };

    [Theory]
    [MemberData(nameof(MalformedSources))]
    public void Malformed_input_never_crashes_the_generator(string name, string declaration)
    {
        var run = GeneratorHarness.Run(Wrap(declaration));

        var exception = run.RunResult.Results.Single().Exception;
        Assert.True(exception is null, $"{name}: generator threw {exception}");
        Assert.True(!run.GeneratorFailures.Any(), $"{name}: " + string.Join("\n", run.GeneratorFailures));
    }

    [Theory]
    [MemberData(nameof(MalformedSources))]
    public void Malformed_input_never_yields_broken_generated_code(string name, string declaration)
    {
        var run = GeneratorHarness.Run(Wrap(declaration));

        var generatedTrees = run.Output.SyntaxTrees.Except(run.Input.SyntaxTrees).ToHashSet();
        var inGenerated = run.OutputDiagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } t && generatedTrees.Contains(t))
            .ToList();
        Assert.True(inGenerated.Count == 0,
            $"{name}: errors inside generated code:\n" + string.Join("\n", inGenerated) + "\n\n" +
            string.Join("\n\n", run.GeneratedSources.Select(s => s.HintName + ":\n" + s.SourceText)));
    }

    public static TheoryData<string, string> UnusualButValidSources => new()
    {
        { "global namespace", "[Dsl.Network(784)] [Dsl.Dense(10)] public partial class GlobalNet { }" },
        { "block namespace", "namespace Outer.Inner { [Network(784)] [Dense(10)] public partial class A { } }" },
        { "nested in partial class", "namespace N; public partial class Outer { [Network(784)] [Dense(10)] public partial class Inner { } }" },
        { "nested twice, private", "namespace N; public static partial class O1 { internal partial class O2 { [Network(784)] [Dense(10)] private partial class Inner { } } }" },
        { "generic class", "namespace N; [Network(784)] [Dense(10)] public partial class G<T> where T : struct { }" },
        { "generic outer", "namespace N; public partial class Outer<T> { [Network(784)] [Dense(10)] public partial class Inner { } }" },
        { "internal sealed", "namespace N; [Network(784)] [Dense(10)] internal sealed partial class A { }" },
        { "escaped keyword name", "namespace N; [Network(784)] [Dense(10)] public partial class @class { }" },
        { "record class", "namespace N; [Network(784)] [Dense(10)] public partial record class R { }" },
        { "fully qualified attributes", "namespace N; [global::Dsl.NetworkAttribute(784)] [global::Dsl.DenseAttribute(10)] public partial class A { }" },
        { "aliased attribute", "using Fc = Dsl.DenseAttribute; namespace N; [Network(784)] [Fc(10)] public partial class A { }" },
        { "constants as arguments", "namespace N; static class S { public const int In = 784; public const int Out = 10; } [Network(S.In)] [Dense(S.Out)] public partial class A { }" },
        { "user member named like generated helpers", "namespace N; [Network(784)] [Dense(10)] public partial class A { private int _x; public override string ToString() => \"A\"; }" },
        { "two networks same name different namespaces", "namespace N1 { [Network(784)] [Dense(10)] public partial class A { } } namespace N2 { [Network(784)] [Dense(10)] public partial class A { } }" },
    };

    [Theory]
    [MemberData(nameof(UnusualButValidSources))]
    public void Unusual_valid_declarations_generate_code_that_compiles_or_a_dsl_diagnostic(string name, string declaration)
    {
        var run = GeneratorHarness.Run(Wrap(declaration));

        Assert.True(!run.GeneratorFailures.Any(), $"{name}: " + string.Join("\n", run.GeneratorFailures));
        // Shapes the generator chooses not to support (generic, nested) may be rejected with a DSL diagnostic, but
        // whatever is generated must compile cleanly.
        var errors = run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0,
            $"{name}:\n" + string.Join("\n", errors) + "\n\n" +
            string.Join("\n\n", run.GeneratedSources.Select(s => s.HintName + ":\n" + s.SourceText)));
        bool rejected = run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        Assert.True(rejected || run.GeneratedSources.Length > 0, $"{name}: neither code nor a diagnostic was produced");
    }

    private static string Wrap(string declaration) =>
        declaration.StartsWith("PLACEHOLDER_NO_USING", StringComparison.Ordinal)
            ? declaration["PLACEHOLDER_NO_USING".Length..]
            : "using Dsl;\n" + declaration + "\n";
}
