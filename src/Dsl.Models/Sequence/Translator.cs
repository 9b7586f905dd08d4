using Dsl;

namespace Dsl.Models;

/// <summary>
/// D2L §10.7's RNN encoder–decoder for the <c>translate</c> command's synthetic task: source and target embeddings of 64,
/// two GRU layers of 128 units in the encoder and in the decoder (dropout 0.1 between them); the decoder starts from the
/// encoder's final state and reads the context at every step. The vocabularies and steps are upper bounds of what
/// <c>SyntheticTranslation</c> produces (unused token ids cost a few parameters, nothing else).
/// </summary>
[Network(Vocab = 64, TargetVocab = 64, Steps = 16)]
[Embedding(64), Recurrent(Cell.Gru, 128, Layers = 2, Dropout = 0.1)]
[Decoder, Embedding(64), Recurrent(Cell.Gru, 128, Layers = 2, Dropout = 0.1), Dense(64)]
public partial class Translator { }
