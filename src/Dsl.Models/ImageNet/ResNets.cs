using Dsl;

namespace Dsl.Models;

/// <summary>
/// ResNet-18 (He et al. 2016; Dive into Deep Learning 8.6) at torchvision's ImageNet definition: 11,689,512 parameters,
/// 1.8 GFLOPs (multiply-adds) at 224×224. Four stages of two basic blocks; each later stage halves the size and
/// doubles the width, its first block projecting the shortcut. <see cref="ResNetSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Stage(depth: 2, width: 64, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 128, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 256, Block = typeof(BasicResidual))]
[Stage(depth: 2, width: 512, Block = typeof(BasicResidual))]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class ResNet18 { }

/// <summary>ResNet-34: the same blocks as <see cref="ResNet18"/>, stages of 3, 4, 6 and 3 (21,797,672 parameters).</summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Stage(depth: 3, width: 64, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 4, width: 128, Block = typeof(BasicResidual))]
[Stage(depth: 6, width: 256, Block = typeof(BasicResidual))]
[Stage(depth: 3, width: 512, Block = typeof(BasicResidual))]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class ResNet34 { }

/// <summary>
/// ResNet-50: bottleneck blocks (1×1 down to a quarter of the width, 3×3, 1×1 back up), stages of 3, 4, 6 and 3
/// (25,557,032 parameters).
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Stage(depth: 3, width: 256, Stride = 1, BottleneckRatio = 0.25)]
[Stage(depth: 4, width: 512, BottleneckRatio = 0.25)]
[Stage(depth: 6, width: 1024, BottleneckRatio = 0.25)]
[Stage(depth: 3, width: 2048, BottleneckRatio = 0.25)]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class ResNet50 { }

/// <summary>
/// ResNeXt-50 32×4d (Xie et al. 2017; Dive into Deep Learning 8.6.5) at torchvision's definition: 25,028,904 parameters.
/// ResNet-50's stages with the 3×3 convolution split into 32 groups, and twice its bottleneck width.
/// <see cref="ResNeXtSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Stage(depth: 3, width: 256, Stride = 1, BottleneckRatio = 0.5, GroupWidth = 4)]
[Stage(depth: 4, width: 512, BottleneckRatio = 0.5, GroupWidth = 8)]
[Stage(depth: 6, width: 1024, BottleneckRatio = 0.5, GroupWidth = 16)]
[Stage(depth: 3, width: 2048, BottleneckRatio = 0.5, GroupWidth = 32)]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class ResNeXt50 { }
