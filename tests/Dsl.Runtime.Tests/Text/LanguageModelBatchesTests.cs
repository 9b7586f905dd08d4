using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class LanguageModelBatchesTests
{
    // Token i of the corpus is i, so every value says where it came from.
    private static int[] Iota(int n) => Enumerable.Range(0, n).ToArray();

    private static List<(int[] X, int[] Y)> Epoch(LanguageModelBatches batches)
    {
        var x = new int[batches.BufferLength];
        var y = new int[batches.BufferLength];
        var result = new List<(int[], int[])>();
        while (batches.MoveNext(x, y)) result.Add(((int[])x.Clone(), (int[])y.Clone()));
        return result;
    }

    [Theory]
    [InlineData(Partitioning.Sequential)]
    [InlineData(Partitioning.Random)]
    public void Targets_are_the_inputs_shifted_by_one(Partitioning partitioning)
    {
        var batches = new LanguageModelBatches(Iota(200), batchSize: 3, steps: 5, partitioning, seed: 7);
        foreach (var (x, y) in Epoch(batches))
        {
            for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] + 1, y[i]);
            // Each row of each is a contiguous stretch of the corpus.
            for (int b = 0; b < 3; b++)
                for (int t = 1; t < 5; t++) Assert.Equal(x[b * 5 + t - 1] + 1, x[b * 5 + t]);
        }
    }

    [Fact]
    public void Sequential_minibatches_continue_each_row_where_the_previous_minibatch_stopped()
    {
        const int batch = 4, steps = 6;
        var batches = new LanguageModelBatches(Iota(500), batch, steps, Partitioning.Sequential, seed: 3);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var list = Epoch(batches);
            Assert.Equal(batches.BatchesInEpoch, list.Count);
            int rowLength = (500 - batches.Offset - 1) / batch;
            Assert.Equal(rowLength / steps, list.Count);
            for (int b = 0; b < batch; b++)
            {
                Assert.Equal(batches.Offset + b * rowLength, list[0].X[b * steps]);
                for (int i = 1; i < list.Count; i++)
                    Assert.Equal(list[i - 1].X[b * steps + steps - 1] + 1, list[i].X[b * steps]);
            }
        }
    }

    [Fact]
    public void Sequential_offset_is_drawn_per_epoch_from_zero_to_steps_inclusive()
    {
        const int steps = 5;
        var batches = new LanguageModelBatches(Iota(300), 2, steps, Partitioning.Sequential, seed: 11);
        var offsets = new HashSet<int>();
        for (int epoch = 0; epoch < 200; epoch++)
        {
            batches.BeginEpoch();
            Assert.InRange(batches.Offset, 0, steps);
            offsets.Add(batches.Offset);
        }
        Assert.Equal(steps + 1, offsets.Count);
    }

    [Theory]
    [InlineData(Partitioning.Sequential)]
    [InlineData(Partitioning.Random)]
    public void An_epoch_covers_the_corpus_without_repeating_a_token(Partitioning partitioning)
    {
        const int n = 1000, batch = 5, steps = 7;
        var batches = new LanguageModelBatches(Iota(n), batch, steps, partitioning, seed: 5);
        var list = Epoch(batches);
        var inputs = list.SelectMany(p => p.X).ToList();
        Assert.Equal(inputs.Count, inputs.Distinct().Count());
        // Unused: the offset (≤ steps) plus, sequentially, less than one minibatch's steps per row and the remainder of
        // dividing by the batch; randomly, fewer than `batch` leftover subsequences and a partial one. Both ≤ (batch + 1)·steps.
        int unused = n - inputs.Count;
        Assert.True(unused <= (batch + 1) * steps, $"{unused} of {n} tokens unused");
        Assert.Equal(list.Count * batch * steps, inputs.Count);
    }

    [Fact]
    public void Random_subsequences_start_on_the_epoch_grid_and_change_order_between_epochs()
    {
        const int steps = 4, batch = 3;
        var batches = new LanguageModelBatches(Iota(400), batch, steps, Partitioning.Random, seed: 9);
        var first = Epoch(batches);
        int offset1 = batches.Offset;
        foreach (var (x, _) in first)
            for (int b = 0; b < batch; b++) Assert.Equal(0, (x[b * steps] - offset1) % steps);
        var second = Epoch(batches);
        Assert.Equal(2, batches.Epoch);
        Assert.NotEqual(first.Select(p => p.X[0]), second.Select(p => p.X[0]));
        Assert.Equal((400 - offset1 - 1) / steps / batch, first.Count);
    }

    [Theory]
    [InlineData(Partitioning.Sequential)]
    [InlineData(Partitioning.Random)]
    public void The_same_seed_gives_the_same_minibatches_and_another_seed_does_not(Partitioning partitioning)
    {
        string Run(ulong seed)
        {
            var batches = new LanguageModelBatches(Iota(300), 2, 5, partitioning, seed);
            var all = new List<int>();
            for (int e = 0; e < 3; e++) foreach (var (x, y) in Epoch(batches)) { all.AddRange(x); all.AddRange(y); }
            return string.Join(",", all);
        }
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void Move_next_returns_false_once_per_epoch_then_starts_another()
    {
        var batches = new LanguageModelBatches(Iota(100), 2, 5, Partitioning.Sequential, seed: 1);
        var x = new int[10];
        var y = new int[10];
        int count = 0;
        while (batches.MoveNext(x, y)) count++;
        Assert.True(count >= 8);
        Assert.Equal(1, batches.Epoch);
        Assert.True(batches.MoveNext(x, y));
        Assert.Equal(2, batches.Epoch);
        Assert.Equal(1, batches.BatchIndex);
    }

    [Theory]
    [InlineData(Partitioning.Sequential)]
    [InlineData(Partitioning.Random)]
    public void Iterating_allocates_nothing(Partitioning partitioning)
    {
        var batches = new LanguageModelBatches(Iota(5000), 8, 10, partitioning, seed: 1);
        var x = new int[80];
        var y = new int[80];
        while (batches.MoveNext(x, y)) { }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 3; epoch++)
            while (batches.MoveNext(x, y)) { }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Errors_name_what_was_needed()
    {
        var e = Assert.Throws<ArgumentException>(() => new LanguageModelBatches(Iota(20), 4, 5, Partitioning.Sequential));
        Assert.Contains("at least 26", e.Message);
        _ = new LanguageModelBatches(Iota(26), 4, 5, Partitioning.Sequential);
        _ = new LanguageModelBatches(Iota(25), 4, 5, Partitioning.Random);
        Assert.Throws<ArgumentException>(() => new LanguageModelBatches(Iota(24), 4, 5, Partitioning.Random));
        var batches = new LanguageModelBatches(Iota(100), 2, 5, Partitioning.Random);
        var bad = Assert.Throws<ArgumentException>(() => batches.MoveNext(new int[9], new int[10]));
        Assert.Contains("10", bad.Message);
    }

    [Theory]
    [InlineData(Partitioning.Sequential, 26)]
    [InlineData(Partitioning.Random, 25)]
    public void The_shortest_accepted_corpus_gives_a_minibatch_at_every_offset(Partitioning partitioning, int n)
    {
        var batches = new LanguageModelBatches(Iota(n), 4, 5, partitioning, seed: 2);
        var x = new int[20];
        var y = new int[20];
        for (int epoch = 0; epoch < 50; epoch++)
        {
            Assert.True(batches.MoveNext(x, y));
            while (batches.MoveNext(x, y)) { }
        }
    }
}
