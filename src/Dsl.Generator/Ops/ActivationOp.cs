using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// An element-wise activation whose derivative is a function of its output (ReLU, sigmoid, tanh): backward reads
/// only <c>y</c>, so the forward can overwrite its input and the backward its output gradient.
/// </summary>
public abstract record ActivationOp : Op
{
    /// <summary>The <c>Dsl.Runtime.Activations</c> method, e.g. <c>Relu</c>; its backward is the same name + <c>Backward</c>.</summary>
    protected abstract string Kernel { get; }

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    /// <summary>One operation per element.</summary>
    public override long Flops => Output.Size;

    /// <inheritdoc/>
    public override bool BackwardReadsOutput => true;

    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <inheritdoc/>
    public override bool CanBackpropagateInPlace => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Activations.{Kernel}({c.Input}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Activations.{Kernel}Backward({c.Output}, {c.OutputGradient}, {c.InputGradient});");
}
