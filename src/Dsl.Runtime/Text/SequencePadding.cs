namespace Dsl.Runtime;

/// <summary>Fixed-length token rows, as D2L 10.5's <c>pad_or_trim</c>: longer sequences are cut, shorter ones padded.</summary>
public static class SequencePadding
{
    /// <summary>
    /// Copies the first <c>destination.Length</c> tokens of <paramref name="tokens"/> into <paramref name="destination"/>,
    /// fills the rest with <paramref name="padIndex"/>, and returns the valid length <c>min(tokens.Length, destination.Length)</c>:
    /// the number of positions a masked loss or attention should count.
    /// </summary>
    public static int PadOrTruncate(ReadOnlySpan<int> tokens, Span<int> destination, int padIndex)
    {
        int valid = Math.Min(tokens.Length, destination.Length);
        tokens[..valid].CopyTo(destination);
        destination[valid..].Fill(padIndex);
        return valid;
    }

    /// <summary>
    /// Encodes <paramref name="tokens"/> with <paramref name="vocabulary"/> straight into <paramref name="destination"/>,
    /// truncating or padding with <c>&lt;pad&gt;</c>, and returns the valid length.
    /// </summary>
    public static int PadOrTruncate(ReadOnlySpan<string> tokens, Span<int> destination, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.PadIndex < 0)
            throw new ArgumentException($"Padding needs a vocabulary holding {Vocabulary.PadToken}, but this one of {vocabulary.Count} tokens lacks it.", nameof(vocabulary));
        int valid = Math.Min(tokens.Length, destination.Length);
        vocabulary.Encode(tokens[..valid], destination[..valid]);
        destination[valid..].Fill(vocabulary.PadIndex);
        return valid;
    }
}
