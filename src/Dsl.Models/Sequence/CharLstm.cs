using Dsl;

namespace Dsl.Models;

/// <summary>
/// A character language model with a learned embedding (D2L §9.5–10.3 with <c>nn.Embedding</c> in front): 28 tokens
/// (26 letters, the space and <c>&lt;unk&gt;</c>, as <c>LanguageModelCorpus.FromCharacters</c> builds them), 35 steps of
/// truncated BPTT, two stacked LSTM layers of 256 units with dropout between them, and a dense read-out at every step.
/// </summary>
[Network(Vocab = 28, Steps = 35)]
[Embedding(32), Recurrent(Cell.Lstm, 256, Layers = 2, Dropout = 0.3)]
[Dense(28)]
public partial class CharLstm { }

/// <summary>
/// D2L's character language model as chapters 9–10 build it: one-hot characters (28 tokens), two stacked LSTM layers of
/// 256 units with dropout 0.3 between them, a dense read-out at every step; the same model as the hand-written
/// <c>CharLanguageModel</c> with the <c>lm</c> command's defaults.
/// </summary>
[Network(Vocab = 28, Steps = 35)]
[OneHot, Recurrent(Cell.Lstm, 256, Layers = 2, Dropout = 0.3)]
[Dense(28)]
public partial class CharLstmOneHot { }
