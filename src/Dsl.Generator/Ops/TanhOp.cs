using System.Collections.Generic;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>Hyperbolic tangent, <c>[Tanh]</c>.</summary>
public sealed record TanhOp : ActivationOp
{
    /// <summary>Tanh has no arguments to validate.</summary>
    public static TanhOp From(LayerSpec layer, List<DiagnosticInfo> diagnostics) => new();

    /// <inheritdoc/>
    public override string TypeName => "Tanh";

    /// <inheritdoc/>
    public override string NamePrefix => "tanh";

    /// <inheritdoc/>
    protected override string Kernel => "Tanh";
}
