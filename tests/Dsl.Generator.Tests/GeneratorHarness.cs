using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Basic.Reference.Assemblies;
using Dsl.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generator.Tests;

/// <summary>What one run of <see cref="NetworkGenerator"/> over a test compilation produced.</summary>
/// <param name="Input">The compilation handed to the driver.</param>
/// <param name="Output">The compilation with the generated trees added.</param>
/// <param name="Driver">The driver after the run; run it again to observe incremental caching.</param>
/// <param name="RunResult">The driver's run result (tracked steps, generated sources, exceptions).</param>
/// <param name="GeneratedSources">Hint name and text of each generated file.</param>
/// <param name="GeneratorDiagnostics">Diagnostics the generator reported (and CS8785 if it threw).</param>
/// <param name="OutputDiagnostics">Diagnostics of <paramref name="Output"/>, i.e. whether the generated code compiles.</param>
public sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    GeneratorDriverRunResult RunResult,
    ImmutableArray<GeneratedSourceResult> GeneratedSources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> OutputDiagnostics)
{
    /// <summary>The tracked steps of the single generator under test.</summary>
    public ImmutableDictionary<string, ImmutableArray<IncrementalGeneratorRunStep>> TrackedSteps =>
        RunResult.Results.Single().TrackedSteps;

    /// <summary>Text of the generated file whose hint name ends with <paramref name="hintSuffix"/>.</summary>
    public string Source(string hintSuffix)
    {
        var match = GeneratedSources.Where(s => s.HintName.EndsWith(hintSuffix, StringComparison.Ordinal)).ToList();
        if (match.Count != 1)
        {
            throw new InvalidOperationException(
                $"expected one generated file ending in '{hintSuffix}', found {match.Count}; generated: " +
                string.Join(", ", GeneratedSources.Select(s => s.HintName)));
        }
        return match[0].SourceText.ToString();
    }

    /// <summary>Output diagnostics of warning or error severity, i.e. what would break a warnings-as-errors build.</summary>
    public IEnumerable<Diagnostic> OutputWarningsAndErrors =>
        OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning);

    /// <summary>
    /// Diagnostics that mean the generator itself crashed rather than reporting a problem in the user's code: the
    /// compiler's own (CS8784/CS8785, AD0001) and the generator's catch-all DSL999, which only fires on a caught bug.
    /// </summary>
    public IEnumerable<Diagnostic> GeneratorFailures =>
        GeneratorDiagnostics.Concat(OutputDiagnostics).Where(d =>
            d.Id is "CS8784" or "CS8785" or "AD0001" or "DSL999" ||
            d.GetMessage().Contains("failed to generate source", StringComparison.Ordinal) ||
            d.GetMessage().Contains("Generator 'NetworkGenerator' failed", StringComparison.Ordinal));
}

/// <summary>Builds compilations against the .NET 10 reference assemblies plus the DSL's own assemblies and runs the generator on them.</summary>
public static class GeneratorHarness
{
    /// <summary>Path given to the single syntax tree built from test source, so spans can be checked against a file.</summary>
    public const string SourcePath = "/test/Network.cs";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly ImmutableArray<MetadataReference> References = BuildReferences();

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        var dslAssemblies = new[]
        {
            typeof(Dsl.NetworkAttribute).Assembly,
            typeof(Dsl.Runtime.INetwork).Assembly,
            // Not part of the shared-framework reference pack; generated code may call it directly.
            typeof(System.Numerics.Tensors.TensorPrimitives).Assembly,
        };
        return [.. Net100.References.All, .. dslAssemblies.Select(a => (MetadataReference)MetadataReference.CreateFromFile(a.Location))];
    }

    /// <summary>Path of the tree that stands in for the SDK's implicit usings.</summary>
    public const string ImplicitUsingsPath = "/test/obj/GlobalUsings.g.cs";

    // What Microsoft.NET.Sdk adds with <ImplicitUsings>enable</ImplicitUsings>, as in the repository's own projects.
    private const string SdkImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>Parses <paramref name="source"/> (no markup) into a syntax tree at <paramref name="path"/>.</summary>
    public static SyntaxTree Parse(string source, string path = SourcePath) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>
    /// A library compilation of the given trees as a default SDK project would build it (implicit usings on).
    /// Unsafe code is allowed because generated code may pin buffers.
    /// </summary>
    public static CSharpCompilation CreateCompilation(params SyntaxTree[] trees) => CreateCompilation(implicitUsings: true, trees);

    /// <summary>
    /// A library compilation of the given trees; with <paramref name="implicitUsings"/> off it is a project with
    /// <c>&lt;ImplicitUsings&gt;disable&lt;/ImplicitUsings&gt;</c>, where generated code cannot lean on <c>using System;</c>.
    /// </summary>
    public static CSharpCompilation CreateCompilation(bool implicitUsings, params SyntaxTree[] trees) =>
        CSharpCompilation.Create(
            "Dsl.Generator.Tests.Subject",
            implicitUsings ? [.. trees, Parse(SdkImplicitUsings, ImplicitUsingsPath)] : trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release,
                deterministic: true));

    /// <summary>A fresh driver for <see cref="NetworkGenerator"/> with step tracking on.</summary>
    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator over <paramref name="source"/> (plain C#, no markup).</summary>
    public static GeneratorRun Run(string source, bool implicitUsings = true) =>
        Run(CreateCompilation(implicitUsings, Parse(source)));

    /// <summary>Runs a driver (new, or one from a previous run to observe caching) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CreateDriver();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var runResult = driver.GetRunResult();
        return new GeneratorRun(
            compilation,
            output,
            driver,
            runResult,
            runResult.Results.SelectMany(r => r.GeneratedSources).ToImmutableArray(),
            generatorDiagnostics,
            output.GetDiagnostics());
    }

    /// <summary>Emits <paramref name="compilation"/> to memory; fails with the emit diagnostics if it does not build.</summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        EmitResult result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("emit failed:\n" + string.Join("\n", result.Diagnostics));
        }
        return stream.ToArray();
    }

    /// <summary>Loads an emitted assembly into a collectible context; the DSL assemblies resolve from the test's own context.</summary>
    public static Assembly Load(byte[] image)
    {
        var context = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(new MemoryStream(image));
    }

    /// <summary>
    /// Applies the compilation's diagnostic filter (pragmas, <c>SuppressMessage</c>, severity options) to a generator
    /// diagnostic, as the command-line compiler does before printing it. Returns null if it was dropped.
    /// </summary>
    public static Diagnostic? FilterAsCompilerWould(Compilation compilation, Diagnostic diagnostic)
    {
        // CompilationOptions.FilterDiagnostic is internal in Roslyn 4.14, but it is exactly what csc applies to generator
        // diagnostics; calling it is the only faithful in-process check that #pragma reaches them.
        var method = typeof(CompilationOptions).GetMethod(
            "FilterDiagnostic",
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
            binder: null,
            [typeof(Diagnostic), typeof(CancellationToken)],
            modifiers: null)
            ?? throw new InvalidOperationException("CompilationOptions.FilterDiagnostic not found in this Roslyn version");
        return (Diagnostic?)method.Invoke(compilation.Options, [diagnostic, CancellationToken.None]);
    }
}

/// <summary>A span marked in test source: <c>[|text|]</c> (any diagnostic) or <c>{|DSL005:text|}</c> (that ID).</summary>
public sealed record MarkedSpan(string? Id, TextSpan Span);

/// <summary>Test source with its span markup removed.</summary>
public sealed record MarkedSource(string Text, ImmutableArray<MarkedSpan> Spans)
{
    /// <summary>Strips <c>[|…|]</c> and <c>{|ID:…|}</c> markers, recording the spans they enclosed in the stripped text.</summary>
    public static MarkedSource Parse(string markup)
    {
        var text = new System.Text.StringBuilder(markup.Length);
        var open = new Stack<(string? Id, int Start, char Closer)>();
        var spans = ImmutableArray.CreateBuilder<MarkedSpan>();
        for (int i = 0; i < markup.Length;)
        {
            if (Starts(markup, i, "[|"))
            {
                open.Push((null, text.Length, ']'));
                i += 2;
            }
            else if (Starts(markup, i, "{|"))
            {
                int colon = markup.IndexOf(':', i + 2);
                if (colon < 0)
                {
                    throw new FormatException($"'{{|' at {i} has no ':' after its diagnostic ID");
                }
                open.Push((markup[(i + 2)..colon], text.Length, '}'));
                i = colon + 1;
            }
            else if (open.Count > 0 && (Starts(markup, i, "|]") || Starts(markup, i, "|}")) && markup[i + 1] == open.Peek().Closer)
            {
                var (id, start, _) = open.Pop();
                spans.Add(new MarkedSpan(id, TextSpan.FromBounds(start, text.Length)));
                i += 2;
            }
            else
            {
                text.Append(markup[i]);
                i++;
            }
        }
        if (open.Count > 0)
        {
            throw new FormatException($"{open.Count} span marker(s) not closed");
        }
        return new MarkedSource(text.ToString(), spans.ToImmutable());
    }

    private static bool Starts(string s, int at, string token) => string.CompareOrdinal(s, at, token, 0, token.Length) == 0;
}
