using System.Collections.Generic;
using System.Globalization;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Emitting;
using Dsl.Generator.Model;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Ops;

/// <summary>
/// One primitive layer: the single place that knows its shape rule, parameters, cost, what its backward pass
/// reads, and the runtime calls it emits. Ops are records, so a lowered network compares by value and the
/// incremental pipeline re-emits code only when the network really changed.
/// </summary>
public abstract record Op
{
    /// <summary>PyTorch-style module name, e.g. <c>conv1</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Position of the layer attribute in the declaration, from 1.</summary>
    public int Number { get; init; }

    /// <summary>The attribute as written, normalised, e.g. <c>Conv(6, 5, Padding = 2)</c>.</summary>
    public string Display { get; init; } = "";

    /// <summary>Input shape (set by shape inference); the first input's for ops with several.</summary>
    public Shape Input { get; init; } = Shape.Flat(0);

    /// <summary>The values the op reads, in slot order: 0 is the network input, k the output of the k-th op.</summary>
    public EquatableArray<int> Inputs { get; init; } = EquatableArray<int>.Empty;

    /// <summary>The shape of every input, in slot order (set by shape inference).</summary>
    public EquatableArray<Shape> InputShapes { get; init; } = EquatableArray<Shape>.Empty;

    /// <summary><see cref="Name"/> as a C# identifier fragment: a nested name such as <c>stage1.0.conv1</c> becomes <c>stage1_0_conv1</c>.</summary>
    public string Identifier => Name.Replace('.', '_');

    /// <summary>
    /// The output shape for several inputs (merges override this); by default the single-input rule. Null after adding a
    /// diagnostic on <paramref name="layer"/>.
    /// </summary>
    public virtual Shape? InferOutput(IReadOnlyList<Shape> inputs, LayerSpec layer, List<DiagnosticInfo> diagnostics)
        => InferOutput(inputs[0], layer, diagnostics);

    /// <summary>
    /// Backward hands the output gradient itself to every input (views and sums): the planner lets one input's gradient
    /// share it and the op emits copies or accumulations for the others, so the op's <see cref="EmitBackward"/> is not
    /// called; see <see cref="OpEmitContext.InputGradientModes"/>.
    /// </summary>
    public virtual bool PassesGradientThrough => IsView;

    /// <summary>The backward kernel can add into an input gradient instead of overwriting it (concatenation's split).</summary>
    public virtual bool CanAccumulateInputGradient => false;

    /// <summary>Input slots whose buffer the forward kernel may overwrite with the output (when <see cref="CanRunInPlace"/>).</summary>
    public virtual IReadOnlyList<int> InPlaceSlots => s_firstSlot;

    private static readonly int[] s_firstSlot = { 0 };

    /// <summary>Output shape (set by shape inference).</summary>
    public Shape Output { get; init; } = Shape.Flat(0);

    /// <summary>Type shown in the summary, e.g. <c>Conv</c>.</summary>
    public abstract string TypeName { get; }

    /// <summary>Prefix of <see cref="Name"/>, numbered per prefix: <c>conv</c>, <c>fc</c>, <c>relu</c>…</summary>
    public abstract string NamePrefix { get; }

    /// <summary>The output shape for <paramref name="input"/>, or null after adding a diagnostic on <paramref name="layer"/>.</summary>
    public abstract Shape? InferOutput(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics);

    /// <summary>Parameter tensors in PyTorch's order (weight, then bias); valid once shapes are inferred.</summary>
    public virtual IReadOnlyList<ParameterSpec> Parameters => System.Array.Empty<ParameterSpec>();

    /// <summary>Forward cost per example, in multiply-adds (element operations for layers without weights).</summary>
    public abstract long Flops { get; }

    /// <summary>Backward reads the op's input, which must therefore survive until then.</summary>
    public virtual bool BackwardReadsInput => false;

    /// <summary>Backward reads the op's output, which must therefore survive until then.</summary>
    public virtual bool BackwardReadsOutput => false;

    /// <summary>The forward kernel may write its output over its input.</summary>
    public virtual bool CanRunInPlace => false;

    /// <summary>The output is the input reinterpreted (no data moves, no call is emitted).</summary>
    public virtual bool IsView => false;

    /// <summary>The backward kernel may write the input gradient over the output gradient.</summary>
    public virtual bool CanBackpropagateInPlace => false;

    /// <summary>Backward must be given an input gradient span even when nothing upstream uses it.</summary>
    public virtual bool RequiresInputGradient => false;

    /// <summary>Training forward writes a mask of the output's size that backward reads.</summary>
    public virtual bool UsesMask => false;

    /// <summary>Floats per example that training forward saves for backward (batch statistics), or 0. Only the first
    /// floats of the <c>batch ×</c> slice may be used when the state does not scale with the batch.</summary>
    public virtual int SavedFloatsPerExample => 0;

    /// <summary>Non-trainable state kept across calls (running statistics), outside the parameters.</summary>
    public virtual IReadOnlyList<BufferSpec> Buffers => System.Array.Empty<BufferSpec>();

    /// <summary>The forward pass depends on the training flag.</summary>
    public virtual bool UsesTrainingFlag => UsesMask;

    /// <summary>The kernels need the convolution workspace.</summary>
    public virtual bool UsesWorkspace => false;

    /// <summary>Emits static fields (kernel geometries) this op's calls refer to.</summary>
    public virtual void EmitFields(SourceWriter writer) { }

    /// <summary>Expression for the workspace floats the op needs for <c>batch</c> examples, or null.</summary>
    public virtual string? WorkspaceLengthExpression => null;

    /// <summary>Emits the forward calls.</summary>
    public abstract void EmitForward(SourceWriter writer, OpEmitContext context);

    /// <summary>Emits the inference-only forward calls (the network's <c>RunInference</c>); by default the forward calls,
    /// which for an op with <see cref="UsesTrainingFlag"/> read a <c>training</c> local set to false unless the op
    /// overrides this (see <see cref="HasInferenceForward"/>).</summary>
    public virtual void EmitInference(SourceWriter writer, OpEmitContext context) => EmitForward(writer, context);

    /// <summary><see cref="EmitInference"/> emits inference code of its own that does not read the training flag.</summary>
    public virtual bool HasInferenceForward => false;

    /// <summary>Emits the backward calls.</summary>
    public abstract void EmitBackward(SourceWriter writer, OpEmitContext context);

    /// <summary>Name of the static geometry field of this op.</summary>
    protected string GeometryField => "s_" + Identifier + "Geometry";

    /// <summary>Adds DSL004 on argument <paramref name="argument"/> unless <paramref name="valid"/>; the message calls the
    /// argument <paramref name="displayName"/> when given (a square <c>kernel</c> sets two properties).</summary>
    protected static bool Check(bool valid, LayerSpec layer, string argument, string requirement, object actual,
        List<DiagnosticInfo> diagnostics, string? displayName = null)
    {
        if (!valid)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameterId, layer.LocationOf(argument),
                layer.Display, layer.Number, displayName ?? argument, requirement, actual));
        }
        return valid;
    }

    /// <summary>Validates a window given either as one square <c>kernel</c> argument or as height and width.</summary>
    protected static bool CheckKernel(LayerSpec layer, int kh, int kw, List<DiagnosticInfo> diagnostics)
    {
        bool square = kh == kw && Equals(layer.LocationOf("KernelWidth"), layer.LocationOf("KernelHeight"));
        if (square)
            return Check(kh > 0, layer, "KernelHeight", "positive", kh, diagnostics, "Kernel");
        bool valid = Check(kh > 0, layer, "KernelHeight", "positive", kh, diagnostics);
        return Check(kw > 0, layer, "KernelWidth", "positive", kw, diagnostics) && valid;
    }

    /// <summary>Output extent of a sliding window, or a non-positive number when the window does not fit.</summary>
    protected static int WindowExtent(int size, int kernel, int stride, int padding)
    {
        // Floor division, as PyTorch computes it, so a window that does not fit reports the same size PyTorch would.
        int span = size + 2 * padding - kernel;
        int quotient = span / stride;
        if (span % stride != 0 && span < 0)
            quotient--;
        return quotient + 1;
    }

    /// <summary>Adds DSL003 unless both spatial extents are positive.</summary>
    protected bool CheckSpatial(Shape input, int outHeight, int outWidth, int kh, int kw, int sh, int sw, int ph, int pw,
        LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (outHeight > 0 && outWidth > 0)
            return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialSizeId, layer.Location,
            layer.Display, layer.Number, input.ToString(), Pair(kh, kw), Pair(sh, sw), Pair(ph, pw),
            Pair(outHeight, outWidth)));
        return false;
    }

    /// <summary>Adds DSL007 unless the input is a feature map.</summary>
    protected static bool CheckFeatureMap(Shape input, LayerSpec layer, List<DiagnosticInfo> diagnostics)
    {
        if (!input.IsFlat)
            return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NeedsFeatureMapId, layer.Location,
            layer.Display, layer.Number, input.ToString()));
        return false;
    }

    /// <summary><c>a×b</c>, or just <c>a</c> when both are equal.</summary>
    protected static string Pair(int a, int b)
        => a == b ? a.ToString(CultureInfo.InvariantCulture) : a.ToString(CultureInfo.InvariantCulture) + "×" + b.ToString(CultureInfo.InvariantCulture);

    /// <summary>An int literal.</summary>
    protected static string L(int value) => Literals.Int(value);
}
