namespace Dsl.Runtime;

/// <summary>Shape of a <see cref="CharLanguageModel"/>: D2L 9.5–9.6 and 10.1–10.3's RNN language models.</summary>
public sealed record CharLanguageModelOptions
{
    /// <summary>Tokens in the vocabulary: the input one-hot width (or embedding rows) and the output width.</summary>
    public required int Vocabulary { get; init; }
    /// <summary>Recurrent cell of every layer.</summary>
    public RecurrentCell Cell { get; init; } = RecurrentCell.Lstm;
    /// <summary>Hidden units per layer.</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Stacked recurrent layers (D2L 10.3's deep RNN when above 1).</summary>
    public int Layers { get; init; } = 1;
    /// <summary>Embedding width; 0 feeds one-hot vectors as D2L's chapter 9 does.</summary>
    public int EmbeddingSize { get; init; }
    /// <summary>Dropout probability between stacked layers in training (0: none).</summary>
    public float Dropout { get; init; }
    /// <summary>Time steps per minibatch row (D2L's <c>num_steps</c>), the length truncated BPTT backpropagates through.</summary>
    public int Steps { get; init; } = 35;
    /// <summary>Rows per minibatch.</summary>
    public int BatchSize { get; init; } = 32;

    internal void Check()
    {
        Validate.Positive(Vocabulary, nameof(Vocabulary));
        Validate.Positive(Hidden, nameof(Hidden));
        Validate.Positive(Layers, nameof(Layers));
        Validate.Positive(Steps, nameof(Steps));
        Validate.Positive(BatchSize, nameof(BatchSize));
        if (EmbeddingSize < 0) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), EmbeddingSize, "EmbeddingSize must be 0 (one-hot input) or positive.");
        if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
    }
}
