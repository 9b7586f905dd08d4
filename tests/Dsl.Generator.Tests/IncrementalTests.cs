using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The generator runs on every edit in the IDE; these tests check that its pipeline caches, i.e. that an edit
/// elsewhere re-runs nothing and an irrelevant edit to a network re-emits nothing.
/// </summary>
public sealed class IncrementalTests
{
    private const string NetworkPath = "/test/Networks.cs";
    private const string OtherNetworkPath = "/test/LeNet.cs";
    private const string BrokenPath = "/test/Broken.cs";

    private const string Networks = """
        using Dsl;

        namespace Demo;

        [Network(784)]
        [Dense(256), ReLU, Dense(10)]
        public partial class Mlp { }
        """;

    // Kept in files of their own so each step has several items and a change to one network can be told apart.
    private const string Broken = """
        using Dsl;

        namespace Demo;

        [Network(1, 8, 8)]
        [Conv(4, 3), Dense(10)]
        public partial class MissingFlatten { }

        [Dense(10), ReLU]
        public partial class Orphan { }
        """;

    /// <summary>The step names the generator declares (public consts of <c>Dsl.Generator.TrackingNames</c>).</summary>
    private static IReadOnlyList<string> TrackingNames()
    {
        var type = typeof(NetworkGenerator).Assembly.GetType("Dsl.Generator.TrackingNames")
            ?? throw new InvalidOperationException("Dsl.Generator.TrackingNames not found in the generator assembly");
        return type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
    }

    private static CSharpCompilation BaseCompilation() => GeneratorHarness.CreateCompilation(
        GeneratorHarness.Parse(Networks, NetworkPath),
        GeneratorHarness.Parse(Zoo.LeNetModern, OtherNetworkPath),
        GeneratorHarness.Parse(Broken, BrokenPath));

    private static CSharpCompilation Edit(CSharpCompilation compilation, string path, Func<string, string> edit)
    {
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(edit(old.ToString()), path));
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason)> Reasons(GeneratorRun run, string step) =>
        run.TrackedSteps.TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => (step, o.Reason))
            : [];

    private static void AssertAllCachedOrUnchanged(GeneratorRun run, IEnumerable<string> steps)
    {
        var bad = steps.SelectMany(s => Reasons(run, s))
            .Where(r => r.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .ToList();
        Assert.True(bad.Count == 0, "steps that re-ran: " + string.Join(", ", bad.Select(b => $"{b.Step}={b.Reason}")));
    }

    [Fact]
    public void Generator_declares_the_documented_tracking_names()
    {
        Assert.Equal(
            new[] { "Build", "Diagnostics", "Model", "Orphans", "Parse", "SequenceModel", "SequenceSource", "Source" },
            TrackingNames().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_tracking_name_is_attached_to_a_step_that_runs()
    {
        var run = GeneratorHarness.Run(BaseCompilation());
        var missing = TrackingNames().Where(n => !run.TrackedSteps.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0,
            $"no tracked step named {string.Join(", ", missing)}; tracked: {string.Join(", ", run.TrackedSteps.Keys)}");
    }

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var edited = compilation.AddSyntaxTrees(GeneratorHarness.Parse(
            "namespace Elsewhere; public sealed class Unrelated { public int Value => 42; }", "/test/Unrelated.cs"));
        var second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllCachedOrUnchanged(second, TrackingNames());
        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Fact]
    public void Editing_an_unrelated_file_leaves_every_step_cached()
    {
        var compilation = BaseCompilation().AddSyntaxTrees(
            GeneratorHarness.Parse("namespace Elsewhere; public sealed class Unrelated { }", "/test/Unrelated.cs"));
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, "/test/Unrelated.cs", s => s.Replace("{ }", "{ public int Added; }", StringComparison.Ordinal)),
            first.Driver);

        AssertAllCachedOrUnchanged(second, TrackingNames());
    }

    [Fact]
    public void Trailing_comment_in_network_file_does_not_rebuild_or_reemit()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(Edit(compilation, NetworkPath, s => s + "\n// a comment after the class\n\n"), first.Driver);

        AssertAllCachedOrUnchanged(second, ["Build", "Source"]);
    }

    [Fact]
    public void Whitespace_inside_the_class_body_does_not_rebuild_or_reemit()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, NetworkPath, s => s.Replace("class Mlp { }", "class Mlp {\n    // nothing here yet\n}", StringComparison.Ordinal)),
            first.Driver);

        AssertAllCachedOrUnchanged(second, ["Build", "Source"]);
    }

    [Fact]
    public void Comment_that_shifts_the_attributes_does_not_reemit_source()
    {
        // Moving the attributes changes diagnostic locations, which the pipeline may legitimately carry; the emitted
        // code does not depend on them, so the Source step must still be cached.
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, NetworkPath, s => "// Licensed under the MIT licence.\n\n" + s.Replace("[Dense(256), ReLU", "[Dense(256),   ReLU", StringComparison.Ordinal)),
            first.Driver);

        AssertAllCachedOrUnchanged(second, ["Source"]);
    }

    [Fact]
    public void Real_edit_modifies_only_that_networks_source()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);

        var second = GeneratorHarness.Run(
            Edit(compilation, NetworkPath, s => s.Replace("Dense(256)", "Dense(128)", StringComparison.Ordinal)),
            first.Driver);

        var source = Reasons(second, "Source").Select(r => r.Reason).ToList();
        Assert.Equal(1, source.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(source.Where(r => r != IncrementalStepRunReason.Modified),
            r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"other network's Source was {r}"));
        Assert.Contains("128", second.Source("Demo.Mlp.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("Dsl.Models.LeNetModern.g.cs"), second.Source("Dsl.Models.LeNetModern.g.cs"));
    }

    [Fact]
    public void Fixing_an_error_updates_diagnostics_and_emits_code()
    {
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);
        Assert.Contains(first.GeneratorDiagnostics, d => d.Id == "DSL005");

        var second = GeneratorHarness.Run(
            Edit(compilation, BrokenPath, s => s.Replace("[Conv(4, 3), Dense(10)]", "[Conv(4, 3), Flatten, Dense(10)]", StringComparison.Ordinal)),
            first.Driver);

        Assert.DoesNotContain(second.GeneratorDiagnostics, d => d.Id == "DSL005");
        Assert.Contains(second.GeneratedSources, s => s.HintName == "Demo.MissingFlatten.g.cs");
        Assert.Empty(second.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Moving_a_broken_network_moves_its_diagnostic()
    {
        // The flip side of caching: locations live in the pipeline as values, so a shift must not leave a stale squiggle.
        var compilation = BaseCompilation();
        var first = GeneratorHarness.Run(compilation);
        const string inserted = "// moved down by a comment\n";

        var second = GeneratorHarness.Run(Edit(compilation, BrokenPath, s => inserted + s), first.Driver);

        var before = first.GeneratorDiagnostics.Single(d => d.Id == "DSL005").Location;
        var after = second.GeneratorDiagnostics.Single(d => d.Id == "DSL005").Location;
        Assert.Equal(before.SourceSpan.Start + inserted.Length, after.SourceSpan.Start);
        Assert.Equal(before.GetLineSpan().StartLinePosition.Line + 1, after.GetLineSpan().StartLinePosition.Line);
        Assert.Same(second.Input.SyntaxTrees.Single(t => t.FilePath == BrokenPath), after.SourceTree);
    }

    [Fact]
    public void Step_outputs_hold_no_roslyn_objects()
    {
        // Symbols, nodes and compilations compare by reference and pin the whole compilation in memory; one of them
        // in a step output silently defeats the cache.
        var first = GeneratorHarness.Run(BaseCompilation());
        var failures = new List<string>();
        foreach (var name in TrackingNames())
        {
            if (!first.TrackedSteps.TryGetValue(name, out var steps))
            {
                continue;
            }
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

    [Fact]
    public void Forbidden_object_walker_finds_nested_roslyn_objects()
    {
        // The walker must see through tuples, records and collections, or the test above proves nothing.
        var tree = CSharpSyntaxTree.ParseText("class C { }");
        var failures = new List<string>();
        ForbiddenObjectWalker.Walk(
            (1, new WalkerProbe("x", ImmutableArray.Create<object>(tree.GetRoot().GetLocation()))),
            "probe",
            failures);
        ForbiddenObjectWalker.Walk(new[] { new List<object> { tree.GetRoot() } }, "array", failures);
        ForbiddenObjectWalker.Walk(new WalkerProbe("clean", [1, "two", TextSpan.FromBounds(1, 2)]), "clean", failures);
        Assert.Equal(2, failures.Count);
    }

    private sealed record WalkerProbe(string Name, ImmutableArray<object> Items);
}

/// <summary>Walks an object graph by reflection and reports every Roslyn object that must not live in a pipeline output.</summary>
internal static class ForbiddenObjectWalker
{
    private static readonly Type[] Forbidden =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SemanticModel), typeof(Compilation), typeof(Location),
         typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxReference), typeof(AttributeData)];

    public static void Walk(object? value, string path, List<string> failures) =>
        Walk(value, path, failures, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);

    private static void Walk(object? value, string path, List<string> failures, HashSet<object> seen, int depth)
    {
        if (value is null)
        {
            return;
        }
        var type = value.GetType();
        if (Forbidden.FirstOrDefault(f => f.IsAssignableFrom(type)) is { } forbidden)
        {
            failures.Add($"{path}: {forbidden.Name} ({type.FullName})");
            return;
        }
        // Leaves: values that are equatable by content, and trees/text, which are the sanctioned way to rebuild a
        // Location later (and whose insides are syntax nodes by design).
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || value is string or decimal or TextSpan or LinePositionSpan
            or SyntaxTree or SourceText or Type or MemberInfo or Delegate || depth > 40)
        {
            return;
        }
        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>) &&
            (bool)type.GetProperty("IsDefault")!.GetValue(value)!)
        {
            return;
        }
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items)
            {
                Walk(item, $"{path}[{i++}]", failures, seen, depth + 1);
            }
            return;
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsByRefLike)
                {
                    continue;
                }
                Walk(field.GetValue(value), $"{path}.{Clean(field.Name)}", failures, seen, depth + 1);
            }
        }
    }

    // Record properties are stored in "<Name>k__BackingField"; show the property name.
    private static string Clean(string fieldName) =>
        fieldName.StartsWith('<') && fieldName.IndexOf('>') is > 0 and var end ? fieldName[1..end] : fieldName;
}
