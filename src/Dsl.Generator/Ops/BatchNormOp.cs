using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// <c>[BatchNorm]</c>: per channel of a <c>(C, H, W)</c> map (BatchNorm2d) or per feature of a flat input (BatchNorm1d).
/// Parameters <c>weight</c> (gamma, 1) and <c>bias</c> (beta, 0); buffers <c>running_mean</c> (0) and <c>running_var</c> (1).
/// Training normalises with the batch statistics, saved in the arena for backward, and updates the running ones.
/// </summary>
public sealed record BatchNormOp(double Momentum, double Epsilon) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static BatchNormOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        double momentum = layer.GetDouble("Momentum", 0.1);
        double epsilon = layer.GetDouble("Epsilon", 1e-5);
        bool valid = Check(momentum >= 0 && momentum <= 1, layer, "Momentum", "in [0, 1]", momentum, diagnostics);
        // The kernels take float epsilon: a positive double that rounds to 0f would divide by zero on a constant channel.
        valid &= Check(epsilon > 0 && (float)epsilon > 0 && !double.IsInfinity(epsilon), layer, "Epsilon", "positive", epsilon, diagnostics);
        return valid ? new BatchNormOp(momentum, epsilon) : null;
    }

    /// <inheritdoc/>
    public override string TypeName => "BatchNorm";

    /// <inheritdoc/>
    public override string NamePrefix => "bn";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    private int Channels => Input.Channels;

    private int Spatial => Input.IsFlat ? 1 : Input.Height * Input.Width;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters => new[]
    {
        new ParameterSpec(Name, "weight", EquatableArray.Create(Channels), 1, 1, ParameterInit.Constant, 1),
        new ParameterSpec(Name, "bias", EquatableArray.Create(Channels), 1, 1, ParameterInit.Zero),
    };

    /// <inheritdoc/>
    public override IReadOnlyList<BufferSpec> Buffers => new[]
    {
        new BufferSpec(Name, "running_mean", EquatableArray.Create(Channels), 0),
        new BufferSpec(Name, "running_var", EquatableArray.Create(Channels), 1),
    };

    /// <summary>Inference: a scale and a shift per element (the statistics are constants).</summary>
    public override long Flops => 2L * Output.Size;

    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override bool CanBackpropagateInPlace => true;

    // Mean and 1/√(var + eps) per channel; the slice is batch × this, so 2C always fits.
    /// <inheritdoc/>
    public override int SavedFloatsPerExample => 2 * Channels;

    /// <inheritdoc/>
    public override bool UsesTrainingFlag => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
    {
        string channels = L(Channels);
        writer.Line($"if ({c.Training})");
        using (writer.Indent())
        {
            writer.Line($"global::Dsl.Runtime.BatchNorm.ForwardTraining({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, {c.Output}, " +
                $"{c.Buffer("running_mean")}, {c.Buffer("running_var")}, {c.Saved}.Slice(0, {channels}), {c.Saved}.Slice({channels}, {channels}), " +
                $"{c.Batch}, {channels}, {L(Spatial)}, momentum: {Literals.Float(Momentum)}, eps: {Literals.Float(Epsilon)});");
        }
        writer.Line("else");
        using (writer.Indent())
            writer.Line(InferenceCall(c));
    }

    /// <inheritdoc/>
    public override bool HasInferenceForward => true;

    /// <inheritdoc/>
    public override void EmitInference(SourceWriter writer, OpEmitContext c)
        => writer.Line(InferenceCall(c));

    private string InferenceCall(OpEmitContext c)
        => $"global::Dsl.Runtime.BatchNorm.ForwardInference({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, " +
            $"{c.Buffer("running_mean")}, {c.Buffer("running_var")}, {c.Output}, {c.Batch}, {L(Channels)}, {L(Spatial)}, eps: {Literals.Float(Epsilon)});";

    /// <summary>The call folding the running statistics and affine parameters into <paramref name="scale"/> and
    /// <paramref name="shift"/> (plus <paramref name="bias"/>, a preceding layer's bias property, or <c>default</c>).</summary>
    public string ScaleShiftCall(OpEmitContext c, string bias, string scale, string shift)
        => $"global::Dsl.Runtime.BatchNorm.InferenceScaleShift({c.Parameter("weight")}, {c.Parameter("bias")}, " +
            $"{c.Buffer("running_mean")}, {c.Buffer("running_var")}, {bias}, {scale}, {shift}, eps: {Literals.Float(Epsilon)});";

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
    {
        string channels = L(Channels);
        writer.Line($"global::Dsl.Runtime.BatchNorm.Backward({c.Input}, {c.Parameter("weight")}, {c.Saved}.Slice(0, {channels}), {c.Saved}.Slice({channels}, {channels}), " +
            $"{c.OutputGradient}, {c.InputGradientOrDefault}, {c.Gradient("weight")}, {c.Gradient("bias")}, {c.Batch}, {channels}, {L(Spatial)});");
    }
}
