using Dsl;

namespace Dsl.Models.Tests;

// Small recurrent networks for gradient checks: every cell, stacking, one-hot and embedded tokens, a per-step head with
// an activation, a sequence classifier, and encoder–decoders with LSTM (cell state handed over) and GRU.

[Network(Vocab = 7, Steps = 5)]
[Embedding(4), Recurrent(Cell.Lstm, 6, Layers = 2), Dense(7)]
public partial class TinyLstmLm { }

[Network(Vocab = 7, Steps = 5)]
[OneHot, Recurrent(Cell.Gru, 6), Tanh, Dense(7)]
public partial class TinyGruLm { }

[Network(Vocab = 7, Steps = 5)]
[Embedding(3), Recurrent(Cell.Rnn, 6, Layers = 3), Dense(5), Sigmoid, Dense(7)]
public partial class TinyRnnLm { }

// The same as TinyRnnLm but with dropout between the layers and in the head: equal to it in inference mode.
[Network(Vocab = 7, Steps = 5)]
[Embedding(3), Recurrent(Cell.Rnn, 6, Layers = 3, Dropout = 0.4), Dense(5), Sigmoid, Dropout(0.3), Dense(7)]
public partial class TinyRnnLmDropout { }

// The hand-written CharLanguageModel's architecture with one-hot input.
[Network(Vocab = 7, Steps = 5)]
[OneHot, Recurrent(Cell.Lstm, 8, Layers = 2), Dense(7)]
public partial class TinyOneHotLstmLm { }

[Network(3, Steps = 4)]
[Recurrent(Cell.Lstm, 5, Layers = 2), LastStep, Dense(4), Sigmoid, Dense(3)]
public partial class TinyRowLstm { }

[Network(3, Steps = 4)]
[Recurrent(Cell.Gru, 5), LastStep, Dense(3)]
public partial class TinyRowGru { }

[Network(Vocab = 6, TargetVocab = 7, Steps = 4)]
[Embedding(3), Recurrent(Cell.Lstm, 5, Layers = 2)]
[Decoder, Embedding(3), Recurrent(Cell.Lstm, 5, Layers = 2), Dense(7)]
public partial class TinyLstmTranslator { }

[Network(Vocab = 6, TargetVocab = 7, Steps = 4)]
[OneHot, Recurrent(Cell.Gru, 5)]
[Decoder, OneHot, Recurrent(Cell.Gru, 5), Tanh, Dense(7)]
public partial class TinyGruTranslator { }

// Big enough for the synthetic translation task (its vocabularies and sentence lengths are below these bounds).
[Network(Vocab = 64, TargetVocab = 96, Steps = 16)]
[Embedding(32), Recurrent(Cell.Gru, 64)]
[Decoder, Embedding(32), Recurrent(Cell.Gru, 64), Dense(96)]
public partial class SmallTranslator { }

[Network(Vocab = 40, Steps = 16)]
[Embedding(16), Recurrent(Cell.Lstm, 48), Dense(40)]
public partial class SmallCharLm { }

[Network(3, Steps = 4)]
[Recurrent(Cell.Lstm, 5, Layers = 2, Bidirectional = true), LastStep, Dense(3)]
public partial class TinyBiLstmRows { }

[Network(3, Steps = 4)]
[Recurrent(Cell.Gru, 4, Bidirectional = true), LastStep, Tanh, Dense(3)]
public partial class TinyBiGruRows { }

[Network(28, Steps = 28)]
[Recurrent(Cell.Lstm, 64, Layers = 2, Bidirectional = true), LastStep, Dense(10)]
public partial class BiRowLstm { }
