using Dsl;

namespace Dsl.Models;

/// <summary>
/// RegNetX-400MF (Radosavovic et al. 2020; Dive into Deep Learning 8.8) at torchvision's definition: 5,495,976
/// parameters. AnyNet stages of ResNeXt bottleneck blocks (bottleneck ratio 1, group width 16) with depths 1, 2, 7, 12
/// and widths 32, 64, 160, 400. <see cref="RegNetSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(32, 3, Stride = 2, Padding = 1, Bias = false), BatchNorm, ReLU]
[Stage(depth: 1, width: 32, GroupWidth = 16)]
[Stage(depth: 2, width: 64, GroupWidth = 16)]
[Stage(depth: 7, width: 160, GroupWidth = 16)]
[Stage(depth: 12, width: 400, GroupWidth = 16)]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class RegNetX400MF { }
