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
