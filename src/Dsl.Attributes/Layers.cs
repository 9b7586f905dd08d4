namespace Dsl;

/// <summary>Fully connected layer: <c>y = x Wᵀ + b</c>, weight shape <c>[units, in]</c> as in PyTorch's <c>Linear</c>.
/// Needs a flat input: put <see cref="FlattenAttribute"/> after convolutional layers.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <param name="units">Number of output features.</param>
    public DenseAttribute(int units) => Units = units;
    /// <summary>Number of output features.</summary>
    public int Units { get; }
    /// <summary>Whether the layer has a bias vector (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>2-D convolution over a <c>(C, H, W)</c> feature map; weight shape <c>[out, in, kh, kw]</c> as in PyTorch's <c>Conv2d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConvAttribute : LayerAttribute
{
    /// <param name="channels">Output channels.</param>
    /// <param name="kernel">Square kernel size.</param>
    public ConvAttribute(int channels, int kernel) : this(channels, kernel, kernel) { }
    /// <param name="channels">Output channels.</param>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    public ConvAttribute(int channels, int kernelHeight, int kernelWidth)
    {
        Channels = channels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }
    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
    /// <summary>Stride in both directions (default 1); <see cref="StrideHeight"/>/<see cref="StrideWidth"/> override it.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Vertical stride; 0 means <see cref="Stride"/>.</summary>
    public int StrideHeight { get; set; }
    /// <summary>Horizontal stride; 0 means <see cref="Stride"/>.</summary>
    public int StrideWidth { get; set; }
    /// <summary>Zero padding on every side (default 0); <see cref="PaddingHeight"/>/<see cref="PaddingWidth"/> override it.</summary>
    public int Padding { get; set; }
    /// <summary>Padding above and below; -1 means <see cref="Padding"/>.</summary>
    public int PaddingHeight { get; set; } = -1;
    /// <summary>Padding left and right; -1 means <see cref="Padding"/>.</summary>
    public int PaddingWidth { get; set; } = -1;
    /// <summary>Whether the layer has a bias vector (default true).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Channel groups (default 1): input and output channels are split into this many groups and each output
    /// group sees only its input group, as PyTorch's <c>groups</c>; weight shape <c>[out, in/groups, kh, kw]</c>.
    /// Must divide both channel counts. Equal to the input channels, it is a depthwise convolution.</summary>
    public int Groups { get; set; } = 1;
}

/// <summary>Common shape of the pooling attributes.</summary>
public abstract class PoolAttribute : LayerAttribute
{
    /// <summary>Creates a pooling layer with a rectangular window.</summary>
    protected PoolAttribute(int kernelHeight, int kernelWidth)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }
    /// <summary>Window height.</summary>
    public int KernelHeight { get; }
    /// <summary>Window width.</summary>
    public int KernelWidth { get; }
    /// <summary>Stride in both directions; 0 (the default) means the window size, as in PyTorch.</summary>
    public int Stride { get; set; }
    /// <summary>Zero padding on every side (default 0).</summary>
    public int Padding { get; set; }
}

/// <summary>Max pooling over windows of a <c>(C, H, W)</c> feature map.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPoolAttribute : PoolAttribute
{
    /// <param name="kernel">Square window size.</param>
    public MaxPoolAttribute(int kernel) : base(kernel, kernel) { }
    /// <param name="kernelHeight">Window height.</param>
    /// <param name="kernelWidth">Window width.</param>
    public MaxPoolAttribute(int kernelHeight, int kernelWidth) : base(kernelHeight, kernelWidth) { }
}

/// <summary>Average pooling over windows of a <c>(C, H, W)</c> feature map (padding counts as zeros, as PyTorch's default).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPoolAttribute : PoolAttribute
{
    /// <param name="kernel">Square window size.</param>
    public AvgPoolAttribute(int kernel) : base(kernel, kernel) { }
    /// <param name="kernelHeight">Window height.</param>
    /// <param name="kernelWidth">Window width.</param>
    public AvgPoolAttribute(int kernelHeight, int kernelWidth) : base(kernelHeight, kernelWidth) { }
}

/// <summary>Flattens <c>(C, H, W)</c> to <c>(C·H·W)</c>; the data is not moved.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute { }

/// <summary>Rectified linear unit, <c>max(0, x)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute { }

/// <summary>Parametric ReLU, <c>x &gt; 0 ? x : a·x</c>, with one learnt slope <c>a</c> per layer (PyTorch's default, initial value 0.25).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PReLUAttribute : LayerAttribute
{
    /// <summary>Initial slope for negative inputs (default 0.25).</summary>
    public double Init { get; set; } = 0.25;
}

/// <summary>Logistic sigmoid, <c>1 / (1 + e^-x)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute { }

/// <summary>Hyperbolic tangent.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute { }

/// <summary>Dropout: in training, zeroes each element with probability <c>p</c> and scales the rest by <c>1/(1-p)</c>; identity in inference.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <param name="p">Probability of dropping an element, in [0, 1).</param>
    public DropoutAttribute(double p) => P = p;
    /// <summary>Probability of dropping an element.</summary>
    public double P { get; }
}
