using System.Collections.Generic;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>Logistic sigmoid, <c>[Sigmoid]</c>.</summary>
public sealed record SigmoidOp : ActivationOp
{
    /// <summary>Sigmoid has no arguments to validate.</summary>
    public static SigmoidOp From(LayerSpec layer, List<DiagnosticInfo> diagnostics) => new();

    /// <inheritdoc/>
    public override string TypeName => "Sigmoid";

    /// <inheritdoc/>
    public override string NamePrefix => "sigmoid";

    /// <inheritdoc/>
    protected override string Kernel => "Sigmoid";
}
