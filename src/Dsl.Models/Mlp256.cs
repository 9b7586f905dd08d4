using Dsl;

namespace Dsl.Models;

/// <summary>
/// The deeper perceptron of the Fashion-MNIST benchmark table: 784 → 256 → 128 → 100 → 10 with ReLU between the layers.
/// </summary>
[Network(784)]
[Dense(256), ReLU]
[Dense(128), ReLU]
[Dense(100), ReLU]
[Dense(10)]
public partial class Mlp256 { }
