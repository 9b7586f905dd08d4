using System.Text;

namespace Dsl.Runtime;

/// <summary>
/// Splits text into tokens the way Dive into Deep Learning does: characters for the language models of chapter 9,
/// space-separated words for translation in chapter 10 (after <see cref="Preprocess"/>).
/// </summary>
public static class Tokenizer
{
    /// <summary>
    /// D2L 9.2's clean-up of <i>The Time Machine</i>: every run of characters other than ASCII letters becomes one space,
    /// and letters are lower-cased, leaving an alphabet of 26 letters and the space.
    /// </summary>
    public static string LettersOnly(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        bool inGap = false;
        foreach (char c in text)
        {
            if (char.IsAsciiLetter(c)) { sb.Append(char.ToLowerInvariant(c)); inGap = false; }
            else if (!inGap) { sb.Append(' '); inGap = true; }
        }
        return sb.ToString();
    }

    /// <summary>
    /// D2L 10.5's <c>_preprocess</c> for translation pairs: non-breaking spaces (U+00A0, U+202F) become ordinary spaces,
    /// text is lower-cased, and a space is inserted before <c>, . ! ?</c> when none precedes them, so punctuation
    /// becomes a token of its own ("Go." → "go .").
    /// </summary>
    public static string Preprocess(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + text.Length / 8);
        char previous = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\u00A0' or '\u202F') c = ' ';
            c = char.ToLowerInvariant(c);
            // D2L inserts the space only after the first character (i > 0), as its list comprehension does.
            if (i > 0 && c is (',' or '.' or '!' or '?') && previous != ' ') sb.Append(' ');
            sb.Append(c);
            previous = c;
        }
        return sb.ToString();
    }

    /// <summary>
    /// One token per character (Unicode scalar value, so an emoji is one token, as in Python's <c>list(text)</c> that D2L 9.2
    /// uses); optionally lower-cased first. A lone surrogate becomes U+FFFD.
    /// </summary>
    public static string[] Characters(string text, bool lowercase = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
            tokens.Add((lowercase ? Rune.ToLowerInvariant(rune) : rune).ToString());
        return tokens.ToArray();
    }

    /// <summary>
    /// Words separated by any run of white space (no empty tokens), optionally lower-cased. Punctuation stays attached
    /// unless the text went through <see cref="Preprocess"/> first.
    /// </summary>
    public static string[] Words(string text, bool lowercase = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (lowercase) text = text.ToLowerInvariant();
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// D2L 10.5's <c>_tokenize</c>: each line <c>source&lt;TAB&gt;target</c> (already preprocessed) becomes two token lists,
    /// each split on spaces and ended with <paramref name="endToken"/>. Lines without exactly one tab are skipped, as in
    /// D2L. At most <paramref name="maxExamples"/> pairs are read when it is positive.
    /// </summary>
    public static (List<string[]> Source, List<string[]> Target) TranslationPairs(string text, int maxExamples = 0, string endToken = Vocabulary.EndToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var source = new List<string[]>();
        var target = new List<string[]>();
        foreach (string rawLine in text.Split('\n'))
        {
            if (maxExamples > 0 && source.Count >= maxExamples) break;
            string line = rawLine.TrimEnd('\r');
            string[] parts = line.Split('\t');
            if (parts.Length != 2) continue;
            source.Add(WithEnd(parts[0], endToken));
            target.Add(WithEnd(parts[1], endToken));
        }
        return (source, target);
    }

    private static string[] WithEnd(string sentence, string endToken)
    {
        string[] words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tokens = new string[words.Length + 1];
        words.CopyTo(tokens, 0);
        tokens[^1] = endToken;
        return tokens;
    }
}
