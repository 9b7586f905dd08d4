using Dsl;

namespace Dsl.Models;

/// <summary>
/// GoogLeNet (Szegedy et al. 2015) as Dive into Deep Learning 8.4 declares it (nine Inception blocks, no auxiliary
/// classifiers, no batch norm), for 224×224 inputs and 1000 classes. <see cref="GoogLeNetSmall"/> trains here.
/// </summary>
[Network(3, 224, 224)]
[Conv(64, 7, Stride = 2, Padding = 3), ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Conv(64, 1), ReLU, Conv(192, 3, Padding = 1), ReLU, MaxPool(3, Stride = 2, Padding = 1)]
[Inception(64, 96, 128, 16, 32, 32), Inception(128, 128, 192, 32, 96, 64), MaxPool(3, Stride = 2, Padding = 1)]
[Inception(192, 96, 208, 16, 48, 64), Inception(160, 112, 224, 24, 64, 64), Inception(128, 128, 256, 24, 64, 64)]
[Inception(112, 144, 288, 32, 64, 64), Inception(256, 160, 320, 32, 128, 128), MaxPool(3, Stride = 2, Padding = 1)]
[Inception(256, 160, 320, 32, 128, 128), Inception(384, 192, 384, 48, 128, 128)]
[GlobalAvgPool, Flatten, Dense(1000)]
public partial class GoogLeNet { }
