using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generator;

/// <summary>Names of the tracked steps of the incremental pipeline, for cache tests.</summary>
public static class TrackingNames
{
    /// <summary>Class with <c>[Network]</c> → <see cref="NetworkSpec"/>.</summary>
    public const string Parse = nameof(Parse);
    /// <summary>Spec → <see cref="BuildResult"/> (lower, infer, plan).</summary>
    public const string Build = nameof(Build);
    /// <summary>Build result → the location-free <see cref="NetworkModel"/> (null when invalid).</summary>
    public const string Model = nameof(Model);
    /// <summary>Model → <see cref="GeneratedSource"/>.</summary>
    public const string Source = nameof(Source);
    /// <summary>Build result → the recurrent network's <see cref="SequenceModel"/> (null for other networks).</summary>
    public const string SequenceModel = nameof(SequenceModel);
    /// <summary>Sequence model → <see cref="GeneratedSource"/>.</summary>
    public const string SequenceSource = nameof(SequenceSource);
    /// <summary>Build result → its diagnostics.</summary>
    public const string Diagnostics = nameof(Diagnostics);
    /// <summary>Layer attributes on classes without <c>[Network]</c> → DSL006 diagnostics.</summary>
    public const string Orphans = nameof(Orphans);
}

/// <summary>
/// The incremental generator: parse → build → (source, diagnostics). Code and diagnostics are separate projections
/// of the build, so moving a declaration re-reports diagnostics without re-emitting code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<BuildResult> built = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                // Records are accepted here only to be told (DSL001) that a network must be a class.
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (context, cancellationToken) => NetworkParser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse)
            .Select(static (spec, cancellationToken) => NetworkBuilder.Build(spec, cancellationToken))
            .WithTrackingName(TrackingNames.Build);

        IncrementalValuesProvider<GeneratedSource> sources = built
            .Select(static (result, _) => result.Model)
            .WithTrackingName(TrackingNames.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => NetworkEmitter.EmitSafely(model!))
            .WithTrackingName(TrackingNames.Source);

        IncrementalValuesProvider<GeneratedSource> sequenceSources = built
            .Select(static (result, _) => result.Sequence)
            .WithTrackingName(TrackingNames.SequenceModel)
            // Every network passes (an empty source for the others), so the step runs and caches like the rest.
            .Select(static (model, _) => model is null ? GeneratedSource.None : SequenceEmitter.EmitSafely(model))
            .WithTrackingName(TrackingNames.SequenceSource);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = built
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> orphans = context.SyntaxProvider
            .CreateSyntaxProvider(
                predicate: static (node, _) => node is ClassDeclarationSyntax { AttributeLists.Count: > 0 } or RecordDeclarationSyntax { AttributeLists.Count: > 0 },
                transform: static (context, cancellationToken) => NetworkParser.FindOrphanLayers(context, cancellationToken))
            .Where(static found => found.Count > 0)
            .WithTrackingName(TrackingNames.Orphans);

        context.RegisterSourceOutput(sources, static (output, source) => AddSource(output, source));
        context.RegisterSourceOutput(sequenceSources, static (output, source) => AddSource(output, source));

        // Locations are rebuilt inside their syntax tree (found through the compilation, at report time only), so that
        // #pragma warning disable and the IDE treat them as ordinary source diagnostics.
        IncrementalValueProvider<ImmutableArray<SyntaxTree>> trees = context.CompilationProvider
            .Select(static (compilation, _) => ImmutableArray.CreateRange(compilation.SyntaxTrees));
        context.RegisterSourceOutput(diagnostics.Combine(trees), static (output, pair) => Report(output, pair.Left, pair.Right));
        context.RegisterSourceOutput(orphans.Combine(trees), static (output, pair) => Report(output, pair.Left, pair.Right));
    }

    private static void AddSource(SourceProductionContext output, GeneratedSource source)
    {
        if (source.Text.Length > 0)
            output.AddSource(source.HintName, SourceText.From(source.Text, Encoding.UTF8));
        if (source.Error is not null)
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, source.HintName, source.Error));
    }

    private static void Report(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics, ImmutableArray<SyntaxTree> trees)
    {
        if (diagnostics.Count == 0)
            return;
        // Two trees with one path (test compilations often leave paths empty) cannot be told apart: such
        // locations fall back to path and line positions.
        var byPath = new Dictionary<string, SyntaxTree?>();
        foreach (SyntaxTree tree in trees)
            byPath[tree.FilePath] = byPath.ContainsKey(tree.FilePath) ? null : tree;
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            Location location = Location.None;
            if (diagnostic.Location is { } info)
                location = info.ToLocation(byPath.TryGetValue(info.FilePath, out SyntaxTree? tree) ? tree : null);
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(diagnostic.Id), location, [.. diagnostic.MessageArgs]));
        }
    }
}
