using System.Collections.Generic;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Lowering;

/// <summary>Turns one primitive layer attribute into its op, validating its hyperparameters (DSL004).</summary>
public static class Lowerer
{
    /// <summary>The op for <paramref name="layer"/>, or null after reporting why it is invalid. Block kinds are not primitive.</summary>
    public static Op? Create(LayerSpec layer, List<DiagnosticInfo> diagnostics)
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
