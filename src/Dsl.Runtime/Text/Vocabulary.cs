namespace Dsl.Runtime;

/// <summary>
/// Maps tokens to indices and back, as D2L's <c>Vocab</c> (9.2): <c>&lt;unk&gt;</c> at index 0, then the reserved tokens
/// in the order given (by default <c>&lt;pad&gt;</c>, <c>&lt;bos&gt;</c>, <c>&lt;eos&gt;</c> at 1, 2, 3), then every
/// token seen at least <c>minFrequency</c> times, most frequent first, ties broken by ordinal string order so the
/// result depends only on the counts. Tokens rarer than that, and tokens never seen, encode as <c>&lt;unk&gt;</c>.
/// </summary>
/// <remarks>
/// Current D2L sorts <c>idx_to_token</c> alphabetically; the frequency order of its earlier editions is kept here
/// because it puts frequent tokens at small indices, which makes embeddings and logits easier to read.
/// </remarks>
public sealed partial class Vocabulary
{
    /// <summary>The unknown token, always index 0.</summary>
    public const string UnknownToken = "<unk>";
    /// <summary>The padding token.</summary>
    public const string PadToken = "<pad>";
    /// <summary>The begin-of-sequence token fed to a decoder first.</summary>
    public const string BeginToken = "<bos>";
    /// <summary>The end-of-sequence token.</summary>
    public const string EndToken = "<eos>";

    /// <summary>The reserved tokens used when none are given: pad, begin, end.</summary>
    public static IReadOnlyList<string> DefaultReserved { get; } = [PadToken, BeginToken, EndToken];

    private readonly string[] _tokens;
    private readonly long[] _frequencies;
    private readonly Dictionary<string, int> _indices;

    private Vocabulary(string[] tokens, long[] frequencies, int reservedCount)
    {
        _tokens = tokens;
        _frequencies = frequencies;
        ReservedCount = reservedCount;
        _indices = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (!_indices.TryAdd(tokens[i], i))
                throw new ArgumentException($"Token '{Escape(tokens[i])}' appears twice in the vocabulary (indices {_indices[tokens[i]]} and {i}).");
        if (tokens.Length == 0 || tokens[0] != UnknownToken)
            throw new ArgumentException($"Index 0 must be {UnknownToken} but was '{(tokens.Length == 0 ? "(nothing)" : Escape(tokens[0]))}'.");
        PadIndex = IndexOrMinusOne(PadToken);
        BeginIndex = IndexOrMinusOne(BeginToken);
        EndIndex = IndexOrMinusOne(EndToken);
    }

    /// <summary>Builds a vocabulary from token sequences (lines, sentences), counting every token of every sequence.</summary>
    /// <param name="sequences">The corpus.</param>
    /// <param name="minFrequency">Tokens seen fewer times than this map to <c>&lt;unk&gt;</c> (0 or 1 keeps all).</param>
    /// <param name="reserved">Tokens placed right after <c>&lt;unk&gt;</c> whatever their counts; <see cref="DefaultReserved"/> when null.</param>
    public static Vocabulary Build(IEnumerable<IEnumerable<string>> sequences, int minFrequency = 0, IReadOnlyList<string>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sequence in sequences)
            CountInto(sequence, counts);
        return FromCounts(counts, minFrequency, reserved ?? DefaultReserved);
    }

    /// <summary>Builds a vocabulary from one token stream (a whole book as characters, say); see <see cref="Build(IEnumerable{IEnumerable{string}}, int, IReadOnlyList{string}?)"/>.</summary>
    public static Vocabulary Build(IEnumerable<string> tokens, int minFrequency = 0, IReadOnlyList<string>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        CountInto(tokens, counts);
        return FromCounts(counts, minFrequency, reserved ?? DefaultReserved);
    }

    private static void CountInto(IEnumerable<string> tokens, Dictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        foreach (string token in tokens)
        {
            ArgumentNullException.ThrowIfNull(token, nameof(tokens));
            counts[token] = counts.GetValueOrDefault(token) + 1;
        }
    }

    private static Vocabulary FromCounts(Dictionary<string, long> counts, int minFrequency, IReadOnlyList<string> reserved)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minFrequency);
        var tokens = new List<string> { UnknownToken };
        var seen = new HashSet<string>(StringComparer.Ordinal) { UnknownToken };
        foreach (string token in reserved)
        {
            ArgumentNullException.ThrowIfNull(token, nameof(reserved));
            if (seen.Add(token)) tokens.Add(token);
        }
        int reservedCount = tokens.Count;

        var ordinary = counts.Where(pair => pair.Value >= minFrequency && !seen.Contains(pair.Key)).ToList();
        ordinary.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        foreach (var pair in ordinary) tokens.Add(pair.Key);

        var frequencies = new long[tokens.Count];
        for (int i = 0; i < tokens.Count; i++) frequencies[i] = counts.GetValueOrDefault(tokens[i]);
        return new Vocabulary(tokens.ToArray(), frequencies, reservedCount);
    }

    /// <summary>Number of tokens, reserved ones included: the size of a one-hot vector or of the output layer.</summary>
    public int Count => _tokens.Length;

    /// <summary>Tokens at indices below this are <c>&lt;unk&gt;</c> and the reserved tokens.</summary>
    public int ReservedCount { get; }

    /// <summary>Index of <c>&lt;unk&gt;</c>: always 0.</summary>
    public int UnknownIndex => 0;

    /// <summary>Index of <c>&lt;pad&gt;</c>, or −1 when the vocabulary lacks it.</summary>
    public int PadIndex { get; }

    /// <summary>Index of <c>&lt;bos&gt;</c>, or −1 when the vocabulary lacks it.</summary>
    public int BeginIndex { get; }

    /// <summary>Index of <c>&lt;eos&gt;</c>, or −1 when the vocabulary lacks it.</summary>
    public int EndIndex { get; }

    /// <summary>Tokens in index order.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The token at <paramref name="index"/>.</summary>
    public string this[int index] => (uint)index < (uint)_tokens.Length
        ? _tokens[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"Token indices run from 0 to {_tokens.Length - 1}.");

    /// <summary>The index of <paramref name="token"/>, or 0 (<c>&lt;unk&gt;</c>) when it is not in the vocabulary.</summary>
    public int this[string token] => IndexOf(token);

    /// <summary>The index of <paramref name="token"/>, or 0 (<c>&lt;unk&gt;</c>) when it is not in the vocabulary.</summary>
    public int IndexOf(string token) => _indices.TryGetValue(token, out int index) ? index : UnknownIndex;

    /// <summary>Whether <paramref name="token"/> has an index of its own.</summary>
    public bool Contains(string token) => _indices.ContainsKey(token);

    /// <summary>How often <paramref name="token"/> occurred in the corpus the vocabulary was built from (0 if never, or unknown).</summary>
    public long Frequency(string token) => _indices.TryGetValue(token, out int index) ? _frequencies[index] : 0;

    /// <summary>How often the token at <paramref name="index"/> occurred in the corpus.</summary>
    public long FrequencyAt(int index) => _frequencies[index];

    /// <summary>Writes the index of each token into <paramref name="destination"/> (same length).</summary>
    public void Encode(ReadOnlySpan<string> tokens, Span<int> destination)
    {
        Validate.SameLength(tokens.Length, destination.Length, nameof(tokens), nameof(destination));
        for (int i = 0; i < tokens.Length; i++) destination[i] = IndexOf(tokens[i]);
    }

    /// <summary>The indices of <paramref name="tokens"/>, in a new array.</summary>
    public int[] Encode(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var result = new List<int>(tokens.TryGetNonEnumeratedCount(out int n) ? n : 16);
        foreach (string token in tokens) result.Add(IndexOf(token));
        return result.ToArray();
    }

    /// <summary>The tokens at <paramref name="indices"/>.</summary>
    public string[] Decode(ReadOnlySpan<int> indices)
    {
        var tokens = new string[indices.Length];
        for (int i = 0; i < indices.Length; i++) tokens[i] = this[indices[i]];
        return tokens;
    }

    /// <summary>
    /// The tokens at <paramref name="indices"/> joined by <paramref name="separator"/> ("" for characters, " " for words),
    /// stopping before the first <c>&lt;eos&gt;</c> and skipping <c>&lt;pad&gt;</c> and <c>&lt;bos&gt;</c> when <paramref name="clean"/>.
    /// </summary>
    public string DecodeToString(ReadOnlySpan<int> indices, string separator = "", bool clean = true)
    {
        var parts = new List<string>(indices.Length);
        foreach (int index in indices)
        {
            if (clean && index == EndIndex) break;
            if (clean && (index == PadIndex || index == BeginIndex)) continue;
            parts.Add(this[index]);
        }
        return string.Join(separator, parts);
    }

    private int IndexOrMinusOne(string token) => _indices.TryGetValue(token, out int index) ? index : -1;
}
