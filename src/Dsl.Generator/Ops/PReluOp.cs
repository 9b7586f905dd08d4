using System;
using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>Parametric ReLU, <c>[PReLU]</c>, with one learnt slope (<c>prelu1.weight</c>, shape <c>[1]</c>, as PyTorch).</summary>
public sealed record PReluOp(double Init) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static PReluOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        double init = layer.GetDouble("Init", 0.25);
        return Check(!double.IsNaN(init) && !double.IsInfinity(init), layer, "Init", "a finite number", init, diagnostics)
            ? new PReluOp(init)
            : null;
    }

    /// <inheritdoc/>
    public override string TypeName => "PReLU";

    /// <inheritdoc/>
    public override string NamePrefix => "prelu";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters
        => new[] { new ParameterSpec(Name, "weight", EquatableArray.Create(1), 1, 1, ParameterInit.Constant, Init) };

    /// <summary>One operation per element.</summary>
    public override long Flops => Output.Size;

    // The slope gradient sums dy·x over the negative inputs, so x must survive.
    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override bool RequiresInputGradient => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Activations.PRelu({c.Input}, {c.Parameter("weight")}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Activations.PReluBackward({c.Input}, {c.Parameter("weight")}, {c.OutputGradient}, {c.InputGradient}, {c.Gradient("weight")});");
}
