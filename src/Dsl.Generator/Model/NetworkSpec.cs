namespace Dsl.Generator.Model;

/// <summary>Weight initialisation scheme, mirroring <c>Dsl.Initializer</c>.</summary>
public enum InitializerKind
{
    /// <summary>Xavier/Glorot uniform.</summary>
    Xavier = 0,
    /// <summary>He/Kaiming normal.</summary>
    He = 1,
}

/// <summary>
/// Everything the generator reads from one <c>[Network]</c> class, as equatable values: the output of the parse
/// step and the only input of everything after it.
/// </summary>
/// <param name="Namespace">Containing namespace, or null for the global namespace.</param>
/// <param name="ClassName">The class name as C# code: keywords escaped (<c>@class</c>), with its type parameter list, if any.</param>
/// <param name="HintName">Unique file name for the generated source.</param>
/// <param name="Accessibility">C# accessibility keywords of the declaration, e.g. <c>public</c>.</param>
/// <param name="ContainingTypes">Declarations of the enclosing types, outermost first, e.g. <c>partial class Outer</c>.</param>
/// <param name="IsPartial">Whether the declaration carries <c>partial</c>.</param>
/// <param name="ClassLocation">The class identifier.</param>
/// <param name="NetworkLocation">The <c>[Network]</c> attribute.</param>
/// <param name="InputShape">The declared input shape, without the batch.</param>
/// <param name="InputShapeLocations">Location of each input dimension's argument.</param>
/// <param name="Init">Weight initialisation.</param>
/// <param name="Layers">The layer attributes in source order.</param>
/// <param name="HasErrors">An attribute did not bind (the compiler reports it), so nothing is generated.</param>
public sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    string HintName,
    string Accessibility,
    EquatableArray<string> ContainingTypes,
    bool IsPartial,
    LocationInfo? ClassLocation,
    LocationInfo? NetworkLocation,
    EquatableArray<int> InputShape,
    EquatableArray<LocationInfo> InputShapeLocations,
    InitializerKind Init,
    EquatableArray<LayerSpec> Layers,
    bool HasErrors)
{
    /// <summary>Whether the declaration is a record, which cannot host the generated members (DSL001).</summary>
    public bool IsRecord { get; init; }

    /// <summary>Whether the class is static, which cannot hold a network's state (DSL001).</summary>
    public bool IsStatic { get; init; }

    /// <summary>The first enclosing type that is not partial (so the generated part cannot be nested in it), or null.</summary>
    public string? NonPartialContainingType { get; init; }

    /// <summary>An unexpected failure while reading the declaration, reported as DSL999.</summary>
    public string? ParseError { get; init; }

    /// <summary><c>Vocab = …</c> of <c>[Network]</c> (token input of a recurrent network), or null when not set.</summary>
    public LayerArgument? Vocab { get; init; }

    /// <summary><c>TargetVocab = …</c> (the decoder's tokens of an encoder–decoder), or null when not set.</summary>
    public LayerArgument? TargetVocab { get; init; }

    /// <summary><c>Steps = …</c> (time steps of a recurrent network), or null when not set.</summary>
    public LayerArgument? Steps { get; init; }

    /// <summary>The class name for messages, without keyword escapes.</summary>
    public string DisplayName => ClassName.Replace("@", "");
}
