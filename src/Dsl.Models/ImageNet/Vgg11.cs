using Dsl;

namespace Dsl.Models;

/// <summary>
/// VGG-11 (Simonyan and Zisserman 2014, configuration A; Dive into Deep Learning 8.2) at torchvision's ImageNet definition:
/// 132,863,336 parameters. <see cref="VggSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[VggBlock(1, 64), VggBlock(1, 128), VggBlock(2, 256), VggBlock(2, 512), VggBlock(2, 512)]
[AdaptiveAvgPool(7), Flatten]
[Dense(4096), ReLU, Dropout(0.5)]
[Dense(4096), ReLU, Dropout(0.5)]
[Dense(1000)]
public partial class Vgg11 { }
