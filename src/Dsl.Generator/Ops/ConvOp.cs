using System.Collections.Generic;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>2-D convolution, <c>[Conv(channels, kernel)]</c>: weight <c>[out, in, kh, kw]</c>, optional bias.</summary>
public sealed record ConvOp(
    int Channels, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int PadHeight, int PadWidth, bool Bias, int Groups = 1) : Op
{
    /// <summary>Reads and validates the attribute (overrides such as <c>StrideHeight</c> fall back as documented); null after reporting DSL004.</summary>
    public static ConvOp? From(LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        int channels = layer.GetInt("Channels", 0);
        int kh = layer.GetInt("KernelHeight", 0);
        int kw = layer.GetInt("KernelWidth", 0);
        int stride = layer.GetInt("Stride", 1);
        int strideHeight = layer.GetInt("StrideHeight", 0);
        int strideWidth = layer.GetInt("StrideWidth", 0);
        int padding = layer.GetInt("Padding", 0);
        int paddingHeight = layer.GetInt("PaddingHeight", -1);
        int paddingWidth = layer.GetInt("PaddingWidth", -1);

        bool valid = Check(channels > 0, layer, "Channels", "positive", channels, diagnostics);
        valid &= CheckKernel(layer, kh, kw, diagnostics);
        valid &= Check(stride > 0, layer, "Stride", "positive", stride, diagnostics);
        valid &= Check(strideHeight >= 0, layer, "StrideHeight", "positive (or 0 for Stride)", strideHeight, diagnostics);
        valid &= Check(strideWidth >= 0, layer, "StrideWidth", "positive (or 0 for Stride)", strideWidth, diagnostics);
        valid &= Check(padding >= 0, layer, "Padding", "zero or positive", padding, diagnostics);
        valid &= Check(paddingHeight >= -1, layer, "PaddingHeight", "zero or positive (or -1 for Padding)", paddingHeight, diagnostics);
        valid &= Check(paddingWidth >= -1, layer, "PaddingWidth", "zero or positive (or -1 for Padding)", paddingWidth, diagnostics);
        int groups = layer.GetInt("Groups", 1);
        valid &= Check(groups > 0, layer, "Groups", "positive", groups, diagnostics);
        if (!valid)
            return null;

        return new ConvOp(channels, kh, kw,
            strideHeight == 0 ? stride : strideHeight,
            strideWidth == 0 ? stride : strideWidth,
            paddingHeight < 0 ? padding : paddingHeight,
            paddingWidth < 0 ? padding : paddingWidth,
            layer.GetBool("Bias", true),
            groups);
    }

    /// <inheritdoc/>
    public override string TypeName => Groups == 1 ? "Conv" : "Conv, groups " + Groups.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string NamePrefix => "conv";

    /// <inheritdoc/>
    public override Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (!CheckFeatureMap(input, layer, diagnostics))
            return null;
        if (input.Channels % Groups != 0 || Channels % Groups != 0)
        {
            string which = input.Channels % Groups != 0
                ? $"its input has {input.Channels} channels"
                : $"it has {Channels} output channels";
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.GroupsId, layer.LocationOf("Groups"), layer.Display, layer.Number,
                $"Groups = {Groups} must divide both the input and output channels, but {which}; input {input}"));
            return null;
        }
        int height = WindowExtent(input.Height, KernelHeight, StrideHeight, PadHeight);
        int width = WindowExtent(input.Width, KernelWidth, StrideWidth, PadWidth);
        if (!CheckSpatial(input, height, width, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadHeight, PadWidth, layer, diagnostics))
            return null;
        return Shape.Map(Channels, height, width);
    }

    private int FanIn => Input.Channels / Groups * KernelHeight * KernelWidth;

    private int FanOut => Channels * KernelHeight * KernelWidth;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters
    {
        get
        {
            var weight = new ParameterSpec(Name, "weight", EquatableArray.Create(Channels, Input.Channels / Groups, KernelHeight, KernelWidth), FanIn, FanOut, ParameterInit.Weight);
            return Bias
                ? new[] { weight, new ParameterSpec(Name, "bias", EquatableArray.Create(Channels), FanIn, FanOut, ParameterInit.Zero) }
                : new[] { weight };
        }
    }

    /// <inheritdoc/>
    public override long Flops => (long)Output.Size * (Input.Channels / Groups) * KernelHeight * KernelWidth;

    /// <inheritdoc/>
    public override bool BackwardReadsInput => true;

    /// <inheritdoc/>
    public override bool UsesWorkspace => true;

    /// <inheritdoc/>
    public override string? WorkspaceLengthExpression => $"global::Dsl.Runtime.Conv2d.WorkspaceLength(in {GeometryField}, batch)";

    /// <inheritdoc/>
    public override void EmitFields(SourceWriter writer)
        => writer.Line($"private static readonly global::Dsl.Runtime.Conv2dGeometry {GeometryField} = new(" +
            $"InChannels: {L(Input.Channels)}, InHeight: {L(Input.Height)}, InWidth: {L(Input.Width)}, OutChannels: {L(Channels)}, " +
            $"KernelHeight: {L(KernelHeight)}, KernelWidth: {L(KernelWidth)}, StrideHeight: {L(StrideHeight)}, StrideWidth: {L(StrideWidth)}, " +
            $"PadHeight: {L(PadHeight)}, PadWidth: {L(PadWidth)}{(Groups == 1 ? "" : ", Groups: " + L(Groups))});");

    /// <inheritdoc/>
    public override void EmitForward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Conv2d.Forward(in {GeometryField}, {c.Batch}, {c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, {c.Output}, {c.Workspace});");

    /// <summary>The fused inference call: this convolution of <c>c.Input</c>, then per channel <paramref name="scale"/> and
    /// <paramref name="shift"/>, plus <paramref name="residual"/> (or <c>default</c>), then ReLU if <paramref name="relu"/>,
    /// into <paramref name="output"/>.</summary>
    public void EmitFusedInference(SourceWriter writer, OpEmitContext c, string scale, string shift, string residual, bool relu, string output)
        => writer.Line($"global::Dsl.Runtime.Conv2d.ForwardInference(in {GeometryField}, {c.Batch}, {c.Input}, {c.Parameter("weight")}, " +
            $"{scale}, {shift}, {residual}, relu: {(relu ? "true" : "false")}, {output});");

    /// <summary>The fused inference call without batch norm: this convolution of <c>c.Input</c> with its bias, then ReLU if
    /// <paramref name="relu"/>, then a 2×2 max pool if <paramref name="maxPool"/>, into <c>c.Output</c>;
    /// <paramref name="unpooled"/> is the scratch the kernel may need for pooling (or <c>default</c>).</summary>
    public void EmitBiasInference(SourceWriter writer, OpEmitContext c, bool relu, bool maxPool, string unpooled)
        => writer.Line($"global::Dsl.Runtime.Conv2d.ForwardInference(in {GeometryField}, {c.Batch}, {c.Input}, {c.Parameter("weight")}, " +
            $"{c.Parameter("bias")}, relu: {(relu ? "true" : "false")}, maxPool2x2: {(maxPool ? "true" : "false")}, {c.Output}, {unpooled});");

    /// <inheritdoc/>
    public override void EmitBackward(SourceWriter writer, OpEmitContext c)
        => writer.Line($"global::Dsl.Runtime.Conv2d.Backward(in {GeometryField}, {c.Batch}, {c.Input}, {c.Parameter("weight")}, {c.OutputGradient}, " +
            $"{c.InputGradientOrDefault}, {c.Gradient("weight")}, {c.Gradient("bias")}, {c.Workspace});");
}
