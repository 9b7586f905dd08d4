using System.Collections.Generic;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>Rectified linear unit, <c>[ReLU]</c>.</summary>
public sealed record ReluOp : ActivationOp
{
    /// <summary>ReLU has no arguments to validate.</summary>
    public static ReluOp From(LayerSpec layer, List<DiagnosticInfo> diagnostics) => new();

    /// <inheritdoc/>
    public override string TypeName => "ReLU";

    /// <inheritdoc/>
    public override string NamePrefix => "relu";

    /// <inheritdoc/>
    protected override string Kernel => "Relu";
}
