using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary><c>[Dropout(p)]</c>: inverted dropout in training (mask kept for backward), the identity in inference.</summary>
public sealed record DropoutOp(double P) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static DropoutOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        double p = layer.GetDouble("P", 0);
        return Check(p >= 0 && p < 1, layer, "P", "in [0, 1)", p, diagnostics) ? new DropoutOp(p) : null;
    }

    /// <inheritdoc/>
    public override string TypeName => "Dropout";

    /// <inheritdoc/>
    public override string NamePrefix => "dropout";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    /// <summary>Free in inference, which is what the summary reports.</summary>
    public override long Flops => 0;

    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <inheritdoc/>
    public override bool CanBackpropagateInPlace => true;

    /// <inheritdoc/>
    public override bool UsesMask => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
    {
        writer.Line($"if ({c.Training})");
        using (writer.Indent())
            writer.Line($"global::Dsl.Runtime.Dropout.Forward({c.Input}, {c.Output}, {c.Mask}, {Literals.Float(P)}, ref {c.Rng});");
        if (!c.OutputAliasesInput)
        {
            writer.Line("else");
            using (writer.Indent())
                writer.Line($"{c.Input}.CopyTo({c.Output});");
        }
    }

    /// <inheritdoc/>
    public override bool HasInferenceForward => true;

    /// <summary>Inference passes the input through: nothing, or a copy when the planner gave the output its own memory.</summary>
    public override void EmitInference(SourceWriter writer, OpEmitContext c)
    {
        if (!c.OutputAliasesInput)
            writer.Line($"{c.Input}.CopyTo({c.Output});");
    }

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Dropout.Backward({c.OutputGradient}, {c.Mask}, {c.InputGradient});");
}
