namespace Dsl;

/// <summary>
/// Batch normalisation: per channel on a <c>(C, H, W)</c> map (PyTorch's <c>BatchNorm2d</c>), per feature on a flat
/// input (<c>BatchNorm1d</c>). Learnt scale <c>bnN.weight</c> (initially 1) and shift <c>bnN.bias</c> (0); running
/// statistics <c>bnN.running_mean</c> and <c>bnN.running_var</c> are buffers, not parameters. Training normalises with
/// the batch statistics and updates the running ones; inference uses the running ones.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Weight of the batch statistic in the running update, in [0, 1] (default 0.1, as PyTorch).</summary>
    public double Momentum { get; set; } = 0.1;
    /// <summary>Added to the variance before the square root; positive (default 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>
/// Layer normalisation of each example over all its values: the features of a flat input, or the whole
/// <c>(C, H, W)</c> map (PyTorch's <c>LayerNorm</c> with the example shape as <c>normalized_shape</c>). Learnt
/// <c>lnN.weight</c> (1) and <c>lnN.bias</c> (0) of the example's shape; the same in training and inference.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before the square root; positive (default 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>Global average pooling, <c>(C, H, W)</c> → <c>(C, 1, 1)</c> (PyTorch's <c>AdaptiveAvgPool2d(1)</c>); add
/// <see cref="FlattenAttribute"/> before a dense layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute { }

/// <summary>Adaptive average pooling to a fixed output size, <c>(C, H, W)</c> → <c>(C, h, w)</c>, with PyTorch's bins
/// (<c>AdaptiveAvgPool2d</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdaptiveAvgPoolAttribute : LayerAttribute
{
    /// <param name="size">Output height and width.</param>
    public AdaptiveAvgPoolAttribute(int size) : this(size, size) { }
    /// <param name="outputHeight">Output height.</param>
    /// <param name="outputWidth">Output width.</param>
    public AdaptiveAvgPoolAttribute(int outputHeight, int outputWidth)
    {
        OutputHeight = outputHeight;
        OutputWidth = outputWidth;
    }
    /// <summary>Output height.</summary>
    public int OutputHeight { get; }
    /// <summary>Output width.</summary>
    public int OutputWidth { get; }
}
