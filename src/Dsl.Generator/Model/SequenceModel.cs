namespace Dsl.Generator.Model;

/// <summary>What a recurrent network does with its outputs.</summary>
public enum SequenceNetworkKind
{
    /// <summary>Token input, a head at every step over the vocabulary: next-token prediction with truncated BPTT.</summary>
    LanguageModel,
    /// <summary>Float input per step, <c>[LastStep]</c> and a head: one class per sequence (<c>INetwork</c>).</summary>
    Classifier,
    /// <summary>Encoder and decoder split by <c>[Decoder]</c>, as D2L §10.7.</summary>
    EncoderDecoder,
}

/// <summary>How a part of a recurrent network reads its input.</summary>
public enum SequenceInputKind
{
    /// <summary>One float vector per step (the network's input shape).</summary>
    Float,
    /// <summary>Token ids as one-hot vectors of the vocabulary's length.</summary>
    OneHot,
    /// <summary>Token ids through a learned embedding.</summary>
    Embedding,
}

/// <summary>A <c>[Recurrent]</c> layer: cell (0 RNN, 1 LSTM, 2 GRU as <c>Dsl.Cell</c>), hidden units, layers, dropout between layers.</summary>
public sealed record RecurrentLayerSpec(int Cell, int Hidden, int Layers, double Dropout, bool Bidirectional)
{
    /// <summary>Gate blocks of the cell (1, 4, 3).</summary>
    public int Gates => Cell switch { 1 => 4, 2 => 3, _ => 1 };

    /// <summary>The cell's name in <c>Dsl.Runtime.RecurrentCell</c>.</summary>
    public string CellName => Cell switch { 1 => "Lstm", 2 => "Gru", _ => "Rnn" };

    /// <summary>Whether the cell carries a cell state besides the hidden state.</summary>
    public bool HasCellState => Cell == 1;

    /// <summary>Parameters of the stack for <paramref name="input"/> features per step (PyTorch's count).</summary>
    public long ParameterCount(int input)
    {
        long width = (long)Gates * Hidden, count = 0;
        for (int k = 0; k < Layers; k++)
            count += Directions * (width * (k == 0 ? input : (long)Directions * Hidden) + width * Hidden + 2 * width);
        return count;
    }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Features per step of the top layer's output: both directions' hidden states when bidirectional.</summary>
    public int OutputSize => Directions * Hidden;
}

/// <summary>A layer applied at every step (or at the last) after the recurrent layer: Dense, ReLU, Tanh, Sigmoid or Dropout.</summary>
/// <param name="Kind">The layer.</param>
/// <param name="Size">Output features of a Dense.</param>
/// <param name="Rate">Dropout probability.</param>
/// <param name="Name">PyTorch-style name of a Dense's parameters (<c>fc</c>, <c>fc1</c>…).</param>
public sealed record HeadLayerSpec(LayerKind Kind, int Size, double Rate, string Name);

/// <summary>The encoder of a network (or the whole network), or its decoder: input, one recurrent layer, head.</summary>
/// <param name="Prefix">Parameter name prefix: empty, <c>encoder.</c> or <c>decoder.</c>.</param>
/// <param name="Input">How tokens or floats come in.</param>
/// <param name="InputSize">Vocabulary (token input) or features per step (float input).</param>
/// <param name="EmbeddingSize">Embedding width, 0 unless <see cref="Input"/> is an embedding.</param>
/// <param name="Recurrent">The recurrent layer.</param>
/// <param name="Head">Layers after it.</param>
public sealed record SequencePartSpec(
    string Prefix,
    SequenceInputKind Input,
    int InputSize,
    int EmbeddingSize,
    RecurrentLayerSpec Recurrent,
    EquatableArray<HeadLayerSpec> Head)
{
    /// <summary>Features per step entering the recurrent layer, before any context.</summary>
    public int StepWidth => Input switch { SequenceInputKind.Embedding => EmbeddingSize, _ => InputSize };

    /// <summary>Features of the head's output (the recurrent layer's when the head is empty).</summary>
    public int OutputWidth
    {
        get
        {
            int width = Recurrent.OutputSize;
            foreach (HeadLayerSpec layer in Head)
                if (layer.Kind == LayerKind.Dense)
                    width = layer.Size;
            return width;
        }
    }
}

/// <summary>A valid recurrent network ready to emit. Location-free, like <see cref="NetworkModel"/>.</summary>
public sealed record SequenceModel(
    string? Namespace,
    string ClassName,
    string HintName,
    string Accessibility,
    EquatableArray<string> ContainingTypes,
    SequenceNetworkKind Kind,
    int Steps,
    SequencePartSpec Encoder,
    SequencePartSpec? Decoder)
{
    /// <summary>The class name for messages, without keyword escapes.</summary>
    public string DisplayName => ClassName.Replace("@", "");
}
