using Dsl;

namespace Dsl.Models;

/// <summary>
/// The multilayer perceptron of Dive into Deep Learning (§5.2): 784 inputs (a flattened 28×28 image), one hidden layer
/// of 256 ReLU units, 10 class scores. 203,530 parameters.
/// </summary>
[Network(784)]
[Dense(256), ReLU]
[Dense(10)]
public partial class Mlp { }
