using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// Element-wise sum of two or more branches of equal shape: where a residual block's body meets its shortcut. Backward
/// hands the output gradient to every input unchanged, so the planner lets one input gradient share its memory.
/// </summary>
/// <param name="Suggestion">What DSL011 suggests when the shapes differ (a residual shortcut or a parallel merge).</param>
/// <param name="BranchNames">How DSL011 names each input, e.g. <c>body</c> and <c>shortcut</c>.</param>
public sealed record AddOp(string Suggestion, EquatableArray<string> BranchNames) : Op
{
    /// <inheritdoc/>
    public override string TypeName => "Add";

    /// <inheritdoc/>
    public override string NamePrefix => "add";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics) => input;

    /// <inheritdoc/>
    public override Shape? InferOutput(IReadOnlyList<Shape> inputs, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (inputs.All(s => s == inputs[0]))
            return inputs[0];
        string shapes = string.Join(" and ", inputs.Select((s, i) => (i < BranchNames.Count ? BranchNames[i] : "branch " + (i + 1)) + " " + s));
        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.AddShapeMismatchId, layer.Location,
            layer.Display, layer.Number, shapes, Suggestion));
        return null;
    }

    /// <summary>One addition per element and extra input.</summary>
    public override long Flops => (long)Output.Size * (Inputs.Count - 1);

    /// <inheritdoc/>
    public override bool CanRunInPlace => true;

    /// <inheritdoc/>
    public override IReadOnlyList<int> InPlaceSlots => Enumerable.Range(0, Inputs.Count).ToArray();

    /// <inheritdoc/>
    public override bool PassesGradientThrough => true;

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
    {
        writer.Line($"global::Dsl.Runtime.Merge.Add({c.Inputs[0]}, {c.Inputs[1]}, {c.Output});");
        for (int i = 2; i < c.Inputs.Count; i++)
            writer.Line($"global::Dsl.Runtime.Merge.Accumulate({c.Inputs[i]}, {c.Output});");
    }

    /// <summary>Not called: the emitter copies or accumulates the output gradient for each input.</summary>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c) { }
}
