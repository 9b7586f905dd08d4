namespace Dsl;

/// <summary>
/// VGG block (Dive into Deep Learning 8.2): <c>convs</c> 3×3 convolutions with padding 1 and <c>channels</c> outputs,
/// each followed by ReLU, then 2×2 max pooling with stride 2.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class VggBlockAttribute : LayerAttribute
{
    /// <param name="convs">Number of convolutions.</param>
    /// <param name="channels">Output channels of each.</param>
    public VggBlockAttribute(int convs, int channels)
    {
        Convs = convs;
        Channels = channels;
    }
    /// <summary>Number of convolutions.</summary>
    public int Convs { get; }
    /// <summary>Output channels of each convolution.</summary>
    public int Channels { get; }
}

/// <summary>
/// NiN block (Dive into Deep Learning 8.3): a <c>kernel</c>×<c>kernel</c> convolution, then two 1×1 convolutions, all
/// with <c>channels</c> outputs and each followed by ReLU.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class NiNBlockAttribute : LayerAttribute
{
    /// <param name="channels">Output channels.</param>
    /// <param name="kernel">Size of the first convolution's square kernel.</param>
    public NiNBlockAttribute(int channels, int kernel)
    {
        Channels = channels;
        Kernel = kernel;
    }
    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>Kernel of the first convolution.</summary>
    public int Kernel { get; }
    /// <summary>Stride of the first convolution (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Padding of the first convolution (default 0).</summary>
    public int Padding { get; set; }
}

/// <summary>
/// Inception block (GoogLeNet; Dive into Deep Learning 8.4): four parallel paths concatenated along channels —
/// 1×1 convolution (<c>c1</c>); 1×1 (<c>c2Reduce</c>) then 3×3 (<c>c2</c>); 1×1 (<c>c3Reduce</c>) then 5×5 (<c>c3</c>);
/// 3×3 max pooling (stride 1) then 1×1 (<c>c4</c>). Every convolution is followed by ReLU and keeps height and width.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InceptionAttribute : LayerAttribute
{
    /// <summary>Creates an Inception block with the given channels per path.</summary>
    public InceptionAttribute(int c1, int c2Reduce, int c2, int c3Reduce, int c3, int c4)
    {
        C1 = c1;
        C2Reduce = c2Reduce;
        C2 = c2;
        C3Reduce = c3Reduce;
        C3 = c3;
        C4 = c4;
    }
    /// <summary>Path 1: 1×1 convolution channels.</summary>
    public int C1 { get; }
    /// <summary>Path 2: 1×1 reduction channels.</summary>
    public int C2Reduce { get; }
    /// <summary>Path 2: 3×3 convolution channels.</summary>
    public int C2 { get; }
    /// <summary>Path 3: 1×1 reduction channels.</summary>
    public int C3Reduce { get; }
    /// <summary>Path 3: 5×5 convolution channels.</summary>
    public int C3 { get; }
    /// <summary>Path 4: 1×1 convolution after pooling.</summary>
    public int C4 { get; }
}

/// <summary>
/// Dense block (DenseNet; Dive into Deep Learning 8.7): <c>convs</c> layers, each batch norm, ReLU and a 3×3 convolution
/// of <c>growth</c> channels, whose output is concatenated to its input, so the block adds <c>convs × growth</c> channels.
/// With <see cref="BottleneckWidth"/> set (DenseNet-BC, torchvision's; 4 × growth there) each layer first reduces with
/// batch norm, ReLU and a 1×1 convolution to that many channels.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseBlockAttribute : LayerAttribute
{
    /// <param name="convs">Number of layers.</param>
    /// <param name="growth">Channels each layer adds.</param>
    public DenseBlockAttribute(int convs, int growth)
    {
        Convs = convs;
        Growth = growth;
    }
    /// <summary>Number of layers.</summary>
    public int Convs { get; }
    /// <summary>Channels each layer adds (the growth rate).</summary>
    public int Growth { get; }
    /// <summary>Channels of the 1×1 bottleneck before each 3×3 convolution (0, the default: no bottleneck).</summary>
    public int BottleneckWidth { get; set; }
    /// <summary>Whether the convolutions have biases (default true as in Dive into Deep Learning; torchvision's have none).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// DenseNet transition layer (Dive into Deep Learning 8.7): batch norm, ReLU, a 1×1 convolution to <c>channels</c>, and
/// 2×2 average pooling with stride 2.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransitionAttribute : LayerAttribute
{
    /// <param name="channels">Output channels.</param>
    public TransitionAttribute(int channels) => Channels = channels;
    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>Whether the convolution has a bias (default true as in Dive into Deep Learning; torchvision's has none).</summary>
    public bool Bias { get; set; } = true;
}
