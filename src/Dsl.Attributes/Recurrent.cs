namespace Dsl;

/// <summary>The recurrent cell of a <see cref="RecurrentAttribute"/> layer, as in PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c>
/// and <c>nn.GRU</c> (same gate order and parameter layout, two bias vectors per gate block).</summary>
public enum Cell
{
    /// <summary>Vanilla (Elman) RNN: <c>h = tanh(W_ih x + b_ih + W_hh h + b_hh)</c>.</summary>
    Rnn = 0,
    /// <summary>Long short-term memory: input, forget, cell and output gates; state is <c>(h, c)</c>.</summary>
    Lstm = 1,
    /// <summary>Gated recurrent unit: reset, update and new gates; state is <c>h</c>.</summary>
    Gru = 2,
}

/// <summary>Token embedding: each token id of the input sequence becomes a learned vector of <c>dimension</c>
/// floats; weight shape <c>[vocab, dimension]</c> as in PyTorch's <c>nn.Embedding</c>. Needs token input:
/// <see cref="NetworkAttribute.Vocab"/> (or, after <see cref="DecoderAttribute"/>, <see cref="NetworkAttribute.TargetVocab"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <param name="dimension">Floats per token.</param>
    public EmbeddingAttribute(int dimension) => Dimension = dimension;
    /// <summary>Floats per token.</summary>
    public int Dimension { get; }
}

/// <summary>One-hot encoding of token input: token <c>t</c> becomes the unit vector <c>e_t</c> of length vocab
/// (D2L's character language models). No parameters.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class OneHotAttribute : LayerAttribute
{
}

/// <summary>
/// A recurrent layer run over every time step: <c>cell</c> with <c>hidden</c> units,
/// optionally stacked and bidirectional, as PyTorch's <c>nn.LSTM(input, hidden, num_layers, dropout, bidirectional)</c>.
/// Its output at each step is the top layer's hidden state (both directions concatenated when bidirectional), so a
/// <see cref="DenseAttribute"/> after it is applied at every step; <see cref="LastStepAttribute"/> keeps only the last.
/// </summary>
/// <example><code>
/// [Network(Vocab = 28, Steps = 35)]
/// [Embedding(32), Recurrent(Cell.Lstm, 256, Layers = 2, Dropout = 0.2), Dense(28)]
/// public partial class CharLstm { }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RecurrentAttribute : LayerAttribute
{
    /// <param name="cell">RNN, LSTM or GRU.</param>
    /// <param name="hidden">Hidden units per layer and direction.</param>
    public RecurrentAttribute(Cell cell, int hidden)
    {
        Cell = cell;
        Hidden = hidden;
    }
    /// <summary>RNN, LSTM or GRU.</summary>
    public Cell Cell { get; }
    /// <summary>Hidden units per layer and direction.</summary>
    public int Hidden { get; }
    /// <summary>Stacked layers (default 1); layer <c>l+1</c> reads layer <c>l</c>'s hidden states.</summary>
    public int Layers { get; set; } = 1;
    /// <summary>Whether each layer also runs backwards in time, its states concatenated to the forward ones (default false).</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Dropout probability, in [0, 1), on the outputs of every layer but the last (training only), as PyTorch's
    /// <c>dropout</c>; it has no effect with one layer.</summary>
    public double Dropout { get; set; }
}

/// <summary>Keeps only the last time step of a sequence (the top layer's final hidden state): a sequence classifier's
/// <see cref="DenseAttribute"/> after it sees one vector per example instead of one per step.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LastStepAttribute : LayerAttribute
{
}

/// <summary>
/// Splits an encoder–decoder network: the layers before it are the encoder (over source tokens,
/// <see cref="NetworkAttribute.Vocab"/>), the layers after it the decoder (over target tokens,
/// <see cref="NetworkAttribute.TargetVocab"/>). As in <i>Dive into Deep Learning</i> §10.7, the decoder's recurrent
/// layer starts from the encoder's final state and reads, at every step, its own input concatenated with the context
/// (the encoder's top-layer final hidden state); training uses teacher forcing and a masked loss, inference decodes
/// greedily until <c>&lt;eos&gt;</c>. The hand-off is checked: same cell, hidden size, layers and directions.
/// </summary>
/// <example><code>
/// [Network(Vocab = 40, TargetVocab = 45, Steps = 10)]
/// [Embedding(32), Recurrent(Cell.Gru, 64, Layers = 2)]
/// [Decoder, Embedding(32), Recurrent(Cell.Gru, 64, Layers = 2), Dense(45)]
/// public partial class Translator { }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DecoderAttribute : LayerAttribute
{
}
