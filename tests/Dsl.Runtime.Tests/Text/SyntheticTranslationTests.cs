using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class SyntheticTranslationTests
{
    private static readonly (List<TranslationPair> Train, List<TranslationPair> HeldOut) Data = SyntheticTranslation.Generate(3000, seed: 1);
    private static IEnumerable<TranslationPair> All => Data.Train.Concat(Data.HeldOut);

    [Fact]
    public void Pairs_are_deterministic_for_a_seed_and_differ_between_seeds()
    {
        var again = SyntheticTranslation.Generate(3000, seed: 1);
        Assert.Equal(SyntheticTranslation.ToTabSeparated(Data.Train), SyntheticTranslation.ToTabSeparated(again.Train));
        Assert.Equal(SyntheticTranslation.ToTabSeparated(Data.HeldOut), SyntheticTranslation.ToTabSeparated(again.HeldOut));
        var other = SyntheticTranslation.Generate(3000, seed: 2);
        Assert.NotEqual(SyntheticTranslation.ToTabSeparated(Data.Train), SyntheticTranslation.ToTabSeparated(other.Train));
    }

    [Fact]
    public void Sentences_are_distinct_and_the_split_shares_none()
    {
        Assert.Equal(2700, Data.Train.Count);
        Assert.Equal(300, Data.HeldOut.Count);
        var train = Data.Train.Select(p => string.Join(' ', p.Source)).ToHashSet();
        Assert.Equal(2700, train.Count);
        Assert.DoesNotContain(Data.HeldOut, p => train.Contains(string.Join(' ', p.Source)));
    }

    [Fact]
    public void The_languages_have_their_own_vocabularies_of_the_documented_sizes()
    {
        var source = All.SelectMany(p => p.Source).ToHashSet();
        var target = All.SelectMany(p => p.Target).ToHashSet();
        // Source: 8 nouns × 2 numbers + 6 adjectives + 3 numerals + the, a + 6 verbs × 3 forms + 3 adverbs + "." = 49.
        // Target: 8 nouns × 2 numbers × 2 cases + 6 adjectives × 2 + 3 numerals + le + 6 verbs × 4 forms + 3 adverbs + "." = 76.
        Assert.Equal(49, source.Count);
        Assert.Equal(76, target.Count);
        Assert.Equal(["."], source.Intersect(target));
    }

    [Fact]
    public void No_pair_is_a_copy_and_no_position_wise_substitution_explains_the_targets()
    {
        Assert.DoesNotContain(All, p => p.Source.SequenceEqual(p.Target));
        // If target[i] were a fixed function of source[i], each (i, source word) would always meet the same target word.
        var seen = new Dictionary<(int, string), HashSet<string>>();
        foreach (var p in All)
            for (int i = 0; i < Math.Min(p.Source.Length, p.Target.Length); i++)
            {
                if (!seen.TryGetValue((i, p.Source[i]), out var set)) seen[(i, p.Source[i])] = set = [];
                set.Add(p.Target[i]);
            }
        Assert.True(seen.Values.Count(s => s.Count > 1) > seen.Count / 2);
    }

    [Fact]
    public void Word_order_differs_verb_last_and_adjectives_after_the_noun()
    {
        var stemOf = new Dictionary<string, string>();
        var classOf = new Dictionary<string, string>();
        foreach (var entry in SyntheticTranslation.Glossary)
            foreach (string form in entry.SourceForms) { stemOf[form] = entry.TargetStem; classOf[entry.TargetStem] = entry.WordClass; }
        var stems = SyntheticTranslation.Glossary.Select(e => e.TargetStem).OrderByDescending(s => s.Length).ToArray();
        string? TargetStem(string word) => stems.FirstOrDefault(word.StartsWith);

        int adjectivePhrases = 0;
        foreach (var p in All)
        {
            // The same content words, in a different order.
            var sourceGloss = p.Source.Where(stemOf.ContainsKey).Select(w => stemOf[w]).ToList();
            var targetGloss = p.Target.Select(TargetStem).OfType<string>().ToList();
            Assert.Equal(sourceGloss.Order(), targetGloss.Order());
            Assert.NotEqual(sourceGloss, targetGloss);

            // SVO → SOV: the verb ends the target sentence but is followed by the object in the source.
            Assert.Equal("verb", classOf[TargetStem(p.Target[^2])!]);
            int sourceVerb = Array.FindIndex(p.Source, w => stemOf.TryGetValue(w, out var s) && classOf[s] == "verb");
            Assert.True(sourceVerb <= p.Source.Length - 3);   // at least the object noun and "." follow

            // Adjectives precede their noun in the source and follow it in the target.
            for (int i = 1; i < p.Target.Length; i++)
                if (TargetStem(p.Target[i]) is { } s && classOf[s] == "adjective")
                {
                    string? before = TargetStem(p.Target[i - 1]);
                    Assert.Contains(classOf[before!], new[] { "noun", "adjective" });
                    adjectivePhrases++;
                }
        }
        Assert.True(adjectivePhrases > 1000);
    }

    [Fact]
    public void Verbs_agree_with_the_subjects_number_even_in_the_past_tense()
    {
        var plurals = SyntheticTranslation.Glossary.Where(e => e.WordClass == "noun").Select(e => e.SourceForms[1]).ToHashSet();
        var pasts = SyntheticTranslation.Glossary.Where(e => e.WordClass == "verb").Select(e => e.SourceForms[2]).ToHashSet();
        int pastPlural = 0;
        foreach (var p in All)
        {
            int verb = Array.FindIndex(p.Source, w => SyntheticTranslation.Glossary.Any(e => e.WordClass == "verb" && e.SourceForms.Contains(w)));
            bool pluralSubject = p.Source.Take(verb).Any(plurals.Contains);
            bool past = pasts.Contains(p.Source[verb]);
            string suffix = (past, pluralSubject) switch { (true, true) => "int", (true, false) => "is", (false, true) => "ant", _ => "as" };
            Assert.EndsWith(suffix, p.Target[^2]);
            if (past && pluralSubject) pastPlural++;
        }
        Assert.True(pastPlural > 300);
    }

    [Fact]
    public void Sentences_shaped_like_the_documented_example_translate_by_its_rules()
    {
        // "the two big dogs saw a red cat today ." → "hodi voken gori du le miruo rasa vidint ."
        string Stem(string source) => SyntheticTranslation.Glossary.Single(e => e.SourceForms.Contains(source)).TargetStem;
        var shaped = All.Where(p => p.Source.Length == 10 && p.Source[0] == "the" && p.Source[1] is "two" or "three" or "four"
                                    && p.Source[5] == "a" && p.Source[8] is "today" or "often" or "again").ToList();
        Assert.NotEmpty(shaped);
        foreach (var p in shaped)
        {
            string[] s = p.Source;
            bool past = SyntheticTranslation.Glossary.Any(e => e.WordClass == "verb" && e.SourceForms[2] == s[4]);
            string[] expected =
            [
                Stem(s[8]), Stem(s[3]) + "en", Stem(s[2]) + "i", Stem(s[1]), "le",
                Stem(s[7]) + "o", Stem(s[6]) + "a", Stem(s[4]) + (past ? "int" : "ant"), ".",
            ];
            Assert.Equal(expected, p.Target);
        }
    }

    [Fact]
    public void Exported_text_reads_back_through_d2l_preprocessing_to_the_same_tokens()
    {
        string text = SyntheticTranslation.ToTabSeparated(Data.HeldOut);
        Assert.StartsWith(char.ToUpperInvariant(Data.HeldOut[0].Source[0][0]).ToString(), text);
        Assert.DoesNotContain(" .", text);
        var (source, target) = Tokenizer.TranslationPairs(Tokenizer.Preprocess(text));
        var expected = SyntheticTranslation.Tokens(Data.HeldOut);
        Assert.Equal(expected.Source, source);
        Assert.Equal(expected.Target, target);
        Assert.All(source, s => Assert.Equal("<eos>", s[^1]));
    }
}
