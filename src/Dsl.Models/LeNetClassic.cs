using Dsl;

namespace Dsl.Models;

/// <summary>
/// LeNet-5 as in Dive into Deep Learning (§7.6): sigmoid activations and average pooling, as LeCun et al. (1998) had
/// it, on 1×28×28 images (the first convolution pads by 2 to keep 28×28). 61,706 parameters.
/// </summary>
[Network(1, 28, 28)]
[Conv(6, 5, Padding = 2), Sigmoid, AvgPool(2)]
[Conv(16, 5), Sigmoid, AvgPool(2)]
[Flatten, Dense(120), Sigmoid, Dense(84), Sigmoid, Dense(10)]
public partial class LeNetClassic { }
