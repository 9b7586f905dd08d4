namespace Dsl;

/// <summary>
/// Marks a class as a reusable block: its layer attributes, in source order, are the block's layers. A block generates
/// no code of its own; it is expanded where a network (or another block) uses it, through <see cref="UseAttribute"/>,
/// <see cref="ResidualAttribute"/>, <see cref="ParallelAttribute"/> or <see cref="StageAttribute"/>, and every shape in
/// it is checked at each use. Layers may take the use's parameters through the constants of <see cref="Block"/>.
/// </summary>
/// <example><code>
/// [Block]
/// [Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride), BatchNorm, ReLU]
/// [Conv(Block.Width, 3, Padding = 1), BatchNorm]
/// public partial class TwoConvs { }
///
/// [Network(3, 32, 32)]
/// [Conv(16, 3, Padding = 1)]
/// [Residual(typeof(TwoConvs), Width = 16), ReLU]
/// [Residual(typeof(TwoConvs), Width = 32, Stride = 2), ReLU]   // shapes change: a 1×1 projection is added
/// [GlobalAvgPool, Dense(10)]
/// public partial class SmallResNet { }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BlockAttribute : Attribute { }

/// <summary>
/// Placeholders a <see cref="BlockAttribute"/> class writes where a value comes from each use: <c>[Conv(Block.Width, 3,
/// Stride = Block.Stride)]</c>. A use that leaves a placeholder it needs unset is a compile-time error. The values are
/// negative, which no real width, stride or group count can be, so they cannot be mistaken for one.
/// </summary>
public static class Block
{
    /// <summary>The use's <c>Width</c>: output channels of the block.</summary>
    public const int Width = -1_000_001;
    /// <summary>The use's <c>Stride</c> (1 when the use does not set it).</summary>
    public const int Stride = -1_000_002;
    /// <summary>The use's <c>Groups</c> (1 when the use does not set it).</summary>
    public const int Groups = -1_000_003;
    /// <summary>The use's <c>BottleneckWidth</c>: channels inside a bottleneck.</summary>
    public const int BottleneckWidth = -1_000_004;
}

/// <summary>Base of the attributes that expand a block class at a use, carrying the values of its placeholders.</summary>
public abstract class BlockUseAttribute : LayerAttribute
{
    /// <summary>Value of <see cref="Block.Width"/> in the block (0: inherited from the enclosing block, if any).</summary>
    public int Width { get; set; }
    /// <summary>Value of <see cref="Block.Stride"/> in the block (0: inherited, else 1).</summary>
    public int Stride { get; set; }
    /// <summary>Value of <see cref="Block.Groups"/> in the block (0: inherited, else 1).</summary>
    public int Groups { get; set; }
    /// <summary>Value of <see cref="Block.BottleneckWidth"/> in the block (0: inherited).</summary>
    public int BottleneckWidth { get; set; }
}

/// <summary>Expands a <see cref="BlockAttribute"/> class in place: <c>[Use(typeof(Fire), Width = 64)]</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UseAttribute : BlockUseAttribute
{
    /// <param name="block">A class marked <see cref="BlockAttribute"/>.</param>
    public UseAttribute(Type block) => BlockType = block;
    /// <summary>The block class.</summary>
    public Type BlockType { get; }
}

/// <summary>How <see cref="ParallelAttribute"/> merges its branches.</summary>
public enum Merge
{
    /// <summary>Element-wise sum: every branch must produce the same shape (a residual connection).</summary>
    Add = 0,
    /// <summary>Concatenation along channels: branches must agree on height and width (Inception, DenseNet).</summary>
    Concat = 1,
}

/// <summary>
/// Parallel branches on the same input, merged by <see cref="Merge.Add"/> or <see cref="Merge.Concat"/>. Each branch is a
/// <see cref="BlockAttribute"/> class; <see cref="Identity"/> passes the input through. Parameters set here reach every
/// branch. <c>[Parallel(Merge.Concat, typeof(Path1), typeof(Path2), typeof(Path3), typeof(Path4))]</c> is an Inception block.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ParallelAttribute : BlockUseAttribute
{
    /// <param name="merge">How branch outputs are combined.</param>
    /// <param name="branches">Block classes, one per branch (at least two).</param>
    public ParallelAttribute(Merge merge, params Type[] branches)
    {
        Merge = merge;
        Branches = branches;
    }
    /// <summary>How branch outputs are combined.</summary>
    public Merge Merge { get; }
    /// <summary>The branch block classes.</summary>
    public Type[] Branches { get; }
}

/// <summary>What the shortcut of a <see cref="ResidualAttribute"/> is.</summary>
public enum Shortcut
{
    /// <summary>The identity where the body keeps the shape, else a projection (the default).</summary>
    Auto = 0,
    /// <summary>Always the identity: a body that changes the shape is an error.</summary>
    Identity = 1,
    /// <summary>Always a projection: a 1×1 convolution with the body's output channels and stride, without bias, then batch norm.</summary>
    Projection = 2,
}

/// <summary>
/// A residual connection, <c>y = body(x) + shortcut(x)</c> (He et al.; Dive into Deep Learning 8.6). The body is a
/// <see cref="BlockAttribute"/> class. Where the body changes the shape, the shortcut is a 1×1 convolution with the body's
/// output channels and the stride that matches its spatial size, followed by batch norm, as torchvision's downsample.
/// The activation after the sum is not part of the block: write <c>[Residual(typeof(Body)), ReLU]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ResidualAttribute : BlockUseAttribute
{
    /// <param name="body">The residual branch, a <see cref="BlockAttribute"/> class.</param>
    public ResidualAttribute(Type body) => Body = body;
    /// <summary>The residual branch.</summary>
    public Type Body { get; }
    /// <summary>What the shortcut is (default <see cref="Dsl.Shortcut.Auto"/>).</summary>
    public Shortcut Shortcut { get; set; }
}

/// <summary>
/// An AnyNet/RegNet stage (Dive into Deep Learning 8.8): <c>depth</c> blocks of <c>width</c> output channels; the first
/// applies <see cref="Stride"/> (default 2, halving height and width) and gets a projection shortcut where the shape
/// changes. The block is <see cref="Bottleneck"/> (ResNeXt's) unless <see cref="Block"/> names another block class, which
/// receives <c>Width</c>, <c>Stride</c>, <c>Groups</c> and <c>BottleneckWidth</c>.
/// </summary>
/// <example><c>[Stage(depth: 2, width: 128, Block = typeof(BasicResidual))]</c> is one stage of ResNet-18.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class StageAttribute : LayerAttribute
{
    /// <param name="depth">Number of blocks.</param>
    /// <param name="width">Output channels of every block.</param>
    public StageAttribute(int depth, int width)
    {
        Depth = depth;
        Width = width;
    }
    /// <summary>Number of blocks.</summary>
    public int Depth { get; }
    /// <summary>Output channels of every block.</summary>
    public int Width { get; }
    /// <summary>Stride of the first block (default 2).</summary>
    public int Stride { get; set; } = 2;
    /// <summary>The block class (default <see cref="Bottleneck"/>).</summary>
    public Type? Block { get; set; }
    /// <summary>Channels inside a bottleneck as a fraction of <see cref="Width"/> (default 1, as AnyNet's).</summary>
    public double BottleneckRatio { get; set; } = 1;
    /// <summary>Channels per group of the grouped convolution (0, the default: one group). Must divide the bottleneck width.</summary>
    public int GroupWidth { get; set; }
}
