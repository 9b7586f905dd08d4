using Dsl;

namespace Dsl.Models;

/// <summary>
/// DenseNet-121 (Huang et al. 2017; Dive into Deep Learning 8.7) at torchvision's ImageNet definition: 7,978,856
/// parameters. Growth rate 32, bottleneck layers of 4 × 32 channels, transitions halving the channels, convolutions
/// without bias. <see cref="DenseNetSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[DenseBlock(6, 32, BottleneckWidth = 128, Bias = false), Transition(128, Bias = false)]
[DenseBlock(12, 32, BottleneckWidth = 128, Bias = false), Transition(256, Bias = false)]
[DenseBlock(24, 32, BottleneckWidth = 128, Bias = false), Transition(512, Bias = false)]
[DenseBlock(16, 32, BottleneckWidth = 128, Bias = false), BatchNorm, ReLU]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class DenseNet121 { }
