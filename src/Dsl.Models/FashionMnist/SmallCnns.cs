using Dsl;

namespace Dsl.Models;

// The modern CNNs of Dive into Deep Learning chapter 8, scaled to Fashion-MNIST's 1×28×28 images so that each trains in
// minutes on two cores: the same blocks as their ImageNet declarations, with fewer channels and stages.

/// <summary>AlexNet's design (five convolutions, three pools, two wide dropout-regularised dense layers), scaled down.</summary>
[Network(1, 28, 28)]
[Conv(32, 5, Padding = 2), ReLU, MaxPool(2)]
[Conv(48, 3, Padding = 1), ReLU, MaxPool(2)]
[Conv(64, 3, Padding = 1), ReLU, Conv(64, 3, Padding = 1), ReLU, Conv(48, 3, Padding = 1), ReLU, MaxPool(3, Stride = 2)]
[Flatten, Dropout(0.5), Dense(256), ReLU, Dropout(0.5), Dense(256), ReLU, Dense(10)]
public partial class AlexNetSmall { }

/// <summary>VGG blocks of 16, 32 and 2 × 64 channels, then one dropout-regularised dense layer.</summary>
[Network(1, 28, 28)]
[VggBlock(1, 16), VggBlock(1, 32), VggBlock(2, 64)]
[Flatten, Dense(256), ReLU, Dropout(0.5), Dense(10)]
public partial class VggSmall { }

/// <summary>NiN blocks and global average pooling over one map per class, no dense layer.</summary>
[Network(1, 28, 28)]
[NiNBlock(32, 5, Stride = 2, Padding = 2), MaxPool(3, Stride = 2)]
[NiNBlock(64, 3, Padding = 1), MaxPool(3, Stride = 2)]
[Dropout(0.5), NiNBlock(10, 3, Padding = 1)]
[GlobalAvgPool, Flatten]
public partial class NiNSmall { }

/// <summary>A stem and two Inception blocks.</summary>
[Network(1, 28, 28)]
[Conv(32, 3, Padding = 1), ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Inception(16, 16, 32, 4, 8, 8), MaxPool(3, Stride = 2, Padding = 1)]
[Inception(32, 32, 48, 8, 24, 16)]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class GoogLeNetSmall { }

/// <summary>ResNet-18's shape at a quarter of the width: a stem pooled to 14×14, then three stages of two basic blocks.</summary>
[Network(1, 28, 28)]
[Conv(16, 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]
[Stage(depth: 2, width: 16, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 32, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 64, Block = typeof(BasicResidual))]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class ResNetSmall { }

/// <summary>Two stages of ResNeXt bottleneck blocks with grouped 3×3 convolutions (group width 4 and 8).</summary>
[Network(1, 28, 28)]
[Conv(32, 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]
[Stage(depth: 1, width: 64, Stride = 1, BottleneckRatio = 0.5, GroupWidth = 4)]
[Stage(depth: 2, width: 128, BottleneckRatio = 0.5, GroupWidth = 8)]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class ResNeXtSmall { }

/// <summary>Two dense blocks of three layers (growth 12) around a transition.</summary>
[Network(1, 28, 28)]
[Conv(24, 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool(2)]
[DenseBlock(3, 12, Bias = false), Transition(30, Bias = false)]
[DenseBlock(3, 12, Bias = false), BatchNorm, ReLU]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class DenseNetSmall { }

/// <summary>
/// Dive into Deep Learning's RegNetX-32 (section 8.8.3, the network it trains on Fashion-MNIST): a stem and two AnyNet
/// stages of 4 and 6 blocks, widths 32 and 80, group width 16, bottleneck ratio 1; here on 28×28 images rather than
/// the book's 96×96, with its stride-2 stem.
/// </summary>
[Network(1, 28, 28)]
[Conv(32, 3, Stride = 2, Padding = 1, Bias = false), BatchNorm, ReLU]
[Stage(depth: 4, width: 32, GroupWidth = 16)]
[Stage(depth: 6, width: 80, GroupWidth = 16)]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class RegNetSmall { }

/// <summary>
/// ResNet-18 in the CIFAR shape the benchmarks use (3×32×32, 10 classes): a 3×3 stem without pooling, then
/// ResNet-18's four stages of basic blocks. Matches the TorchSharp peer's resnet18-cifar workload.
/// </summary>
[Network(3, 32, 32)]
[Conv(64, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Stage(depth: 2, width: 64, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 128, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 256, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 512, Block = typeof(BasicResidual))]
[GlobalAvgPool, Flatten, Dense(10)]
public partial class ResNet18Cifar { }
