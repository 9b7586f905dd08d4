using System.Collections.Generic;
using Dsl.Generator.Lowering;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Shapes;

/// <summary>Runs each op's shape rule in order, from the declared input shape.</summary>
public static class ShapeInference
{
    /// <summary>
    /// The ops with their input and output shapes set, or null after reporting where the shapes stop making sense.
    /// Inference stops at the first error: every later shape would depend on a shape that does not exist.
    /// </summary>
    public static List<Op>? Infer(Shape input, IReadOnlyList<LoweredLayer> layers, List<DiagnosticInfo> diagnostics)
    {
        var shaped = new List<Op>(layers.Count);
        Shape current = input;
        foreach (LoweredLayer layer in layers)
        {
            Shape? output = layer.Op.InferOutput(current, layer.Source, diagnostics);
            if (output is null)
                return null;
            shaped.Add(layer.Op with { Input = current, Output = output });
            current = output;
        }
        return shaped;
    }
}
