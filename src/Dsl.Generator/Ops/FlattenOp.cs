using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary><c>[Flatten]</c>: NCHW data is already laid out as <c>(batch, C·H·W)</c>, so this is a view and emits no call.</summary>
public sealed record FlattenOp : Op
{
    /// <summary>Flatten has no arguments to validate.</summary>
    public static FlattenOp From(LayerSpec layer, List<DiagnosticInfo> diagnostics) => new();

    /// <inheritdoc/>
    public override string TypeName => "Flatten";

    /// <inheritdoc/>
    public override string NamePrefix => "flatten";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => Shape.Flat(input.Size);

    /// <inheritdoc/>
    public override long Flops => 0;

    /// <inheritdoc/>
    public override bool IsView => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c) { }

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c) { }
}
