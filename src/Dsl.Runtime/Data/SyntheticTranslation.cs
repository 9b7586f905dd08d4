using System.Text;

namespace Dsl.Runtime;

/// <summary>One sentence and its translation, as tokens (no <c>&lt;eos&gt;</c>).</summary>
public sealed record TranslationPair(string[] Source, string[] Target)
{
    /// <summary>The pair as a line of D2L's <c>fra.txt</c> style: capitalised, the final "." attached, a tab between.</summary>
    public string ToLine() => SyntheticTranslation.Render(Source) + "\t" + SyntheticTranslation.Render(Target);
}

/// <summary>A word of the synthetic languages: its class, its English forms and the stem the target language inflects.</summary>
public sealed record GlossaryEntry(string WordClass, string[] SourceForms, string TargetStem);

/// <summary>
/// A translation task the program makes up itself, so chapter 10 runs without downloads, yet hard enough that a model
/// must learn both a vocabulary and a reordering (it is not a copy task).
/// </summary>
/// <remarks>
/// <para>Source: English-like SVO sentences, <c>[Det|Num] Adj* Noun Verb [Det|Num] Adj* Noun [Adverb] .</c>, with
/// English number agreement (<c>the dog sees</c>, <c>two dogs see</c>) and tense (<c>saw</c>).</para>
/// <para>Target: an invented language with its own words and these rules, each of which a model must learn:</para>
/// <list type="bullet">
/// <item>word order adverb–subject–object–verb (SOV, the adverb moved to the front);</item>
/// <item>in a noun phrase the noun comes first, then its adjectives in mirror order, then the numeral, then the
/// definite particle <c>le</c> for "the" ("a" has no translation);</item>
/// <item>nouns take <c>-en</c> in the plural and <c>-o</c> as objects (<c>vok, voken, voko, vokeno</c>);
/// adjectives agree in number (<c>-a</c> singular, <c>-i</c> plural);</item>
/// <item>the verb agrees with the subject's number in both tenses (<c>-as/-ant</c> present, <c>-is/-int</c> past),
/// although English marks number only in the present.</item>
/// </list>
/// <para>Example: <c>the two big dogs saw a red cat today .</c> → <c>hodi voken gori du le miruo rasa vidint .</c></para>
/// <para>Pairs are distinct, deterministic for a seed, and split into training and held-out sets with no sentence in both.</para>
/// </remarks>
public static class SyntheticTranslation
{
    private static readonly (string Singular, string Plural, string Stem)[] Nouns =
    [
        ("dog", "dogs", "vok"), ("cat", "cats", "miru"), ("bird", "birds", "tsila"), ("child", "children", "naro"),
        ("teacher", "teachers", "selen"), ("farmer", "farmers", "agor"), ("horse", "horses", "kaval"), ("fox", "foxes", "ruda"),
    ];

    private static readonly (string Word, string Stem)[] Adjectives =
        [("big", "gor"), ("small", "lit"), ("red", "ras"), ("old", "sen"), ("young", "jun"), ("happy", "fel")];

    private static readonly (string Word, string Target)[] Numerals = [("two", "du"), ("three", "tri"), ("four", "kvar")];

    private static readonly (string Present3rd, string Present, string Past, string Stem)[] Verbs =
    [
        ("sees", "see", "saw", "vid"), ("chases", "chase", "chased", "kur"), ("likes", "like", "liked", "am"),
        ("follows", "follow", "followed", "sekv"), ("feeds", "feed", "fed", "nutr"), ("finds", "find", "found", "trov"),
    ];

    private static readonly (string Word, string Target)[] Adverbs = [("today", "hodi"), ("often", "ofte"), ("again", "ree")];

    private const string DefiniteParticle = "le";
    private const string FullStop = ".";

    /// <summary>Every content word with its class ("noun", "adjective", "numeral", "verb", "adverb"), English forms and target stem.</summary>
    public static IReadOnlyList<GlossaryEntry> Glossary { get; } = BuildGlossary();

    /// <summary>
    /// Generates <paramref name="count"/> distinct pairs from <paramref name="seed"/>, the last
    /// <c>round(count · heldOutFraction)</c> of them held out.
    /// </summary>
    public static (List<TranslationPair> Train, List<TranslationPair> HeldOut) Generate(int count, ulong seed = 0, double heldOutFraction = 0.1)
    {
        Validate.Positive(count, nameof(count));
        if (!(heldOutFraction >= 0 && heldOutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "Expected a fraction in [0, 1).");
        var rng = new Rng(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new List<TranslationPair>(count);
        // Millions of sentences are possible; the cap only stops a request beyond that from looping forever.
        for (long attempts = 0; pairs.Count < count; attempts++)
        {
            if (attempts > 100L * count + 10_000)
                throw new InvalidOperationException($"Found only {pairs.Count} distinct sentences of the {count} requested.");
            var pair = RandomPair(ref rng);
            if (seen.Add(string.Join(' ', pair.Source))) pairs.Add(pair);
        }
        int heldOut = (int)Math.Round(count * heldOutFraction);
        return (pairs.GetRange(0, count - heldOut), pairs.GetRange(count - heldOut, heldOut));
    }

    /// <summary>
    /// The pairs as lists of tokens each ended with <c>&lt;eos&gt;</c> when <paramref name="appendEnd"/>: what
    /// <see cref="Tokenizer.TranslationPairs"/> returns for the same pairs' text.
    /// </summary>
    public static (List<string[]> Source, List<string[]> Target) Tokens(IEnumerable<TranslationPair> pairs, bool appendEnd = true)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var source = new List<string[]>();
        var target = new List<string[]>();
        foreach (var pair in pairs)
        {
            source.Add(appendEnd ? [.. pair.Source, Vocabulary.EndToken] : pair.Source);
            target.Add(appendEnd ? [.. pair.Target, Vocabulary.EndToken] : pair.Target);
        }
        return (source, target);
    }

    /// <summary>
    /// The source sentences alone as running text, one per line (a small English-like corpus for the character
    /// language models of chapter 9 when no book is at hand).
    /// </summary>
    public static string SourceText(IEnumerable<TranslationPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sb = new StringBuilder();
        foreach (var pair in pairs) sb.Append(Render(pair.Source)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The pairs as D2L-style raw text, one <c>source&lt;TAB&gt;target</c> line each; see <see cref="TranslationPair.ToLine"/>.</summary>
    public static string ToTabSeparated(IEnumerable<TranslationPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sb = new StringBuilder();
        foreach (var pair in pairs) sb.Append(pair.ToLine()).Append('\n');
        return sb.ToString();
    }

    /// <summary>Tokens as a raw sentence: first letter capitalised, punctuation attached to the word before, as in <c>fra.txt</c>.</summary>
    public static string Render(string[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sb = new StringBuilder();
        foreach (string token in tokens)
        {
            if (sb.Length > 0 && token is not ("." or "," or "!" or "?")) sb.Append(' ');
            sb.Append(token);
        }
        if (sb.Length > 0) sb[0] = char.ToUpperInvariant(sb[0]);
        return sb.ToString();
    }

    private readonly record struct NounPhrase(int Noun, bool Plural, bool Definite, int Numeral, int[] Adjectives);

    private static TranslationPair RandomPair(ref Rng rng)
    {
        var subject = RandomNounPhrase(ref rng);
        var obj = RandomNounPhrase(ref rng);
        int verb = rng.NextInt(Verbs.Length);
        bool past = rng.NextInt(2) == 0;
        int adverb = rng.NextInt(3) == 0 ? rng.NextInt(Adverbs.Length) : -1;

        var source = new List<string>(14);
        AddSource(subject, source);
        var v = Verbs[verb];
        source.Add(past ? v.Past : subject.Plural ? v.Present : v.Present3rd);
        AddSource(obj, source);
        if (adverb >= 0) source.Add(Adverbs[adverb].Word);
        source.Add(FullStop);

        var target = new List<string>(14);
        if (adverb >= 0) target.Add(Adverbs[adverb].Target);
        AddTarget(subject, isObject: false, target);
        AddTarget(obj, isObject: true, target);
        target.Add(v.Stem + (past ? (subject.Plural ? "int" : "is") : (subject.Plural ? "ant" : "as")));
        target.Add(FullStop);
        return new TranslationPair(source.ToArray(), target.ToArray());
    }

    private static NounPhrase RandomNounPhrase(ref Rng rng)
    {
        int noun = rng.NextInt(Nouns.Length);
        bool plural = rng.NextInt(2) == 0;
        bool definite;
        int numeral = -1;
        if (!plural) definite = rng.NextInt(2) == 0;
        else
        {
            definite = rng.NextInt(2) == 0;
            if (rng.NextInt(2) == 0) numeral = rng.NextInt(Numerals.Length);
        }
        int draw = rng.NextInt(20);
        int adjectiveCount = draw < 10 ? 0 : draw < 17 ? 1 : 2;
        var adjectives = new int[adjectiveCount];
        for (int i = 0; i < adjectiveCount; i++)
        {
            int a;
            do a = rng.NextInt(Adjectives.Length); while (Array.IndexOf(adjectives, a, 0, i) >= 0);
            adjectives[i] = a;
        }
        return new NounPhrase(noun, plural, definite, numeral, adjectives);
    }

    private static void AddSource(NounPhrase np, List<string> tokens)
    {
        if (np.Definite) tokens.Add("the");
        else if (!np.Plural) tokens.Add("a");
        if (np.Numeral >= 0) tokens.Add(Numerals[np.Numeral].Word);
        foreach (int a in np.Adjectives) tokens.Add(Adjectives[a].Word);
        tokens.Add(np.Plural ? Nouns[np.Noun].Plural : Nouns[np.Noun].Singular);
    }

    private static void AddTarget(NounPhrase np, bool isObject, List<string> tokens)
    {
        tokens.Add(Nouns[np.Noun].Stem + (np.Plural ? "en" : "") + (isObject ? "o" : ""));
        for (int i = np.Adjectives.Length - 1; i >= 0; i--)
            tokens.Add(Adjectives[np.Adjectives[i]].Stem + (np.Plural ? "i" : "a"));
        if (np.Numeral >= 0) tokens.Add(Numerals[np.Numeral].Target);
        if (np.Definite) tokens.Add(DefiniteParticle);
    }

    private static List<GlossaryEntry> BuildGlossary()
    {
        var entries = new List<GlossaryEntry>();
        foreach (var n in Nouns) entries.Add(new GlossaryEntry("noun", [n.Singular, n.Plural], n.Stem));
        foreach (var a in Adjectives) entries.Add(new GlossaryEntry("adjective", [a.Word], a.Stem));
        foreach (var n in Numerals) entries.Add(new GlossaryEntry("numeral", [n.Word], n.Target));
        foreach (var v in Verbs) entries.Add(new GlossaryEntry("verb", [v.Present3rd, v.Present, v.Past], v.Stem));
        foreach (var a in Adverbs) entries.Add(new GlossaryEntry("adverb", [a.Word], a.Target));
        return entries;
    }
}
