using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generator.Model;

/// <summary>
/// Where a piece of the declaration is, as plain values: a <see cref="Location"/> holds on to its syntax tree and
/// would keep the pipeline from caching, so it is rebuilt from these only when a diagnostic is reported.
/// </summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>Captures the location of <paramref name="node"/>.</summary>
    public static LocationInfo From(SyntaxNode node) => From(node.GetLocation());

    /// <summary>Captures a source location.</summary>
    public static LocationInfo From(Location location)
        => new(location.SourceTree?.FilePath ?? location.GetLineSpan().Path, location.SourceSpan, location.GetLineSpan().Span);

    /// <summary>Rebuilds a location; within <paramref name="tree"/> when it is known, so that <c>#pragma warning disable</c> applies.</summary>
    public Location ToLocation(SyntaxTree? tree = null)
        => tree is not null ? Location.Create(tree, Span) : Location.Create(FilePath, Span, LineSpan);
}
