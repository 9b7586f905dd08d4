namespace Dsl.Runtime;

/// <summary>
/// Translation pairs as fixed-length index arrays, exactly as D2L 10.5's <c>_build_arrays</c>: each source row padded or
/// cut to <see cref="Steps"/> tokens; each target row padded or cut to <see cref="Steps"/>, then prefixed with
/// <c>&lt;bos&gt;</c>, giving the decoder input (all but the last) and the labels (all but the first).
/// </summary>
/// <remarks>
/// All arrays are row-major, one example per row: <c>[Count, Steps]</c> or <c>[Count]</c>. Token lists normally end in
/// <c>&lt;eos&gt;</c> already (see <see cref="Tokenizer.TranslationPairs"/>). A valid length counts the non-padding
/// positions, which is what D2L's masked loss and attention use.
/// </remarks>
public sealed class TranslationArrays
{
    private TranslationArrays(int count, int steps)
    {
        Count = count;
        Steps = steps;
        Source = new int[count * steps];
        SourceValidLengths = new int[count];
        DecoderInputs = new int[count * steps];
        Labels = new int[count * steps];
        LabelValidLengths = new int[count];
    }

    /// <summary>Number of pairs.</summary>
    public int Count { get; }

    /// <summary>Tokens per row.</summary>
    public int Steps { get; }

    /// <summary>Encoder input, <c>[Count, Steps]</c>.</summary>
    public int[] Source { get; }

    /// <summary>Non-padding tokens of each source row.</summary>
    public int[] SourceValidLengths { get; }

    /// <summary>Decoder input: <c>&lt;bos&gt;</c> then the target shifted right, <c>[Count, Steps]</c>.</summary>
    public int[] DecoderInputs { get; }

    /// <summary>What the decoder should predict at each position, <c>[Count, Steps]</c>.</summary>
    public int[] Labels { get; }

    /// <summary>Non-padding tokens of each label row: the positions a masked cross-entropy counts.</summary>
    public int[] LabelValidLengths { get; }

    /// <summary>Encodes the pairs with the two vocabularies.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a vocabulary lacks <c>&lt;pad&gt;</c> or (target) <c>&lt;bos&gt;</c>.</exception>
    public static TranslationArrays Build(
        IReadOnlyList<string[]> source, IReadOnlyList<string[]> target,
        Vocabulary sourceVocabulary, Vocabulary targetVocabulary, int steps)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sourceVocabulary);
        ArgumentNullException.ThrowIfNull(targetVocabulary);
        Validate.Positive(steps, nameof(steps));
        if (source.Count != target.Count)
            throw new ArgumentException($"{target.Count} target sentences were given for {source.Count} source sentences; they must pair up.", nameof(target));
        if (targetVocabulary.BeginIndex < 0)
            throw new ArgumentException($"The target vocabulary of {targetVocabulary.Count} tokens lacks {Vocabulary.BeginToken}, which starts every decoder input.", nameof(targetVocabulary));

        var arrays = new TranslationArrays(source.Count, steps);
        var row = new int[steps + 1];
        for (int i = 0; i < source.Count; i++)
        {
            arrays.SourceValidLengths[i] = SequencePadding.PadOrTruncate(source[i], arrays.Source.AsSpan(i * steps, steps), sourceVocabulary);
            row[0] = targetVocabulary.BeginIndex;
            arrays.LabelValidLengths[i] = SequencePadding.PadOrTruncate(target[i], row.AsSpan(1), targetVocabulary);
            row.AsSpan(0, steps).CopyTo(arrays.DecoderInputs.AsSpan(i * steps, steps));
            row.AsSpan(1, steps).CopyTo(arrays.Labels.AsSpan(i * steps, steps));
        }
        return arrays;
    }
}
