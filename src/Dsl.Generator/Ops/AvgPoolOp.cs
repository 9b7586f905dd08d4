using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>Average pooling, <c>[AvgPool(kernel)]</c>; its backward needs neither input nor output.</summary>
public sealed record AvgPoolOp(int KernelHeight, int KernelWidth, int Stride, int Padding)
    : PoolOp(KernelHeight, KernelWidth, Stride, Padding)
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static AvgPoolOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
        => Validate(layer, diagnostics, out int kh, out int kw, out int stride, out int padding)
            ? new AvgPoolOp(kh, kw, stride, padding)
            : null;

    /// <inheritdoc/>
    public override string TypeName => "AvgPool";

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.AvgPool2d.Forward(in {GeometryField}, {c.Batch}, {c.Input}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.AvgPool2d.Backward(in {GeometryField}, {c.Batch}, {c.OutputGradient}, {c.InputGradient});");
}
