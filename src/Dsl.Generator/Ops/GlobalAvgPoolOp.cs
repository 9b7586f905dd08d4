using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// <c>[GlobalAvgPool]</c>: each channel's plane becomes its mean, <c>(C, H, W)</c> → <c>(C, 1, 1)</c> (PyTorch's
/// <c>AdaptiveAvgPool2d(1)</c>). The output stays a feature map, so a dense layer after it still needs <c>[Flatten]</c>.
/// </summary>
public sealed record GlobalAvgPoolOp : Op
{
    /// <summary>The attribute has no arguments.</summary>
    public static GlobalAvgPoolOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics) => new();

    /// <inheritdoc/>
    public override string TypeName => "GlobalAvgPool";

    /// <inheritdoc/>
    public override string NamePrefix => "pool";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
        => CheckFeatureMap(input, layer, diagnostics) ? Shape.Map(input.Channels, 1, 1) : null;

    /// <summary>One addition per input element.</summary>
    public override long Flops => Input.Size;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.GlobalAvgPool2d.Forward({c.Batch}, {L(Input.Channels)}, {L(Input.Height)}, {L(Input.Width)}, {c.Input}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.GlobalAvgPool2d.Backward({c.Batch}, {L(Input.Channels)}, {L(Input.Height)}, {L(Input.Width)}, {c.OutputGradient}, {c.InputGradient});");
}
