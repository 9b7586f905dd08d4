using Dsl;

namespace Dsl.Models.Tests;

// Small networks for finite-difference checks: every layer kind, sizes small enough to perturb every parameter.

/// <summary>A small MLP with every dense-side activation.</summary>
[Network(7)]
[Dense(6), Tanh, Dense(5), PReLU, Dense(4), Sigmoid, Dense(3)]
public partial class TinyMlp { }

/// <summary>A small LeNet-style network: padded and strided convolutions, both poolings, rectangular kernel.</summary>
[Network(2, 9, 9)]
[Conv(3, 3, Padding = 1), Sigmoid, AvgPool(2)]
[Conv(4, 2, 3, Padding = 1), ReLU, MaxPool(2, Stride = 1)]
[Conv(3, 2, Stride = 2), Tanh]
[Flatten, Dense(5), PReLU, Dense(3)]
public partial class TinyConvNet { }

/// <summary>The same MLP shape with and without dropout, to compare training and inference behaviour.</summary>
[Network(12)]
[Dense(16), ReLU, Dropout(0.5), Dense(4)]
public partial class DropoutMlp { }

[Network(12)]
[Dense(16), ReLU, Dense(4)]
public partial class NoDropoutMlp { }

/// <summary>BatchNorm1d between dense layers, and a LayerNorm over features.</summary>
[Network(6)]
[Dense(8), BatchNorm, ReLU, Dense(5), LayerNorm, Tanh, Dense(3)]
public partial class TinyNormMlp { }

/// <summary>BatchNorm2d, LayerNorm over a whole map, adaptive and global average pooling.</summary>
[Network(2, 6, 6)]
[Conv(3, 3, Padding = 1), BatchNorm, ReLU, AdaptiveAvgPool(3, 2)]
[Conv(4, 2), LayerNorm, Tanh, GlobalAvgPool]
[Flatten, Dense(5), BatchNorm(Momentum = 0.2, Epsilon = 1e-3), Dense(3)]
public partial class TinyNormConvNet { }

/// <summary>BatchNorm as the first layer, so its running statistics are those of the raw input.</summary>
[Network(4)]
[BatchNorm, Dense(3)]
public partial class BatchNormFirst { }
