using Dsl;

namespace Dsl.Benchmarks;

/// <summary>The MLP of ../shared/peers/torchsharp (workload <c>mlp</c>): 784 → 256 → 128 → 10 with ReLU.</summary>
[Network(784)]
[Dense(256), ReLU, Dense(128), ReLU, Dense(10)]
public partial class PeerMlp { }
