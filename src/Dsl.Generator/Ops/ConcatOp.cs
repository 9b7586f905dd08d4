using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// Concatenation of branches along channels (Inception, DenseNet): every input is a <c>(C_i, H, W)</c> map with the same
/// H and W, the output <c>(ΣC_i, H, W)</c>. Backward splits the output gradient back into channel slices, adding into an
/// input gradient that another reader already wrote (a DenseNet layer's input is both concatenated and convolved).
/// </summary>
/// <param name="BranchNames">How DSL012 names each input.</param>
public sealed record ConcatOp(EquatableArray<string> BranchNames) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Concat";

    /// <inheritdoc/>
    public override string NamePrefix => "concat";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    /// <inheritdoc/>
    public override Shape? InferOutput(IReadOnlyList<Shape> inputs, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        foreach (Shape input in inputs)
            if (!CheckFeatureMap(input, layer, diagnostics))
                return null;
        if (inputs.All(s => s.Height == inputs[0].Height && s.Width == inputs[0].Width))
            return Shape.Map(inputs.Sum(s => s.Channels), inputs[0].Height, inputs[0].Width);
        string shapes = string.Join(", ", inputs.Select((s, i) => (i < BranchNames.Count ? BranchNames[i] : "branch " + (i + 1)) + " " + s));
        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.ConcatShapeMismatchId, layer.Location,
            layer.Display, layer.Number, shapes));
        return null;
    }

    /// <summary>A copy, no arithmetic.</summary>
    public override long Flops => 0;

    /// <inheritdoc/>
    public override bool CanAccumulateInputGradient => true;

    private int Spatial => Output.Height * Output.Width;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
    {
        int offset = 0;
        for (int i = 0; i < c.Inputs.Count; i++)
        {
            int channels = InputShapes[i].Channels;
            writer.Line($"global::Dsl.Runtime.Merge.ConcatInto({c.Batch}, {L(Spatial)}, {c.Inputs[i]}, {L(channels)}, {c.Output}, {L(Output.Channels)}, channelOffset: {L(offset)});");
            offset += channels;
        }
    }

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
    {
        int offset = 0;
        for (int i = 0; i < c.Inputs.Count; i++)
        {
            int channels = InputShapes[i].Channels;
            if (c.InputGradientModes[i] is GradientMode.Write or GradientMode.Accumulate)
            {
                string accumulate = c.InputGradientModes[i] == GradientMode.Accumulate ? ", accumulate: true" : "";
                writer.Line($"global::Dsl.Runtime.Merge.SplitFrom({c.Batch}, {L(Spatial)}, {c.OutputGradient}, {L(Output.Channels)}, channelOffset: {L(offset)}, " +
                    $"{c.InputGradients[i]}, {L(channels)}{accumulate});");
            }
            offset += channels;
        }
    }
}
