using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class VocabularyTests
{
    private static readonly string[][] Corpus =
    [
        ["the", "cat", "sat"],
        ["the", "dog", "sat", "down"],
        ["a", "cat", "the", "end"],
    ];

    [Fact]
    public void Unknown_then_reserved_then_tokens_by_descending_frequency_then_ordinal()
    {
        var vocab = Vocabulary.Build(Corpus);
        // the ×3; cat, sat ×2; a, dog, down, end ×1 in ordinal order.
        Assert.Equal(["<unk>", "<pad>", "<bos>", "<eos>", "the", "cat", "sat", "a", "dog", "down", "end"], vocab.Tokens);
        Assert.Equal(11, vocab.Count);
        Assert.Equal(4, vocab.ReservedCount);
        Assert.Equal((0, 1, 2, 3), (vocab.UnknownIndex, vocab.PadIndex, vocab.BeginIndex, vocab.EndIndex));
        Assert.Equal(3, vocab.Frequency("the"));
        Assert.Equal(2, vocab.FrequencyAt(vocab["cat"]));
        Assert.Equal(0, vocab.Frequency("<pad>"));
        Assert.Equal(0, vocab.Frequency("zebra"));
    }

    [Fact]
    public void Tokens_below_min_frequency_map_to_unk()
    {
        var vocab = Vocabulary.Build(Corpus, minFrequency: 2);
        Assert.Equal(["<unk>", "<pad>", "<bos>", "<eos>", "the", "cat", "sat"], vocab.Tokens);
        Assert.False(vocab.Contains("dog"));
        Assert.Equal(0, vocab["dog"]);
        Assert.Equal(0, vocab.IndexOf("never seen"));
        Assert.Equal([4, 0, 6, 0], vocab.Encode(["the", "dog", "sat", "down"]));
    }

    [Fact]
    public void Reserved_tokens_seen_in_the_corpus_are_not_listed_twice_and_keep_their_counts()
    {
        var vocab = Vocabulary.Build([new[] { "go", ".", "<eos>" }, new[] { "hi", ".", "<eos>" }]);
        Assert.Equal(["<unk>", "<pad>", "<bos>", "<eos>", ".", "go", "hi"], vocab.Tokens);
        Assert.Equal(2, vocab.Frequency("<eos>"));
    }

    [Fact]
    public void Custom_reserved_tokens_come_in_the_order_given_and_missing_ones_are_minus_one()
    {
        var vocab = Vocabulary.Build(["b", "a", "b"], reserved: ["<sep>"]);
        Assert.Equal(["<unk>", "<sep>", "b", "a"], vocab.Tokens);
        Assert.Equal((-1, -1, -1), (vocab.PadIndex, vocab.BeginIndex, vocab.EndIndex));
    }

    [Fact]
    public void Build_is_independent_of_the_order_counts_arrive_in()
    {
        var forward = Vocabulary.Build(Corpus.SelectMany(s => s));
        var backward = Vocabulary.Build(Corpus.SelectMany(s => s).Reverse());
        Assert.Equal(forward.Tokens, backward.Tokens);
    }

    [Fact]
    public void Encode_then_decode_roundtrips_known_tokens()
    {
        var vocab = Vocabulary.Build(Tokenizer.Characters("hello world"));
        string[] tokens = Tokenizer.Characters("world hello");
        var indices = new int[tokens.Length];
        vocab.Encode(tokens, indices);
        Assert.Equal(tokens, vocab.Decode(indices));
        Assert.Equal("world hello", vocab.DecodeToString(indices));
        Assert.All(indices, i => Assert.True(i >= vocab.ReservedCount));
    }

    [Fact]
    public void Decode_to_string_stops_at_eos_and_skips_pad_and_bos()
    {
        var vocab = Vocabulary.Build(Corpus);
        int[] indices = [vocab.BeginIndex, vocab["the"], vocab["cat"], vocab.EndIndex, vocab["sat"], vocab.PadIndex];
        Assert.Equal("the cat", vocab.DecodeToString(indices, " "));
        Assert.Equal("<bos> the cat <eos> sat <pad>", vocab.DecodeToString(indices, " ", clean: false));
    }

    [Fact]
    public void Encode_into_a_span_checks_its_length()
    {
        var vocab = Vocabulary.Build(Corpus);
        var e = Assert.Throws<ArgumentException>(() => vocab.Encode(["the", "cat"], new int[3]));
        Assert.Contains("3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => vocab[vocab.Count]);
    }

    [Fact]
    public void Save_then_load_gives_the_same_tokens_indices_and_frequencies_even_for_awkward_characters()
    {
        using var dir = new TempDirectory();
        string path = dir.File("vocab.txt");
        var vocab = Vocabulary.Build(Tokenizer.Characters("a\tb\nc\\d \r é😀 a"), reserved: ["<pad>", "<bos>", "<eos>", "<sep>"]);
        vocab.Save(path);
        var loaded = Vocabulary.Load(path);
        Assert.Equal(vocab.Tokens, loaded.Tokens);
        Assert.Equal(vocab.ReservedCount, loaded.ReservedCount);
        for (int i = 0; i < vocab.Count; i++) Assert.Equal(vocab.FrequencyAt(i), loaded.FrequencyAt(i));
        Assert.Equal((vocab.PadIndex, vocab.BeginIndex, vocab.EndIndex), (loaded.PadIndex, loaded.BeginIndex, loaded.EndIndex));
        Assert.Single(Directory.GetFiles(dir.Path));   // the temporary file was renamed, not left behind
    }

    [Fact]
    public void Save_overwrites_an_existing_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("vocab.txt");
        Vocabulary.Build(["x"]).Save(path);
        Vocabulary.Build(["y", "z"]).Save(path);
        Assert.Equal(["<unk>", "<pad>", "<bos>", "<eos>", "y", "z"], Vocabulary.Load(path).Tokens);
    }

    [Fact]
    public void Load_names_the_bad_line()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.txt");
        File.WriteAllText(path, "# dsl-vocabulary 1\nreserved\t1\n<unk>\t0\ncat\tmany\n");
        var e = Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path));
        Assert.Contains("line 4", e.Message);
        File.WriteAllText(path, "something else\n");
        Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path));
    }
}
