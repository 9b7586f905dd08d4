using Microsoft.CodeAnalysis;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>Checks that the generator reports exactly the diagnostics marked in a test source, at exactly the marked spans.</summary>
internal static class DiagnosticAssert
{
    /// <summary>
    /// Runs the generator over <paramref name="markup"/> and asserts that its DSL diagnostics are exactly the marked
    /// spans: same ID (<paramref name="defaultId"/> for <c>[|…|]</c>), severity Error, same file and span.
    /// Also asserts that the rest of the compilation (the user's code plus whatever was generated) has no warnings
    /// or errors, so a rejected network never leaves broken generated code behind.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Reports(string markup, string? defaultId = null)
    {
        var marked = MarkedSource.Parse(markup);
        Assert.NotEmpty(marked.Spans);
        var run = GeneratorHarness.Run(marked.Text);

        Assert.Empty(run.GeneratorFailures);
        var dsl = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("DSL", StringComparison.Ordinal))
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        var expected = marked.Spans
            .Select(s => (Id: s.Id ?? defaultId ?? throw new ArgumentException("[|…|] needs a default ID"), s.Span))
            .OrderBy(s => s.Span.Start).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();

        string Describe(IEnumerable<(string Id, Microsoft.CodeAnalysis.Text.TextSpan Span)> list) =>
            string.Join("\n", list.Select(d => $"  {d.Id} {d.Span} '{marked.Text.Substring(d.Span.Start, d.Span.Length)}'"));
        var actual = dsl.Select(d => (d.Id, d.Location.SourceSpan)).ToList();
        Assert.True(
            expected.SequenceEqual(actual),
            $"expected diagnostics:\n{Describe(expected)}\nactual:\n{Describe(actual)}\nmessages:\n" +
            string.Join("\n", dsl.Select(d => "  " + d)));

        foreach (var diagnostic in dsl)
        {
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.DefaultSeverity);
            Assert.Equal("Dsl", diagnostic.Descriptor.Category);
            Assert.True(diagnostic.Location.IsInSource, $"{diagnostic.Id} location is not in source: {diagnostic.Location}");
            Assert.Equal(GeneratorHarness.SourcePath, diagnostic.Location.SourceTree!.FilePath);
            Assert.Contains(diagnostic.Id, diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()));
        }

        var broken = run.OutputWarningsAndErrors.ToList();
        Assert.True(broken.Count == 0,
            "an invalid network must produce only DSL diagnostics, but the compilation has:\n" +
            string.Join("\n", broken.Select(d => $"  {d} in {d.Location.SourceTree?.FilePath}")));
        return dsl;
    }

    /// <summary>Like <see cref="Reports"/> for a source with a single marked diagnostic; returns it.</summary>
    public static Diagnostic ReportsOne(string id, string markup)
    {
        var all = Reports(markup, id);
        Assert.Single(all);
        return all[0];
    }

    /// <summary>Asserts the message contains every fragment (ordinal), quoting the message on failure.</summary>
    public static void MessageContains(Diagnostic diagnostic, params string[] fragments)
    {
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fragment in fragments)
        {
            Assert.True(message.Contains(fragment, StringComparison.Ordinal),
                $"{diagnostic.Id} message should contain \"{fragment}\" but is: {message}");
        }
    }
}
