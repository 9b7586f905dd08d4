using Dsl;

namespace Dsl.Models;

/// <summary>
/// AlexNet (Krizhevsky et al. 2012; Dive into Deep Learning 8.1) at torchvision's ImageNet definition: 61,100,840
/// parameters. Declared to check the DSL against the published architecture; <see cref="AlexNetSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 11, Stride = 4, Padding = 2), ReLU, MaxPool(3, Stride = 2)]
[Conv(192, 5, Padding = 2), ReLU, MaxPool(3, Stride = 2)]
[Conv(384, 3, Padding = 1), ReLU]
[Conv(256, 3, Padding = 1), ReLU]
[Conv(256, 3, Padding = 1), ReLU, MaxPool(3, Stride = 2)]
[AdaptiveAvgPool(6), Flatten]
[Dropout(0.5), Dense(4096), ReLU]
[Dropout(0.5), Dense(4096), ReLU]
[Dense(1000)]
public partial class AlexNet { }
