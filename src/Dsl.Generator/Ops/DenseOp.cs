using System.Collections.Generic;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>Fully connected layer, <c>[Dense(units)]</c>: weight <c>[units, in]</c>, optional bias.</summary>
public sealed record DenseOp(int Units, bool Bias) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static DenseOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        int units = layer.GetInt("Units", 0);
        if (!Check(units > 0, layer, "Units", "positive", units, diagnostics))
            return null;
        return new DenseOp(units, layer.GetBool("Bias", true));
    }

    /// <inheritdoc/>
    public override string TypeName => "Dense";

    /// <inheritdoc/>
    public override string NamePrefix => "fc";

    private int InFeatures => Input.Size;

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (!input.IsFlat)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DenseNeedsFlatId, layer.Location,
                layer.Display, layer.Number, input.ToString()));
            return null;
        }
        return Shape.Flat(Units);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters
    {
        get
        {
            var weight = new ParameterSpec(Name, "weight", EquatableArray.Create(Units, InFeatures), InFeatures, Units, ParameterInit.Weight);
            return Bias
                ? new[] { weight, new ParameterSpec(Name, "bias", EquatableArray.Create(Units), InFeatures, Units, ParameterInit.Zero) }
                : new[] { weight };
        }
    }

    /// <inheritdoc/>
    public override long Flops => (long)InFeatures * Units;

    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Dense.Forward({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, {c.Output}, {c.Batch}, inFeatures: {L(InFeatures)}, outFeatures: {L(Units)});");

    /// <summary>The fused inference call: this layer of <c>c.Input</c> with its bias, then ReLU if <paramref name="relu"/>,
    /// into <c>c.Output</c>.</summary>
    public void EmitFusedInference(SourceWriter writer, OpEmitContext c, bool relu)
        => writer.Line($"global::Dsl.Runtime.Dense.ForwardInference({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, relu: {(relu ? "true" : "false")}, " +
            $"{c.Output}, {c.Batch}, inFeatures: {L(InFeatures)}, outFeatures: {L(Units)});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Dense.Backward({c.Input}, {c.Parameter("weight")}, {c.OutputGradient}, {c.InputGradientOrDefault}, " +
            $"{c.Gradient("weight")}, {c.Gradient("bias")}, {c.Batch}, inFeatures: {L(InFeatures)}, outFeatures: {L(Units)});");
}
