using Xunit;
namespace Dsl.Runtime.Tests;

public class MinibatchTests
{
    /// <summary>Example i has label i and features (i, i + 0.5), so a batch shows which examples it holds.</summary>
    private static Dataset Indexed(int count)
    {
        var features = new float[count * 2];
        for (int i = 0; i < count; i++) { features[2 * i] = i; features[2 * i + 1] = i + 0.5f; }
        return new Dataset(features, Enumerable.Range(0, count).ToArray(), [2]);
    }

    private static List<int[]> Epoch(MinibatchIterator batches)
    {
        var result = new List<int[]>();
        while (batches.MoveNext())
        {
            var labels = batches.Labels.ToArray();
            var features = batches.Features;
            Assert.Equal(labels.Length * 2, features.Length);
            for (int b = 0; b < labels.Length; b++)
            {
                Assert.Equal(labels[b], features[2 * b]);
                Assert.Equal(labels[b] + 0.5f, features[2 * b + 1]);
            }
            Assert.Equal(labels, batches.Indices.ToArray());
            result.Add(labels);
        }
        return result;
    }

    [Fact]
    public void VisitsEveryExampleExactlyOncePerEpoch()
    {
        var batches = new MinibatchIterator(Indexed(103), batchSize: 10, seed: 7);
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            var seen = Epoch(batches).SelectMany(b => b).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, 103), seen);
            Assert.Equal(epoch, batches.Epoch);
        }
    }

    [Fact]
    public void ShufflesDifferentlyEachEpoch()
    {
        var batches = new MinibatchIterator(Indexed(100), batchSize: 100, seed: 7);
        var first = Epoch(batches).Single();
        var second = Epoch(batches).Single();
        Assert.NotEqual(Enumerable.Range(0, 100), first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void OrderIsDeterminedBySeed()
    {
        var a = new MinibatchIterator(Indexed(50), batchSize: 8, seed: 42);
        var b = new MinibatchIterator(Indexed(50), batchSize: 8, seed: 42);
        var c = new MinibatchIterator(Indexed(50), batchSize: 8, seed: 43);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var ea = Epoch(a).SelectMany(x => x).ToArray();
            Assert.Equal(ea, Epoch(b).SelectMany(x => x).ToArray());
            Assert.NotEqual(ea, Epoch(c).SelectMany(x => x).ToArray());
        }
    }

    [Fact]
    public void KeepsOrDropsThePartialLastBatch()
    {
        var keep = new MinibatchIterator(Indexed(10), batchSize: 4, seed: 1);
        Assert.Equal([4, 4, 2], Epoch(keep).Select(b => b.Length));
        Assert.Equal(3, keep.BatchesPerEpoch);
        Assert.Equal(10, keep.ExamplesPerEpoch);

        var drop = new MinibatchIterator(Indexed(10), batchSize: 4, seed: 1, dropLast: true);
        var epoch = Epoch(drop);
        Assert.Equal([4, 4], epoch.Select(b => b.Length));
        Assert.Equal(8, epoch.SelectMany(b => b).Distinct().Count());
        Assert.Equal(2, drop.BatchesPerEpoch);
        Assert.Equal(8, drop.ExamplesPerEpoch);
    }

    [Fact]
    public void WithoutShuffleGoesInOrder()
    {
        var batches = new MinibatchIterator(Indexed(7), batchSize: 3, shuffle: false);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], Epoch(batches));
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], Epoch(batches));
    }

    [Fact]
    public void EndsEachEpochWithOneFalse()
    {
        var batches = new MinibatchIterator(Indexed(4), batchSize: 2, shuffle: false);
        Assert.True(batches.MoveNext());
        Assert.Equal(2, batches.Position);
        Assert.True(batches.MoveNext());
        Assert.False(batches.MoveNext());
        Assert.Equal(0, batches.CurrentBatchSize);
        Assert.True(batches.Features.IsEmpty);
        Assert.True(batches.MoveNext());
        Assert.Equal(2, batches.Epoch);
    }

    [Fact]
    public void AllocatesNothingAfterConstruction()
    {
        var batches = new MinibatchIterator(Indexed(1000), batchSize: 64, seed: 3);
        float sum = 0;
        while (batches.MoveNext()) sum += batches.Features[0];

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 5; epoch++)
            while (batches.MoveNext()) sum += batches.Features[0] + batches.Labels[0];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinibatchIterator(Indexed(10), batchSize: 0));
        var e = Assert.Throws<ArgumentException>(() => new MinibatchIterator(Indexed(10), batchSize: 16, dropLast: true));
        Assert.StartsWith("With dropLast, a data set of 10 examples yields no batch of 16", e.Message);
    }
}
