using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class SequencePaddingTests
{
    [Fact]
    public void Short_sequences_are_padded_and_long_ones_cut()
    {
        var row = new int[5];
        Assert.Equal(3, SequencePadding.PadOrTruncate([7, 8, 9], row, padIndex: 1));
        Assert.Equal([7, 8, 9, 1, 1], row);
        Assert.Equal(5, SequencePadding.PadOrTruncate([1, 2, 3, 4, 5, 6, 7], row, padIndex: 1));
        Assert.Equal([1, 2, 3, 4, 5], row);
        Assert.Equal(0, SequencePadding.PadOrTruncate([], row, padIndex: 1));
        Assert.Equal([1, 1, 1, 1, 1], row);
    }

    [Fact]
    public void Tokens_are_encoded_while_padding()
    {
        var vocab = Vocabulary.Build(["go", "."]);
        var row = new int[4];
        Assert.Equal(3, SequencePadding.PadOrTruncate(["go", ".", "<eos>"], row, vocab));
        Assert.Equal([vocab["go"], vocab["."], vocab.EndIndex, vocab.PadIndex], row);
        var noPad = Vocabulary.Build(["go"], reserved: []);
        Assert.Throws<ArgumentException>(() => SequencePadding.PadOrTruncate(["go"], row, noPad));
    }

    [Fact]
    public void Translation_arrays_follow_d2l_build_arrays()
    {
        var (source, target) = Tokenizer.TranslationPairs("go .\tva !\ni lost .\tj'ai perdu .\n");
        var src = Vocabulary.Build(source);
        var tgt = Vocabulary.Build(target);
        var arrays = TranslationArrays.Build(source, target, src, tgt, steps: 4);
        Assert.Equal(2, arrays.Count);
        int[] Src(params string[] t) => t.Select(src.IndexOf).ToArray();
        int[] Tgt(params string[] t) => t.Select(tgt.IndexOf).ToArray();
        Assert.Equal([.. Src("go", ".", "<eos>", "<pad>"), .. Src("i", "lost", ".", "<eos>")], arrays.Source);
        Assert.Equal([3, 4], arrays.SourceValidLengths);
        Assert.Equal([.. Tgt("<bos>", "va", "!", "<eos>"), .. Tgt("<bos>", "j'ai", "perdu", ".")], arrays.DecoderInputs);
        Assert.Equal([.. Tgt("va", "!", "<eos>", "<pad>"), .. Tgt("j'ai", "perdu", ".", "<eos>")], arrays.Labels);
        Assert.Equal([3, 4], arrays.LabelValidLengths);
    }

    [Fact]
    public void Translation_batches_cover_every_pair_once_per_epoch_without_allocating()
    {
        var (train, _) = SyntheticTranslation.Generate(50, seed: 1, heldOutFraction: 0);
        var (source, target) = SyntheticTranslation.Tokens(train);
        var arrays = TranslationArrays.Build(source, target, Vocabulary.Build(source), Vocabulary.Build(target), steps: 10);
        var batches = new TranslationBatches(arrays, batchSize: 8, seed: 3);
        var seen = new List<int>();
        while (batches.MoveNext())
        {
            for (int b = 0; b < batches.CurrentBatchSize; b++)
            {
                int pair = batches.Indices[b];
                seen.Add(pair);
                Assert.True(batches.Source.Slice(b * 10, 10).SequenceEqual(arrays.Source.AsSpan(pair * 10, 10)));
                Assert.True(batches.Labels.Slice(b * 10, 10).SequenceEqual(arrays.Labels.AsSpan(pair * 10, 10)));
                Assert.True(batches.DecoderInputs.Slice(b * 10, 10).SequenceEqual(arrays.DecoderInputs.AsSpan(pair * 10, 10)));
                Assert.Equal(arrays.SourceValidLengths[pair], batches.SourceValidLengths[b]);
                Assert.Equal(arrays.LabelValidLengths[pair], batches.LabelValidLengths[b]);
            }
        }
        Assert.Equal(Enumerable.Range(0, 50), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), seen);

        long before = GC.GetAllocatedBytesForCurrentThread();
        while (batches.MoveNext()) { }
        while (batches.MoveNext()) { }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
