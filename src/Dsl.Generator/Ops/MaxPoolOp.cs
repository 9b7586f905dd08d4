using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>Max pooling, <c>[MaxPool(kernel)]</c>.</summary>
public sealed record MaxPoolOp(int KernelHeight, int KernelWidth, int Stride, int Padding)
    : PoolOp(KernelHeight, KernelWidth, Stride, Padding)
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static MaxPoolOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
        => Validate(layer, diagnostics, out int kh, out int kw, out int stride, out int padding)
            ? new MaxPoolOp(kh, kw, stride, padding)
            : null;

    /// <inheritdoc/>
    public override string TypeName => "MaxPool";

    // The gradient goes to the position that won the max, found by comparing input with output.
    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override bool BackwardReadsOutput => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.MaxPool2d.Forward(in {GeometryField}, {c.Batch}, {c.Input}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.MaxPool2d.Backward(in {GeometryField}, {c.Batch}, {c.Input}, {c.Output}, {c.OutputGradient}, {c.InputGradient});");
}
