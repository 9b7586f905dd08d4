using Dsl;

namespace Dsl.Models.Tests;

// Small networks built from blocks, for finite-difference checks of branching graphs: a value read by several layers
// must receive the sum of their gradients, whichever way (shared memory, copy, accumulation) the planner routes it.

/// <summary>Two 3×3 convolutions with the use's width and stride (no batch norm, to keep the check sharp).</summary>
[Block]
[Conv(Block.Width, 3, Padding = 1, Stride = Block.Stride), Tanh]
[Conv(Block.Width, 3, Padding = 1)]
public partial class TwoConvs { }

/// <summary>Identity residual, then one that downsamples and widens through a projection shortcut.</summary>
[Network(2, 6, 6)]
[Conv(3, 3, Padding = 1), Tanh]
[Residual(typeof(TwoConvs), Width = 3), Tanh]
[Residual(typeof(TwoConvs), Width = 4, Stride = 2), ReLU]
[GlobalAvgPool, Flatten, Dense(3)]
public partial class TinyResidualNet { }

/// <summary>The built-in basic and bottleneck residual blocks (batch norm, projections) in two stages.</summary>
[Network(3, 8, 8)]
[Conv(4, 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Stage(depth: 2, width: 4, Stride = 1, Block = typeof(BasicResidual))]
[Stage(depth: 1, width: 6, BottleneckRatio = 0.5)]
[GlobalAvgPool, Flatten, Dense(3)]
public partial class TinyStageNet { }

/// <summary>An Inception block: four branches of different depths concatenated.</summary>
[Network(3, 5, 5)]
[Conv(4, 1), ReLU]
[Inception(2, 2, 3, 1, 2, 2)]
[Flatten, Dense(3)]
public partial class TinyInceptionNet { }

/// <summary>A dense block (each layer's input both concatenated and convolved) and a transition.</summary>
[Network(2, 6, 6)]
[Conv(3, 3, Padding = 1)]
[DenseBlock(2, 2), Transition(3)]
[Flatten, Dense(3)]
public partial class TinyDenseNet { }

/// <summary>A block adding an identity branch to a computed one, both merges of Parallel, and a VGG and NiN block.</summary>
[Block]
[Conv(Block.Width, 1), Sigmoid]
public partial class Pointwise { }

[Network(2, 6, 6)]
[Conv(3, 3, Padding = 1)]
[Parallel(Merge.Add, typeof(Identity), typeof(Pointwise), Width = 3)]
[Parallel(Merge.Concat, typeof(Pointwise), typeof(Identity), Width = 2)]
[VggBlock(1, 4), NiNBlock(3, 2, Padding = 1)]
[Flatten, Dense(3)]
public partial class TinyParallelNet { }

