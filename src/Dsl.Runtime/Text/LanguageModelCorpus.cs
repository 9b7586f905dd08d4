namespace Dsl.Runtime;

/// <summary>
/// D2L 9.2's <c>build(raw_text)</c>: text to a token-index stream and its vocabulary, ready for
/// <see cref="LanguageModelBatches"/>.
/// </summary>
public static class LanguageModelCorpus
{
    /// <summary>
    /// Characters of <paramref name="text"/> (after <see cref="Tokenizer.LettersOnly"/> when <paramref name="lettersOnly"/>,
    /// as D2L does for <i>The Time Machine</i>) encoded with a vocabulary of <c>&lt;unk&gt;</c> plus the characters seen,
    /// no other reserved tokens: 28 tokens for English letters and the space, as in D2L.
    /// </summary>
    public static (int[] Corpus, Vocabulary Vocabulary) FromCharacters(string text, bool lettersOnly = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] tokens = Tokenizer.Characters(lettersOnly ? Tokenizer.LettersOnly(text) : text);
        var vocabulary = Vocabulary.Build(tokens, reserved: []);
        return (vocabulary.Encode(tokens), vocabulary);
    }

    /// <summary>
    /// Words of <paramref name="text"/> (split on white space, lower-cased), with tokens rarer than
    /// <paramref name="minFrequency"/> mapped to <c>&lt;unk&gt;</c> and no other reserved tokens.
    /// </summary>
    public static (int[] Corpus, Vocabulary Vocabulary) FromWords(string text, int minFrequency = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] tokens = Tokenizer.Words(text, lowercase: true);
        var vocabulary = Vocabulary.Build(tokens, minFrequency, reserved: []);
        return (vocabulary.Encode(tokens), vocabulary);
    }
}
