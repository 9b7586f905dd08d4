using Dsl;

namespace Dsl.Models;

/// <summary>
/// D2L §10.7's RNN encoder–decoder for the <c>translate</c> command's synthetic task: source and target embeddings of 64,
/// two GRU layers of 128 units in the encoder and in the decoder (dropout 0.1 between them); the decoder starts from the
/// encoder's final state and reads the context at every step. The vocabularies and steps are upper bounds of what
/// <c>SyntheticTranslation</c> produces, 53 source and 80 target tokens with the four reserved ones and at most 14 tokens
/// per sentence with <c>&lt;eos&gt;</c> (unused token ids cost a few parameters, nothing else).
/// </summary>
[Network(Vocab = 56, TargetVocab = 84, Steps = 16)]
[Embedding(64), Recurrent(Cell.Gru, 128, Layers = 2, Dropout = 0.1)]
[Decoder, Embedding(64), Recurrent(Cell.Gru, 128, Layers = 2, Dropout = 0.1), Dense(84)]
public partial class Translator { }
