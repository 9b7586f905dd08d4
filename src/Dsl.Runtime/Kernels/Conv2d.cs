using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>Shape of a 2-D convolution over NCHW data; everything but the batch.</summary>
/// <remarks>
/// <see cref="Groups"/> splits the channels as PyTorch's <c>groups</c> does: output channels
/// <c>[g·out/G, (g+1)·out/G)</c> see only input channels <c>[g·in/G, (g+1)·in/G)</c>, and the weight is
/// <c>[out, in/G, kh, kw]</c>. ResNeXt and RegNet use groups of a few to a few dozen channels; Groups = in is a
/// depthwise convolution (MobileNet).
/// </remarks>
public readonly record struct Conv2dGeometry(
    int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadHeight, int PadWidth, int Groups = 1)
{
    public int OutHeight => (InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    /// <summary>Elements of one input example, C·H·W.</summary>
    public int InSize => InChannels * InHeight * InWidth;
    /// <summary>Elements of one output example.</summary>
    public int OutSize => OutChannels * OutHeight * OutWidth;
    // Zero rather than a division by zero for Groups ≤ 0, so that such a geometry can still be printed in the error
    // that rejects it.
    /// <summary>Input channels each output channel sees, in/groups.</summary>
    public int InChannelsPerGroup => Groups > 0 ? InChannels / Groups : 0;
    /// <summary>Output channels of one group, out/groups.</summary>
    public int OutChannelsPerGroup => Groups > 0 ? OutChannels / Groups : 0;
    /// <summary>Elements of the weight, out·(in/groups)·kh·kw.</summary>
    public int WeightSize => OutChannels * InChannelsPerGroup * KernelHeight * KernelWidth;
}

/// <summary>2-D convolution kernels. Weight <c>[out, in/groups, kh, kw]</c> and bias <c>[out]</c>, PyTorch layout; data NCHW.</summary>
/// <remarks>
/// The batch is processed in chunks of examples sized to stay cache-resident. Each chunk is lowered to one column
/// matrix (see <see cref="Im2Col"/>), multiplied by the weight in a single large GEMM, and the product is scattered
/// back to NCHW with the bias. The layout changes are split over examples with <see cref="Parallelism"/>; the GEMM
/// parallelises itself. A 1×1, stride-1, unpadded convolution needs no lowering: each example already is its column matrix.
/// Stride-1 layers small enough for one example to sit in L1/L2 (both of LeNet's) skip the lowering entirely on AVX-512
/// hardware, forward and backward: see <see cref="WideConv2d"/>. Elsewhere, a forward pass with a short reduction skips
/// it too: see <see cref="DirectConv2d"/>.
/// <para>Grouped convolutions take the same path with one GEMM per group: the column rows of a group's input
/// channels, the weight rows of its output channels and the product rows of its outputs are each one contiguous
/// block, so lowering and scattering are unchanged (see <see cref="GroupedGemm"/>). Depthwise convolutions and other
/// narrow groups have too short a reduction for a GEMM and are computed directly: see <see cref="DirectGroupedConv2d"/>.
/// The ungrouped fast paths above apply only to ungrouped layers.</para>
/// </remarks>
public static unsafe partial class Conv2d
{
    /// <summary>Floats of workspace one chunk aims for (columns plus product): 1 MB, about one core's L2, so the GEMM reads
    /// columns that were just written from cache rather than memory.</summary>
    private const long TargetChunkFloats = 1 << 18;

    /// <summary>Whether ungrouped layers run forward and (stride 1) data-gradient convolutions through implicit GEMM; tests
    /// and measurements switch it off to compare with the lowered path.</summary>
    internal static bool UseImplicit = true;

    /// <summary>Whether layers that <see cref="WideConv2d"/> covers take it; tests switch it off to send small layers
    /// down the general paths.</summary>
    internal static bool UseWide = true;

    private static bool WideApplies(in Conv2dGeometry g) => UseWide && WideConv2d.Applies(g);

    /// <summary>Scratch floats that <see cref="Forward"/> and <see cref="Backward"/> need for <paramref name="batch"/> examples.</summary>
    public static int WorkspaceLength(in Conv2dGeometry g, int batch)
    {
        ValidateGeometry(g);
        Validate.NonNegative(batch, nameof(batch));
        if (batch == 0 || DirectGroupedConv2d.Applies(g) || IsPointwise(g)) return 0;
        if (WideApplies(g)) return (int)WideConv2d.WorkspaceLength(g);
        long length = (long)ChunkExamples(g, batch) * FloatsPerExample(g);
        if (ImplicitDataGradientApplies(g, batch)) length = Math.Max(length, g.WeightSize);
        if (length > Array.MaxLength)
            throw new ArgumentException($"The convolution workspace for {g} would need {length} floats, more than an array can hold.", nameof(g));
        return (int)length;
    }

    /// <summary>Forward pass; an empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace)
    {
        int workspaceNeeded = WorkspaceLength(g, batch);
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(weight.Length, g.WeightSize, nameof(weight));
        Validate.LengthOrEmpty(bias.Length, g.OutChannels, nameof(bias));
        Validate.Length(y.Length, (long)batch * g.OutSize, nameof(y));
        Validate.AtLeast(workspace.Length, workspaceNeeded, nameof(workspace));
        if (batch == 0) return;

        if (DirectGroupedConv2d.Applies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y)
                DirectGroupedConv2d.Forward(g, batch, xPtr, weightPtr, bias.IsEmpty ? null : biasPtr, yPtr);
            return;
        }

        if (IsPointwise(g))
        {
            ForwardPointwise(g, batch, x, weight, bias, y);
            return;
        }

        if (WideApplies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y)
                WideConv2d.Forward(g, batch, xPtr, weightPtr, bias.IsEmpty ? null : biasPtr, yPtr);
            return;
        }

        if (DirectConv2d.Applies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y)
                DirectConv2d.Forward(g, batch, xPtr, weightPtr, bias.IsEmpty ? null : biasPtr, yPtr);
            return;
        }

        if (ImplicitForwardApplies(g, batch))
        {
            fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y)
                ImplicitConv2d.Forward(g, batch, xPtr, weightPtr, scale: null, shift: bias.IsEmpty ? null : biasPtr,
                    residual: null, relu: false, yPtr);
            return;
        }

        int chunk = ChunkExamples(g, batch);
        int reduction = g.InChannels * g.KernelHeight * g.KernelWidth;
        int groupReduction = g.InChannelsPerGroup * g.KernelHeight * g.KernelWidth, groupOut = g.OutChannelsPerGroup;
        int columnsPerExample = Im2Col.ColumnsPerExample(g);
        fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y, workPtr = workspace)
        {
            for (int start = 0; start < batch; start += chunk)
            {
                int count = Math.Min(chunk, batch - start);
                int columns = count * columnsPerExample;
                float* productPtr = workPtr + (long)reduction * columns;
                Im2Col.Lower(g, xPtr + (long)start * g.InSize, count, workPtr);
                GroupedGemm.Multiply(g.Groups, weightPtr, false, (long)groupOut * groupReduction,
                    workPtr, false, (long)groupReduction * columns, productPtr, (long)groupOut * columns,
                    groupOut, columns, groupReduction);
                Im2Col.ScatterToImages(g, productPtr, bias.IsEmpty ? null : biasPtr, count, yPtr + (long)start * g.OutSize);
            }
        }
    }

    /// <summary>
    /// Inference forward of an ungrouped convolution with its bias, then ReLU when <paramref name="relu"/>, then a 2×2,
    /// stride-2 max pool (dropping a last odd row or column, as <c>MaxPool(2)</c> does) when <paramref name="maxPool2x2"/>:
    /// the values of <see cref="Forward"/>, <see cref="Activations.Relu"/> and <see cref="MaxPool2d.Forward"/> in turn.
    /// </summary>
    /// <remarks>
    /// Where <see cref="WideConv2d"/> applies (the small stride-1 layers of LeNet-sized networks), the bias, the ReLU and
    /// the pooling are applied as each example's output leaves the per-thread buffer, so only the final values reach
    /// memory and <paramref name="unpooled"/> is not touched. Elsewhere the convolution runs through
    /// <see cref="ForwardInference(in Conv2dGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, bool, Span{float})"/>
    /// (bias as the shift), into <paramref name="unpooled"/> when pooling follows (then it needs
    /// <c>batch × g.OutSize</c> floats; it may be empty without pooling). <paramref name="x"/> must not overlap
    /// <paramref name="y"/> or <paramref name="unpooled"/>.
    /// </remarks>
    public static void ForwardInference(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, bool relu, bool maxPool2x2, Span<float> y, Span<float> unpooled)
    {
        ValidateGeometry(g);
        Validate.NonNegative(batch, nameof(batch));
        if (g.Groups != 1)
            throw new ArgumentException($"The fused inference convolution handles ungrouped layers only, but {g} has Groups = {g.Groups}.", nameof(g));
        if (maxPool2x2 && (g.OutHeight < 2 || g.OutWidth < 2))
            throw new ArgumentException($"A 2×2 max pool needs an output of at least 2×2, but {g} gives {g.OutHeight}×{g.OutWidth}.", nameof(maxPool2x2));
        long outSize = maxPool2x2 ? (long)g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2) : g.OutSize;
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(weight.Length, g.WeightSize, nameof(weight));
        Validate.LengthOrEmpty(bias.Length, g.OutChannels, nameof(bias));
        Validate.Length(y.Length, batch * outSize, nameof(y));
        if (batch == 0) return;
        if (x.Overlaps(y))
            throw new ArgumentException("The output of a convolution must not overlap its input.", nameof(y));

        if (WideConv2d.Applies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, biasPtr = bias, yPtr = y)
                WideConv2d.Forward(g, batch, xPtr, weightPtr, bias.IsEmpty ? null : biasPtr, relu, maxPool2x2, yPtr);
            return;
        }
        if (!maxPool2x2)
        {
            ForwardInference(g, batch, x, weight, default, bias, default, relu, y);
            return;
        }
        Validate.Length(unpooled.Length, (long)batch * g.OutSize, nameof(unpooled));
        if (unpooled.Overlaps(x) || unpooled.Overlaps(y))
            throw new ArgumentException("The unpooled buffer must overlap neither the input nor the output.", nameof(unpooled));
        Span<float> convolved = unpooled[..(batch * g.OutSize)];
        ForwardInference(g, batch, x, weight, default, bias, default, relu, convolved);
        var pool = new Pool2dGeometry(Channels: g.OutChannels, InHeight: g.OutHeight, InWidth: g.OutWidth,
            KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2, PadHeight: 0, PadWidth: 0);
        MaxPool2d.Forward(pool, batch, convolved, y);
    }

    /// <summary>Backward pass: <paramref name="dx"/> (skipped when empty), weight and bias gradients (overwritten; bias skipped when empty).</summary>
    public static void Backward(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> workspace)
    {
        int workspaceNeeded = WorkspaceLength(g, batch);
        Validate.Length(x.Length, (long)batch * g.InSize, nameof(x));
        Validate.Length(weight.Length, g.WeightSize, nameof(weight));
        Validate.Length(dy.Length, (long)batch * g.OutSize, nameof(dy));
        Validate.LengthOrEmpty(dx.Length, (long)batch * g.InSize, nameof(dx));
        Validate.Length(dWeight.Length, g.WeightSize, nameof(dWeight));
        Validate.LengthOrEmpty(dBias.Length, g.OutChannels, nameof(dBias));
        Validate.AtLeast(workspace.Length, workspaceNeeded, nameof(workspace));
        dBias.Clear();
        if (batch == 0)
        {
            dWeight.Clear();
            return;
        }

        if (DirectGroupedConv2d.Applies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, dyPtr = dy, dxPtr = dx, dWeightPtr = dWeight, dBiasPtr = dBias)
                DirectGroupedConv2d.Backward(g, batch, xPtr, weightPtr, dyPtr, dx.IsEmpty ? null : dxPtr, dWeightPtr,
                    dBias.IsEmpty ? null : dBiasPtr);
            return;
        }

        if (IsPointwise(g))
        {
            BackwardPointwise(g, batch, x, weight, dy, dx, dWeight, dBias);
            return;
        }

        if (WideApplies(g))
        {
            fixed (float* xPtr = x, weightPtr = weight, dyPtr = dy, dxPtr = dx, dWeightPtr = dWeight, dBiasPtr = dBias, workPtr = workspace)
                WideConv2d.Backward(g, batch, xPtr, weightPtr, dyPtr, dx.IsEmpty ? null : dxPtr, dWeightPtr,
                    dBias.IsEmpty ? null : dBiasPtr, workPtr);
            return;
        }

        // A stride-1 layer's data gradient is itself a convolution (see TransposedGeometry): computed after the weight
        // gradient, implicitly, with the flipped weights in the workspace the columns no longer need.
        bool implicitData = !dx.IsEmpty && ImplicitDataGradientApplies(g, batch);
        int chunk = ChunkExamples(g, batch);
        int reduction = g.InChannels * g.KernelHeight * g.KernelWidth;
        int groupReduction = g.InChannelsPerGroup * g.KernelHeight * g.KernelWidth, groupOut = g.OutChannelsPerGroup;
        long weightStride = (long)groupOut * groupReduction;
        int columnsPerExample = Im2Col.ColumnsPerExample(g);
        fixed (float* xPtr = x, weightPtr = weight, dyPtr = dy, dxPtr = dx, dWeightPtr = dWeight, workPtr = workspace)
        {
            for (int start = 0; start < batch; start += chunk)
            {
                int count = Math.Min(chunk, batch - start);
                int columns = count * columnsPerExample;
                // One example's dy already is its product matrix [Cout, positions] unless the lowering pads its rows;
                // only then, or for several examples, is it gathered.
                bool inPlace = count == 1 && columnsPerExample == g.OutHeight * g.OutWidth;
                ReadOnlySpan<float> dProduct = inPlace
                    ? dy.Slice(start * g.OutSize, g.OutSize)
                    : workspace.Slice(reduction * columns, g.OutChannels * columns);
                float* dProductPtr = inPlace ? dyPtr + (long)start * g.OutSize : workPtr + (long)reduction * columns;
                long columnStride = (long)groupReduction * columns, productStride = (long)groupOut * columns;

                Im2Col.Lower(g, xPtr + (long)start * g.InSize, count, workPtr);
                if (!inPlace) Im2Col.GatherFromImages(g, dyPtr + (long)start * g.OutSize, count, dProductPtr);
                GroupedGemm.Multiply(g.Groups, dProductPtr, false, productStride, workPtr, true, columnStride,
                    dWeightPtr, weightStride, groupOut, groupReduction, columns, accumulate: start > 0);
                for (int co = 0; co < dBias.Length; co++)
                    dBias[co] += TensorPrimitives.Sum(dProduct.Slice(co * columns, columns));
                if (dx.IsEmpty || implicitData) continue;

                // The columns are no longer needed once dW has them, so their gradient reuses the same space.
                GroupedGemm.Multiply(g.Groups, weightPtr, true, weightStride, dProductPtr, false, productStride,
                    workPtr, columnStride, groupReduction, columns, groupOut);
                Im2Col.Raise(g, workPtr, count, dxPtr + (long)start * g.InSize);
            }
            if (implicitData)
            {
                FlipTransposed(g, weightPtr, workPtr);
                ImplicitConv2d.Forward(TransposedGeometry(g), batch, dyPtr, workPtr, scale: null, shift: null,
                    residual: null, relu: false, dxPtr);
            }
        }
    }

    /// <summary>Ungrouped layers with a kernel wider than 1×1 and a reduction too long for the direct path run forward
    /// through implicit GEMM, reading the images in place rather than lowering them; 1×1 projections keep the lowering,
    /// which is as fast for them.</summary>
    private static bool ImplicitForwardApplies(in Conv2dGeometry g, int batch) =>
        UseImplicit && g.Groups == 1 && g.KernelHeight * g.KernelWidth > 1 && (long)batch * g.OutHeight * g.OutWidth <= int.MaxValue;

    /// <summary>Whether <see cref="Backward"/> computes dx as the convolution of dy with the flipped weights: stride 1,
    /// a kernel wider than 1×1, padding no wider than the kernel less one (so the transposed padding is not negative),
    /// at least one 8-row block of input channels (the transposed layer's outputs), and a layer no fast path already covers.</summary>
    private static bool ImplicitDataGradientApplies(in Conv2dGeometry g, int batch) =>
        UseImplicit && g.Groups == 1 && g.InChannels >= 8 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.KernelHeight * g.KernelWidth > 1
        && g.PadHeight <= g.KernelHeight - 1 && g.PadWidth <= g.KernelWidth - 1
        && !WideApplies(g) && (long)batch * g.InHeight * g.InWidth <= int.MaxValue;

    /// <summary>
    /// The stride-1 convolution whose forward pass is <paramref name="g"/>'s data gradient: dx[ci, i, j] =
    /// Σ dy[co, i + ph − a, j + pw − b]·W[co, ci, a, b], which with a' = kh − 1 − a is a convolution of dy (Cout channels,
    /// the output size) padded by kh − 1 − ph, kw − 1 − pw, by the weight W'[ci, co, a', b'] = W[co, ci, kh − 1 − a', kw − 1 − b'].
    /// </summary>
    private static Conv2dGeometry TransposedGeometry(in Conv2dGeometry g) =>
        new(g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.KernelHeight, g.KernelWidth, 1, 1,
            g.KernelHeight - 1 - g.PadHeight, g.KernelWidth - 1 - g.PadWidth);

    /// <summary>Writes <see cref="TransposedGeometry"/>'s weight: input and output channels swapped, the kernel rotated by 180°.</summary>
    private static void FlipTransposed(in Conv2dGeometry g, float* weight, float* flipped)
    {
        int cin = g.InChannels, cout = g.OutChannels, area = g.KernelHeight * g.KernelWidth;
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                float* source = weight + ((long)co * cin + ci) * area;
                float* target = flipped + ((long)ci * cout + co) * area + area - 1;
                for (int k = 0; k < area; k++) target[-k] = source[k];
            }
        }
    }

    private static void ForwardPointwise(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y)
    {
        int spatial = g.InHeight * g.InWidth;
        int groupIn = g.InChannelsPerGroup, groupOut = g.OutChannelsPerGroup;
        fixed (float* xPtr = x, weightPtr = weight, yPtr = y)
        {
            for (int n = 0; n < batch; n++)
            {
                GroupedGemm.Multiply(g.Groups, weightPtr, false, (long)groupOut * groupIn,
                    xPtr + (long)n * g.InSize, false, (long)groupIn * spatial, yPtr + (long)n * g.OutSize, (long)groupOut * spatial,
                    groupOut, spatial, groupIn);
                if (bias.IsEmpty) continue;
                Span<float> yExample = y.Slice(n * g.OutSize, g.OutSize);
                for (int co = 0; co < g.OutChannels; co++)
                {
                    Span<float> plane = yExample.Slice(co * spatial, spatial);
                    TensorPrimitives.Add(plane, bias[co], plane);
                }
            }
        }
    }

    private static void BackwardPointwise(in Conv2dGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        int spatial = g.InHeight * g.InWidth;
        int groupIn = g.InChannelsPerGroup, groupOut = g.OutChannelsPerGroup;
        long weightStride = (long)groupOut * groupIn, inStride = (long)groupIn * spatial, outStride = (long)groupOut * spatial;
        fixed (float* xPtr = x, weightPtr = weight, dyPtr = dy, dxPtr = dx, dWeightPtr = dWeight)
        {
            for (int n = 0; n < batch; n++)
            {
                float* dyExample = dyPtr + (long)n * g.OutSize;
                GroupedGemm.Multiply(g.Groups, dyExample, false, outStride, xPtr + (long)n * g.InSize, true, inStride,
                    dWeightPtr, weightStride, groupOut, groupIn, spatial, accumulate: n > 0);
                if (!dx.IsEmpty)
                    GroupedGemm.Multiply(g.Groups, weightPtr, true, weightStride, dyExample, false, outStride,
                        dxPtr + (long)n * g.InSize, inStride, groupIn, spatial, groupOut);
                ReadOnlySpan<float> dyPlanes = dy.Slice(n * g.OutSize, g.OutSize);
                for (int co = 0; co < dBias.Length; co++)
                    dBias[co] += TensorPrimitives.Sum(dyPlanes.Slice(co * spatial, spatial));
            }
        }
    }

    private static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0;

    /// <summary>Columns plus product floats per example.</summary>
    private static long FloatsPerExample(in Conv2dGeometry g) =>
        ((long)g.InChannels * g.KernelHeight * g.KernelWidth + g.OutChannels) * Im2Col.ColumnsPerExample(g);

    private static int ChunkExamples(in Conv2dGeometry g, int batch) =>
        (int)Math.Min(batch, Math.Max(1, TargetChunkFloats / FloatsPerExample(g)));

    private static void ValidateGeometry(in Conv2dGeometry g)
    {
        Validate.Positive(g.InChannels, "InChannels");
        Validate.Positive(g.InHeight, "InHeight");
        Validate.Positive(g.InWidth, "InWidth");
        Validate.Positive(g.OutChannels, "OutChannels");
        Validate.Positive(g.KernelHeight, "KernelHeight");
        Validate.Positive(g.KernelWidth, "KernelWidth");
        Validate.Positive(g.StrideHeight, "StrideHeight");
        Validate.Positive(g.StrideWidth, "StrideWidth");
        Validate.NonNegative(g.PadHeight, "PadHeight");
        Validate.NonNegative(g.PadWidth, "PadWidth");
        Validate.Positive(g.Groups, "Groups");
        if (g.InChannels % g.Groups != 0 || g.OutChannels % g.Groups != 0)
            throw new ArgumentException(
                $"Groups = {g.Groups} must divide both InChannels = {g.InChannels} and OutChannels = {g.OutChannels}; " +
                $"it does not divide {(g.InChannels % g.Groups != 0 ? $"InChannels = {g.InChannels}" : $"OutChannels = {g.OutChannels}")}.", nameof(g));
        if (g.InHeight + 2 * g.PadHeight < g.KernelHeight || g.InWidth + 2 * g.PadWidth < g.KernelWidth)
            throw new ArgumentException(
                $"The {g.KernelHeight}×{g.KernelWidth} kernel is larger than the padded {g.InHeight + 2 * g.PadHeight}×{g.InWidth + 2 * g.PadWidth} input.", nameof(g));
    }
}
