namespace Dsl.Runtime;

/// <summary>
/// Frequencies of tokens and of n-grams (D2L 9.2's unigram, bigram and trigram tables, whose log-log plots show
/// Zipf's law), sorted most frequent first, ties by ordinal order of the tokens.
/// </summary>
public static class TokenStatistics
{
    /// <summary>Every distinct run of <paramref name="n"/> consecutive tokens with its count.</summary>
    public static List<(string[] Tokens, long Count)> Frequencies(IReadOnlyList<string> tokens, int n = 1)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Validate.Positive(n, nameof(n));
        // Keyed by the tokens joined with a character that cannot be confused with their text.
        const char separator = '\u0001';
        var counts = new Dictionary<string, (int First, long Count)>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            string key = n == 1 ? tokens[i] : string.Join(separator, Enumerable.Range(i, n).Select(j => tokens[j]));
            counts[key] = counts.TryGetValue(key, out var entry) ? (entry.First, entry.Count + 1) : (i, 1);
        }
        var sorted = counts.ToList();
        sorted.Sort((a, b) => a.Value.Count != b.Value.Count ? b.Value.Count.CompareTo(a.Value.Count) : string.CompareOrdinal(a.Key, b.Key));
        var result = new List<(string[], long)>(sorted.Count);
        foreach (var pair in sorted)
        {
            var gram = new string[n];
            for (int j = 0; j < n; j++) gram[j] = tokens[pair.Value.First + j];
            result.Add((gram, pair.Value.Count));
        }
        return result;
    }
}
