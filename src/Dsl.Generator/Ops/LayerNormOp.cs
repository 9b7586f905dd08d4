using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// <c>[LayerNorm]</c>: normalises each example over all its values (PyTorch's LayerNorm with the example shape as
/// <c>normalized_shape</c>), then scales and shifts elementwise by <c>weight</c> (1) and <c>bias</c> (0) of that shape.
/// </summary>
public sealed record LayerNormOp(double Epsilon) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static LayerNormOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        double epsilon = layer.GetDouble("Epsilon", 1e-5);
        return Check(epsilon > 0 && (float)epsilon > 0 && !double.IsInfinity(epsilon), layer, "Epsilon", "positive", epsilon, diagnostics)
            ? new LayerNormOp(epsilon)
            : null;
    }

    /// <inheritdoc/>
    public override string TypeName => "LayerNorm";

    /// <inheritdoc/>
    public override string NamePrefix => "ln";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    private int Features => Input.Size;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters => new[]
    {
        new ParameterSpec(Name, "weight", Input.Dims, 1, 1, ParameterInit.Constant, 1),
        new ParameterSpec(Name, "bias", Input.Dims, 1, 1, ParameterInit.Zero),
    };

    /// <summary>Mean, variance, normalisation and the affine transform: four operations per element.</summary>
    public override long Flops => 4L * Output.Size;

    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override bool CanBackpropagateInPlace => true;

    // Mean and 1/√(var + eps) of each example.
    /// <inheritdoc/>
    public override int SavedFloatsPerExample => 2;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.LayerNorm.Forward({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, {c.Output}, " +
            $"{c.Saved}.Slice(0, {c.Batch}), {c.Saved}.Slice({c.Batch}, {c.Batch}), {c.Batch}, {L(Features)}, eps: {Literals.Float(Epsilon)});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.LayerNorm.Backward({c.Input}, {c.Parameter("weight")}, {c.Saved}.Slice(0, {c.Batch}), {c.Saved}.Slice({c.Batch}, {c.Batch}), " +
            $"{c.OutputGradient}, {c.InputGradientOrDefault}, {c.Gradient("weight")}, {c.Gradient("bias")}, {c.Batch}, {L(Features)});");
}
