using Xunit;

namespace Dsl.Runtime.Tests.Blocks;

public class MergeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(1001)]
    public void Add_matches_reference_in_and_out_of_place(int length)
    {
        float[] a = FiniteDifference.Random(length, 1), b = FiniteDifference.Random(length, 2);
        var y = new float[length];
        Merge.Add(a, b, y);
        Assert.Equal(a.Zip(b, (p, q) => p + q).ToArray(), y);
        float[] inPlace = (float[])a.Clone();
        Merge.Add(inPlace, b, inPlace);
        Assert.Equal(y, inPlace);

        float[] accumulated = (float[])a.Clone();
        Merge.Accumulate(b, accumulated);
        Assert.Equal(y, accumulated);
    }

    [Fact]
    public void Add_gradient_reaches_both_inputs_and_matches_finite_differences()
    {
        float[] a = FiniteDifference.Random(13, 3), b = FiniteDifference.Random(13, 4), r = FiniteDifference.Random(13, 5);
        float[] Forward()
        {
            var y = new float[13];
            Merge.Add(a, b, y);
            return y;
        }
        float[] da = Enumerable.Repeat(float.NaN, 13).ToArray(), db = Enumerable.Repeat(float.NaN, 13).ToArray();
        Merge.AddBackward(r, da, db);
        FiniteDifference.AssertClose(da, FiniteDifference.Gradient(a, Forward, r), "da");
        FiniteDifference.AssertClose(db, FiniteDifference.Gradient(b, Forward, r), "db");
        // An empty target is skipped.
        Merge.AddBackward(r, [], db);
        Assert.Equal(r, db);
    }

    public static IEnumerable<object[]> Shapes()
    {
        foreach (int batch in new[] { 1, 2, 7 })
            foreach (int spatial in new[] { 1, 5, 49 })
                yield return [batch, spatial];
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Concat_and_split_match_reference(int batch, int spatial)
    {
        int[] channels = [1, 3, 17, 2];
        float[][] branches = channels.Select((c, i) => FiniteDifference.Random(batch * c * spatial, 10 + i)).ToArray();
        int total = channels.Sum();
        var expected = new float[batch * total * spatial];
        for (int n = 0; n < batch; n++)
        {
            int offset = 0;
            for (int k = 0; k < channels.Length; k++)
            {
                for (int c = 0; c < channels[k]; c++)
                    for (int s = 0; s < spatial; s++)
                        expected[(n * total + offset + c) * spatial + s] = branches[k][(n * channels[k] + c) * spatial + s];
                offset += channels[k];
            }
        }

        var y = new float[expected.Length];
        Merge.Concat(batch, spatial, branches[0], channels[0], branches[1], channels[1], branches[2], channels[2], branches[3], channels[3], y);
        Assert.Equal(expected, y);

        // The indexed form, one branch at a time in any order, builds the same tensor.
        var indexed = new float[expected.Length];
        int[] offsets = [0, 1, 4, 21];
        foreach (int k in new[] { 2, 0, 3, 1 })
            Merge.ConcatInto(batch, spatial, branches[k], channels[k], indexed, total, offsets[k]);
        Assert.Equal(expected, indexed);

        // Two and three branches.
        var two = new float[batch * 4 * spatial];
        Merge.Concat(batch, spatial, branches[0], 1, branches[1], 3, two);
        var three = new float[batch * 21 * spatial];
        Merge.Concat(batch, spatial, branches[0], 1, branches[1], 3, branches[2], 17, three);
        float[][] parts = [new float[branches[0].Length], new float[branches[1].Length], new float[branches[2].Length], new float[branches[3].Length]];
        Merge.Split(batch, spatial, two, parts[0], 1, parts[1], 3);
        Assert.Equal(branches[0], parts[0]);
        Assert.Equal(branches[1], parts[1]);
        Array.Clear(parts[2]);
        Merge.Split(batch, spatial, three, parts[0], 1, parts[1], 3, parts[2], 17);
        Assert.Equal(branches[2], parts[2]);

        // Split is the inverse, and SplitFrom can accumulate (a DenseNet input's gradient has two sources).
        foreach (float[] p in parts) Array.Fill(p, float.NaN);
        Merge.Split(batch, spatial, y, parts[0], 1, parts[1], 3, parts[2], 17, parts[3], 2);
        for (int k = 0; k < 4; k++) Assert.Equal(branches[k], parts[k]);
        float[] sum = (float[])branches[2].Clone();
        Merge.SplitFrom(batch, spatial, y, total, 4, sum, 17, accumulate: true);
        Assert.Equal(branches[2].Select(v => v + v).ToArray(), sum);
    }

    [Fact]
    public void Concat_gradients_match_finite_differences()
    {
        const int batch = 2, spatial = 3;
        float[] a = FiniteDifference.Random(batch * 2 * spatial, 20), b = FiniteDifference.Random(batch * 3 * spatial, 21);
        float[] r = FiniteDifference.Random(batch * 5 * spatial, 22);
        float[] Forward()
        {
            var y = new float[r.Length];
            Merge.Concat(batch, spatial, a, 2, b, 3, y);
            return y;
        }
        float[] da = new float[a.Length], db = new float[b.Length];
        Merge.Split(batch, spatial, r, da, 2, db, 3);
        FiniteDifference.AssertClose(da, FiniteDifference.Gradient(a, Forward, r), "da");
        FiniteDifference.AssertClose(db, FiniteDifference.Gradient(b, Forward, r), "db");
    }

    [Fact]
    public void Bad_arguments_name_expected_and_actual_lengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => Merge.Add(new float[3], new float[4], new float[3]));
        Assert.Equal("b", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Merge.ConcatInto(2, 5, new float[30], 3, new float[70], 7, 5));
        Assert.Equal("channelOffset", ex.ParamName);
        Assert.Contains("[5, 8)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Merge.ConcatInto(2, 5, new float[29], 3, new float[70], 7, 0));
        Assert.Equal("branch", ex.ParamName);
        Assert.Contains("29", ex.Message);
        Assert.Contains("30", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Merge.Concat(2, 5, new float[10], 1, new float[20], 2, new float[31]));
        Assert.Equal("output", ex.ParamName);
        Assert.Throws<ArgumentException>(() => Merge.AddBackward(new float[3], new float[2], []));
    }
}
