using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>What max and average pooling share: the window, its validation and the shape rule.</summary>
public abstract record PoolOp(int KernelHeight, int KernelWidth, int Stride, int Padding) : Op
{
    /// <summary>Validates the window arguments; false after reporting DSL004.</summary>
    protected static bool Validate(LayerSpec layer, List<DiagnosticInfo> diagnostics, out int kh, out int kw, out int stride, out int padding)
    {
        kh = layer.GetInt("KernelHeight", 0);
        kw = layer.GetInt("KernelWidth", 0);
        stride = layer.GetInt("Stride", 0);
        padding = layer.GetInt("Padding", 0);
        bool valid = CheckKernel(layer, kh, kw, diagnostics);
        valid &= Check(stride >= 0, layer, "Stride", "positive (or 0 for the window size)", stride, diagnostics);
        // PyTorch rejects padding beyond half the window: such a window could cover only padding.
        valid &= Check(padding >= 0, layer, "Padding", "zero or positive", padding, diagnostics);
        if (valid && padding > 0)
            valid &= Check(2 * padding <= kh && 2 * padding <= kw, layer, "Padding", "at most half the window size", padding, diagnostics);
        return valid;
    }

    /// <summary>Vertical stride (the window height when not given).</summary>
    public int StrideHeight => Stride == 0 ? KernelHeight : Stride;

    /// <summary>Horizontal stride (the window width when not given).</summary>
    public int StrideWidth => Stride == 0 ? KernelWidth : Stride;

    /// <inheritdoc/>
    public override string NamePrefix => "pool";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (!CheckFeatureMap(input, layer, diagnostics))
            return null;
        int height = WindowExtent(input.Height, KernelHeight, StrideHeight, Padding);
        int width = WindowExtent(input.Width, KernelWidth, StrideWidth, Padding);
        if (!CheckSpatial(input, height, width, KernelHeight, KernelWidth, StrideHeight, StrideWidth, Padding, Padding, layer, diagnostics))
            return null;
        return Shape.Map(input.Channels, height, width);
    }

    /// <summary>One comparison or addition per window element.</summary>
    public override long Flops => (long)Output.Size * KernelHeight * KernelWidth;

    /// <inheritdoc/>
    public override void EmitFields(SourceWriter writer)
        => writer.Line($"private static readonly global::Dsl.Runtime.Pool2dGeometry {GeometryField} = new(" +
            $"Channels: {L(Input.Channels)}, InHeight: {L(Input.Height)}, InWidth: {L(Input.Width)}, " +
            $"KernelHeight: {L(KernelHeight)}, KernelWidth: {L(KernelWidth)}, StrideHeight: {L(StrideHeight)}, StrideWidth: {L(StrideWidth)}, " +
            $"PadHeight: {L(Padding)}, PadWidth: {L(Padding)});");
}
