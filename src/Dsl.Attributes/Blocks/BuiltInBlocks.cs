namespace Dsl;

/// <summary>A block that passes its input through unchanged: the identity branch of <see cref="ParallelAttribute"/>.</summary>
[Block]
public sealed class Identity { }

/// <summary>
/// The body of <see cref="BasicResidual"/>: two 3×3 convolutions without bias, each followed by batch norm, with a ReLU
/// between them; the first applies the stride.
/// </summary>
[Block]
[Conv(Block.Width, 3, Stride = Block.Stride, Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv(Block.Width, 3, Padding = 1, Bias = false), BatchNorm]
public sealed class BasicResidualBody { }

/// <summary>ResNet-18/34's basic block (torchvision's <c>BasicBlock</c>): <c>relu(body(x) + shortcut(x))</c>.</summary>
[Block]
[Residual(typeof(BasicResidualBody)), ReLU]
public sealed class BasicResidual { }

/// <summary>
/// The body of <see cref="Bottleneck"/>: 1×1 convolution to the bottleneck width, 3×3 grouped convolution with the
/// stride, 1×1 convolution to the block width; no biases, batch norm after each, ReLU between.
/// </summary>
[Block]
[Conv(Block.BottleneckWidth, 1, Bias = false), BatchNorm, ReLU]
[Conv(Block.BottleneckWidth, 3, Stride = Block.Stride, Padding = 1, Groups = Block.Groups, Bias = false), BatchNorm, ReLU]
[Conv(Block.Width, 1, Bias = false), BatchNorm]
public sealed class BottleneckBody { }

/// <summary>
/// The bottleneck block of ResNet-50 and ResNeXt (torchvision's <c>Bottleneck</c>, Dive into Deep Learning's
/// <c>ResNeXtBlock</c>): <c>relu(body(x) + shortcut(x))</c>. <c>Width</c> is the block's output channels,
/// <c>BottleneckWidth</c> the channels inside and <c>Groups</c> those of the 3×3 convolution.
/// </summary>
[Block]
[Residual(typeof(BottleneckBody)), ReLU]
public sealed class Bottleneck { }
