using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class TokenizerTests
{
    [Fact]
    public void Letters_only_collapses_non_letters_to_one_space_and_lowercases()
    {
        Assert.Equal("the time machine by h g wells ", Tokenizer.LettersOnly("The Time Machine, by H. G. Wells\r\n\r\n"));
        Assert.Equal(" i m here", Tokenizer.LettersOnly("  I'm 42 here"));
    }

    [Fact]
    public void Preprocess_separates_punctuation_lowercases_and_normalises_non_breaking_spaces()
    {
        // D2L 10.5's first lines of fra.txt after _preprocess.
        Assert.Equal("go .\tva !", Tokenizer.Preprocess("Go.\tVa !"));
        Assert.Equal("hi .\tsalut .", Tokenizer.Preprocess("Hi.\tSalut."));
        Assert.Equal("run !\tcours !", Tokenizer.Preprocess("Run!\tCours\u202f!"));
        Assert.Equal("who ?\tqui ?", Tokenizer.Preprocess("Who?\tQui\u00a0?"));
        Assert.Equal("well , yes .", Tokenizer.Preprocess("Well, yes."));
    }

    [Fact]
    public void Preprocess_spaces_every_punctuation_mark_but_one_at_the_very_start()
    {
        // D2L compares with the previous character, so an ellipsis becomes three tokens.
        Assert.Equal(". . .", Tokenizer.Preprocess("..."));
        Assert.Equal("? a", Tokenizer.Preprocess("? A"));
    }

    [Fact]
    public void Characters_are_one_token_each_including_spaces()
    {
        Assert.Equal(["a", "B", " ", "c"], Tokenizer.Characters("aB c"));
        Assert.Equal(["a", "b", " ", "c"], Tokenizer.Characters("aB c", lowercase: true));
        Assert.Equal(["é", "😀", "x"], Tokenizer.Characters("é😀x"));
        Assert.Empty(Tokenizer.Characters(""));
    }

    [Fact]
    public void Words_split_on_any_whitespace_run_without_empty_tokens()
    {
        Assert.Equal(["The", "time", "machine,"], Tokenizer.Words("  The time\t\nmachine, "));
        Assert.Equal(["the", "time"], Tokenizer.Words("The TIME", lowercase: true));
        Assert.Empty(Tokenizer.Words("   "));
    }

    [Fact]
    public void Translation_pairs_split_on_tab_append_eos_and_skip_malformed_lines()
    {
        string text = "go .\tva !\nno tab here\nhi .\tsalut .\r\na\tb\tc\n\n";
        var (source, target) = Tokenizer.TranslationPairs(text);
        Assert.Equal(2, source.Count);
        Assert.Equal(["go", ".", "<eos>"], source[0]);
        Assert.Equal(["va", "!", "<eos>"], target[0]);
        Assert.Equal(["hi", ".", "<eos>"], source[1]);
        Assert.Equal(["salut", ".", "<eos>"], target[1]);
    }

    [Fact]
    public void Translation_pairs_stop_at_max_examples()
    {
        var (source, target) = Tokenizer.TranslationPairs("a\tb\nc\td\ne\tf\n", maxExamples: 2);
        Assert.Equal(2, source.Count);
        Assert.Equal(2, target.Count);
        Assert.Equal(["c", "<eos>"], source[1]);
    }
}
