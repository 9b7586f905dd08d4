namespace Dsl.Runtime;

/// <summary>Shape of a <see cref="Seq2Seq"/> model (D2L 10.7's <c>Seq2SeqEncoder</c> and <c>Seq2SeqDecoder</c>).</summary>
public sealed record Seq2SeqOptions
{
    /// <summary>Source vocabulary size.</summary>
    public required int SourceVocabulary { get; init; }
    /// <summary>Target vocabulary size (the decoder's output width).</summary>
    public required int TargetVocabulary { get; init; }
    /// <summary>Tokens per source row (sources are padded or cut to this length).</summary>
    public required int SourceSteps { get; init; }
    /// <summary>Tokens per decoder input and label row in training.</summary>
    public required int TargetSteps { get; init; }
    /// <summary>Index of <c>&lt;pad&gt;</c> in the source vocabulary, used to pad a sentence given to <see cref="Seq2Seq.Translate(ReadOnlySpan{int}, int)"/>.</summary>
    public required int SourcePadIndex { get; init; }
    /// <summary>Index of <c>&lt;bos&gt;</c> in the target vocabulary: the decoder's first input when translating.</summary>
    public required int TargetBeginIndex { get; init; }
    /// <summary>Index of <c>&lt;eos&gt;</c> in the target vocabulary: greedy decoding stops there.</summary>
    public required int TargetEndIndex { get; init; }
    /// <summary>Embedding width of both embeddings.</summary>
    public int EmbeddingSize { get; init; } = 256;
    /// <summary>Hidden units of every GRU layer, encoder and decoder alike (the decoder starts from the encoder's state).</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>GRU layers in the encoder and in the decoder.</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Dropout between GRU layers in training.</summary>
    public float Dropout { get; init; }
    /// <summary>Most sentence pairs per minibatch (and per <see cref="Seq2Seq.Translate(ReadOnlySpan{int}, Span{int}, Span{int})"/> call).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Cell of every layer; D2L uses a GRU.</summary>
    public RecurrentCell Cell { get; init; } = RecurrentCell.Gru;

    internal void Check()
    {
        Validate.Positive(SourceVocabulary, nameof(SourceVocabulary));
        Validate.Positive(TargetVocabulary, nameof(TargetVocabulary));
        Validate.Positive(SourceSteps, nameof(SourceSteps));
        Validate.Positive(TargetSteps, nameof(TargetSteps));
        Validate.Positive(EmbeddingSize, nameof(EmbeddingSize));
        Validate.Positive(Hidden, nameof(Hidden));
        Validate.Positive(Layers, nameof(Layers));
        Validate.Positive(BatchSize, nameof(BatchSize));
        CheckIndex(SourcePadIndex, SourceVocabulary, nameof(SourcePadIndex));
        CheckIndex(TargetBeginIndex, TargetVocabulary, nameof(TargetBeginIndex));
        CheckIndex(TargetEndIndex, TargetVocabulary, nameof(TargetEndIndex));
        if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
    }

    private static void CheckIndex(int index, int vocabulary, string name)
    {
        if ((uint)index >= (uint)vocabulary)
            throw new ArgumentOutOfRangeException(name, index, $"{name} must be an index into the vocabulary [0, {vocabulary}).");
    }
}
