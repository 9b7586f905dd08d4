using Dsl;

namespace Dsl.Models;

/// <summary>
/// Network in Network (Lin et al. 2013) as Dive into Deep Learning 8.3 declares it for 224×224 inputs, with 1000 classes:
/// NiN blocks instead of dense layers, global average pooling over one map per class. <see cref="NiNSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[NiNBlock(96, 11, Stride = 4), MaxPool(3, Stride = 2)]
[NiNBlock(256, 5, Padding = 2), MaxPool(3, Stride = 2)]
[NiNBlock(384, 3, Padding = 1), MaxPool(3, Stride = 2)]
[Dropout(0.5), NiNBlock(1000, 3, Padding = 1)]
[GlobalAvgPool, Flatten]
public partial class NiN { }
