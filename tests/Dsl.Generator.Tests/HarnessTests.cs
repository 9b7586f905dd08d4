using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>The test harness itself: span markup and the reference set, so a failing generator test is never the harness's fault.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void Markup_is_stripped_and_spans_point_into_the_stripped_text()
    {
        var marked = MarkedSource.Parse("[[|Dense(120)|], {|DSL004:Dropout(1.0)|}]");
        Assert.Equal("[Dense(120), Dropout(1.0)]", marked.Text);
        Assert.Equal(2, marked.Spans.Length);
        Assert.Equal(new MarkedSpan(null, new TextSpan(1, 10)), marked.Spans[0]);
        Assert.Equal("DSL004", marked.Spans[1].Id);
        Assert.Equal("Dropout(1.0)", marked.Text.Substring(marked.Spans[1].Span.Start, marked.Spans[1].Span.Length));
    }

    [Fact]
    public void Markup_spans_nest_and_ordinary_brackets_survive()
    {
        var marked = MarkedSource.Parse("[{|DSL005:Dense([|0|])|}] int[] a = { 1 };");
        Assert.Equal("[Dense(0)] int[] a = { 1 };", marked.Text);
        Assert.Equal(["0", "Dense(0)"], marked.Spans.Select(s => marked.Text.Substring(s.Span.Start, s.Span.Length)));
    }

    [Fact]
    public void Unclosed_markup_is_rejected()
    {
        Assert.Throws<FormatException>(() => MarkedSource.Parse("[|Dense(1)"));
    }

    [Fact]
    public void Plain_source_using_the_dsl_assemblies_compiles()
    {
        var compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.Parse("""
            using Dsl;
            public sealed class Uses
            {
                public Dsl.Runtime.INetwork? Network;
                public System.Type T = typeof(NetworkAttribute);
                public float Sum(System.ReadOnlySpan<float> x) => System.Numerics.Tensors.TensorPrimitives.Sum(x);
            }
            """));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Generator_without_input_does_nothing()
    {
        var run = GeneratorHarness.Run("public sealed class Nothing { }");
        Assert.Empty(run.GeneratedSources);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.GeneratorFailures);
    }

    [Fact]
    public void Compiler_filter_applies_pragmas_to_configurable_errors_in_source()
    {
        // Proves the filter the pragma test relies on: a configurable error with a Location in a tree is suppressed by
        // #pragma, the same error outside the pragma is kept, and an external-file location escapes the pragma.
        var tree = GeneratorHarness.Parse("""
            #pragma warning disable XYZ001
            class A { }
            #pragma warning restore XYZ001
            class B { }
            """);
        var compilation = GeneratorHarness.CreateCompilation(tree);
        var rule = new DiagnosticDescriptor("XYZ001", "t", "m", "Dsl", DiagnosticSeverity.Error, isEnabledByDefault: true);
        var text = tree.ToString();
        var inside = Diagnostic.Create(rule, Location.Create(tree, new TextSpan(text.IndexOf("class A", StringComparison.Ordinal), 7)));
        var outside = Diagnostic.Create(rule, Location.Create(tree, new TextSpan(text.IndexOf("class B", StringComparison.Ordinal), 7)));

        var filteredInside = GeneratorHarness.FilterAsCompilerWould(compilation, inside);
        Assert.True(filteredInside is null || filteredInside.IsSuppressed);
        Assert.Equal(DiagnosticSeverity.Error, GeneratorHarness.FilterAsCompilerWould(compilation, outside)!.Severity);
        Assert.False(GeneratorHarness.FilterAsCompilerWould(compilation, outside)!.IsSuppressed);
    }
}
