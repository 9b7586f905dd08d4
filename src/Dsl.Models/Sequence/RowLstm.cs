using Dsl;

namespace Dsl.Models;

/// <summary>
/// A sequence classifier over Fashion-MNIST: each 28×28 image read as 28 steps of one 28-pixel row by an LSTM of 128
/// units, the last step's hidden state classified by a dense layer. Implements <c>INetwork</c>, so the image trainer
/// runs it like the CNNs.
/// </summary>
[Network(28, Steps = 28)]
[Recurrent(Cell.Lstm, 128), LastStep]
[Dense(10)]
public partial class RowLstm { }

/// <summary><see cref="RowLstm"/> with a GRU of 128 units.</summary>
[Network(28, Steps = 28)]
[Recurrent(Cell.Gru, 128), LastStep]
[Dense(10)]
public partial class RowGru { }
