using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class TokenStatisticsTests
{
    [Fact]
    public void Unigrams_and_bigrams_are_counted_and_sorted_by_count_then_ordinal()
    {
        string[] tokens = ["the", "cat", "the", "cat", "the", "dog"];
        var unigrams = TokenStatistics.Frequencies(tokens);
        Assert.Equal(["the", "cat", "dog"], unigrams.Select(u => u.Tokens[0]));
        Assert.Equal([3L, 2, 1], unigrams.Select(u => u.Count));

        var bigrams = TokenStatistics.Frequencies(tokens, 2);
        Assert.Equal(["cat the", "the cat", "the dog"], bigrams.Select(b => string.Join(' ', b.Tokens)));
        Assert.Equal([2L, 2, 1], bigrams.Select(b => b.Count));
        Assert.Equal(tokens.Length - 1, bigrams.Sum(b => b.Count));
    }

    [Fact]
    public void Character_ngrams_containing_spaces_stay_distinct()
    {
        string[] chars = Tokenizer.Characters("a b ab");
        var bigrams = TokenStatistics.Frequencies(chars, 2);
        Assert.Contains(bigrams, b => b.Tokens.SequenceEqual(["a", " "]) && b.Count == 1);
        Assert.Contains(bigrams, b => b.Tokens.SequenceEqual([" ", "a"]) && b.Count == 1);
        Assert.Contains(bigrams, b => b.Tokens.SequenceEqual(["a", "b"]) && b.Count == 1);
        Assert.Empty(TokenStatistics.Frequencies(chars, 7));
    }
}
