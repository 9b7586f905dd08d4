using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// <c>[AdaptiveAvgPool(h, w)]</c> or <c>[AdaptiveAvgPool(size)]</c>: average pooling to a fixed output size with
/// PyTorch's bins (output row i averages input rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1), <c>(C, H, W)</c> → <c>(C, h, w)</c>.
/// </summary>
public sealed record AdaptiveAvgPoolOp(int OutputHeight, int OutputWidth) : Op
{
    /// <summary>Reads and validates the attribute; null after reporting DSL004.</summary>
    public static AdaptiveAvgPoolOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        int height = layer.GetInt("OutputHeight", 0);
        int width = layer.GetInt("OutputWidth", 0);
        bool square = height == width && Equals(layer.LocationOf("OutputHeight"), layer.LocationOf("OutputWidth"));
        bool valid = square
            ? Check(height > 0, layer, "OutputHeight", "positive", height, diagnostics, "Size")
            : Check(height > 0, layer, "OutputHeight", "positive", height, diagnostics)
                & Check(width > 0, layer, "OutputWidth", "positive", width, diagnostics);
        return valid ? new AdaptiveAvgPoolOp(height, width) : null;
    }

    /// <inheritdoc/>
    public override string TypeName => "AdaptiveAvgPool";

    /// <inheritdoc/>
    public override string NamePrefix => "pool";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
        => CheckFeatureMap(input, layer, diagnostics) ? Shape.Map(input.Channels, OutputHeight, OutputWidth) : null;

    /// <summary>One addition per element of every bin (bins overlap when the sizes do not divide).</summary>
    public override long Flops => Input.Channels * BinTotal(Input.Height, OutputHeight) * BinTotal(Input.Width, OutputWidth);

    private static long BinTotal(int inSize, int outSize)
    {
        long total = 0;
        for (int i = 0; i < outSize; i++)
        {
            long start = (long)i * inSize / outSize;
            long end = ((long)(i + 1) * inSize + outSize - 1) / outSize;
            total += end - start;
        }
        return total;
    }

    private string Dimensions => $"{L(Input.Channels)}, {L(Input.Height)}, {L(Input.Width)}, {L(OutputHeight)}, {L(OutputWidth)}";

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.AdaptiveAvgPool2d.Forward({c.Batch}, {Dimensions}, {c.Input}, {c.Output});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.AdaptiveAvgPool2d.Backward({c.Batch}, {Dimensions}, {c.OutputGradient}, {c.InputGradient});");
}
