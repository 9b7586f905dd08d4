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
        long parameters = 0;
        foreach (LoweredLayer layer in layers)
        {
            Shape? output = layer.Op.InferOutput(current, layer.Source, diagnostics);
            if (output is null || !FitsInArrays(output, layer, diagnostics))
                return null;
            Op op = layer.Op with { Input = current, Output = output };
            foreach (ParameterSpec parameter in op.Parameters)
            {
                parameters += parameter.LongLength;
                if (parameters > MaxFloats)
                {
                    Report(layer, "the network's parameter count up to this layer", parameters, diagnostics);
                    return null;
                }
            }
            shaped.Add(op);
            current = output;
        }
        return shaped;
    }

    // The arena holds roughly three values per activation (output, gradient, mask) for every example of a batch,
    // so a layer whose single example alone approaches the array limit cannot be trained.
    private const long MaxFloats = int.MaxValue;
    private const long MaxActivationFloats = int.MaxValue / 64;

    private static bool FitsInArrays(Shape output, LoweredLayer layer, List<DiagnosticInfo> diagnostics)
    {
        long size = output.LongSize;
        if (size <= MaxActivationFloats)
            return true;
        Report(layer, "the output size per example " + output, size, diagnostics);
        return false;
    }

    private static void Report(LoweredLayer layer, string what, long actual, List<DiagnosticInfo> diagnostics)
        => diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.InvalidHyperparameterId, layer.Source.Location,
            layer.Source.Display, layer.Source.Number, what, "small enough for .NET arrays", actual));
}
