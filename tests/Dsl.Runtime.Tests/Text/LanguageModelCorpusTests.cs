using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class LanguageModelCorpusTests
{
    [Fact]
    public void Characters_give_unk_plus_letters_and_space_as_in_d2l()
    {
        var (corpus, vocab) = LanguageModelCorpus.FromCharacters("The quick brown fox jumps over the lazy dog! 42.");
        Assert.Equal(28, vocab.Count);   // <unk>, 26 letters, space
        Assert.Equal(1, vocab.ReservedCount);
        Assert.Equal(" ", vocab[1]);     // the most frequent character
        Assert.Equal("the quick brown fox jumps over the lazy dog ", vocab.DecodeToString(corpus));
        Assert.DoesNotContain(0, corpus);
    }

    [Fact]
    public void Words_map_rare_ones_to_unk()
    {
        var (corpus, vocab) = LanguageModelCorpus.FromWords("the cat and the dog and THE bird", minFrequency: 2);
        Assert.Equal(["<unk>", "the", "and"], vocab.Tokens);
        Assert.Equal([1, 0, 2, 1, 0, 2, 1, 0], corpus);
    }

    [Fact]
    public void The_synthetic_source_text_is_a_usable_character_corpus()
    {
        var (train, _) = SyntheticTranslation.Generate(500, seed: 4, heldOutFraction: 0);
        string text = SyntheticTranslation.SourceText(train);
        Assert.Equal(500, text.Count(c => c == '\n'));
        var (corpus, vocab) = LanguageModelCorpus.FromCharacters(text);
        Assert.True(corpus.Length > 10_000);
        Assert.InRange(vocab.Count, 20, 28);
        var batches = new LanguageModelBatches(corpus, 32, 35, Partitioning.Sequential, seed: 1);
        Assert.True(batches.MoveNext(new int[32 * 35], new int[32 * 35]));
    }
}
