using Dsl.Generator.Ops;
using Dsl.Generator.Planning;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Model;

/// <summary>
/// A valid network ready to emit: shaped ops and their plan. It holds no source locations, so moving the
/// declaration or editing a comment leaves it equal and the generated code is not rebuilt.
/// </summary>
public sealed record NetworkModel(
    string? Namespace,
    string ClassName,
    string HintName,
    string Accessibility,
    EquatableArray<string> ContainingTypes,
    Shape Input,
    InitializerKind Init,
    EquatableArray<Op> Ops,
    Plan Plan)
{
    /// <summary>The class name for messages and the summary, without keyword escapes.</summary>
    public string DisplayName => ClassName.Replace("@", "");

    /// <summary>Shape of the network's output.</summary>
    public Shape Output => Ops.Count == 0 ? Input : Ops[Ops.Count - 1].Output;
}

/// <summary>The result of building one network: a model when it is valid, and the diagnostics in any case.</summary>
public sealed record BuildResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>A valid recurrent network (built by the sequence path instead of <see cref="Model"/>), or null.</summary>
    public SequenceModel? Sequence { get; init; }
}

/// <summary>Generated source for one network; <see cref="Error"/> describes an unexpected failure of the emitter (DSL999).</summary>
public sealed record GeneratedSource(string HintName, string Text, string? Error = null)
{
    /// <summary>Nothing to add (a network the step does not emit).</summary>
    public static GeneratedSource None { get; } = new("", "");
}
