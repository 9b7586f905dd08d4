using System.Collections.Generic;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Lowering;

/// <summary>A lowered layer: the op, and the attribute it came from (for diagnostic locations only).</summary>
public sealed record LoweredLayer(Op Op, LayerSpec Source);

/// <summary>
/// Turns layer attributes into ops, validating hyperparameters (DSL004) and naming each op as PyTorch would:
/// numbered per kind in declaration order (<c>conv1</c>, <c>conv2</c>, <c>fc1</c>, <c>prelu1</c>).
/// </summary>
public static class Lowerer
{
    /// <summary>
    /// Lowers every layer. A layer that fails validation is left out and reported, and lowering goes on so that
    /// every bad argument is reported at once; <paramref name="complete"/> tells whether all layers lowered.
    /// </summary>
    public static List<LoweredLayer> Lower(NetworkSpec spec, List<DiagnosticInfo> diagnostics, out bool complete)
    {
        var layers = new List<LoweredLayer>(spec.Layers.Count);
        var counters = new Dictionary<string, int>();
        complete = true;
        foreach (LayerSpec layer in spec.Layers)
        {
            Op? op = Create(layer, diagnostics);
            if (op is null)
            {
                complete = false;
                continue;
            }
            counters.TryGetValue(op.NamePrefix, out int count);
            counters[op.NamePrefix] = ++count;
            op = op with
            {
                Name = op.NamePrefix + count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Number = layer.Number,
                Display = layer.Display,
            };
            layers.Add(new LoweredLayer(op, layer));
        }
        return layers;
    }

    private static Op? Create(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        switch (layer.Kind)
        {
            case LayerKind.Dense: return DenseOp.From(layer, diagnostics);
            case LayerKind.Conv: return ConvOp.From(layer, diagnostics);
            case LayerKind.MaxPool: return MaxPoolOp.From(layer, diagnostics);
            case LayerKind.AvgPool: return AvgPoolOp.From(layer, diagnostics);
            case LayerKind.Flatten: return FlattenOp.From(layer, diagnostics);
            case LayerKind.ReLU: return ReluOp.From(layer, diagnostics);
            case LayerKind.PReLU: return PReluOp.From(layer, diagnostics);
            case LayerKind.Sigmoid: return SigmoidOp.From(layer, diagnostics);
            case LayerKind.Tanh: return TanhOp.From(layer, diagnostics);
            case LayerKind.Dropout: return DropoutOp.From(layer, diagnostics);
            case LayerKind.BatchNorm: return BatchNormOp.From(layer, diagnostics);
            case LayerKind.LayerNorm: return LayerNormOp.From(layer, diagnostics);
            case LayerKind.GlobalAvgPool: return GlobalAvgPoolOp.From(layer, diagnostics);
            case LayerKind.AdaptiveAvgPool: return AdaptiveAvgPoolOp.From(layer, diagnostics);
            default:
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayerId, layer.Location, layer.AttributeName, layer.Number));
                return null;
        }
    }
}
