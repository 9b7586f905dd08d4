using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Where branches of a network meet: element-wise <see cref="Add"/> (ResNet shortcuts) and channel concatenation of
/// NCHW tensors that share H×W (GoogLeNet's Inception, DenseNet). Spans only, so nothing is allocated; a concatenation of
/// any number of branches is one <see cref="ConcatInto"/> per branch, each writing its channel slice of the output.
/// </summary>
public static class Merge
{
    /// <summary>y = a + b. <paramref name="y"/> may be <paramref name="a"/> or <paramref name="b"/> (in place).</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        Validate.SameLength(a.Length, b.Length, nameof(a), nameof(b));
        Validate.SameLength(a.Length, y.Length, nameof(a), nameof(y));
        ElementWise.Binary(default(AddOperator), a, b, y);
    }

    /// <summary>a + b, through <see cref="ElementWise"/> so that a batch's activations are split over the threads.</summary>
    private readonly struct AddOperator : IBinaryOperator
    {
        public float Invoke(float a, float b) => a + b;
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a + b;
    }

    /// <summary>
    /// Gradient of <see cref="Add"/>: both inputs receive dy unchanged (overwritten; an empty target is skipped).
    /// The copies exist for callers that need separate buffers; generated code can instead let da and db alias dy
    /// and call nothing.
    /// </summary>
    public static void AddBackward(ReadOnlySpan<float> dy, Span<float> da, Span<float> db)
    {
        Validate.LengthOrEmpty(da.Length, dy.Length, nameof(da));
        Validate.LengthOrEmpty(db.Length, dy.Length, nameof(db));
        if (!da.IsEmpty) dy.CopyTo(da);
        if (!db.IsEmpty) dy.CopyTo(db);
    }

    /// <summary>destination += source: the gradient of a tensor read by several layers (a shortcut's input) is the sum of theirs.</summary>
    public static void Accumulate(ReadOnlySpan<float> source, Span<float> destination)
    {
        Validate.SameLength(destination.Length, source.Length, nameof(destination), nameof(source));
        ElementWise.Binary(default(AddOperator), destination, source, destination);
    }

    /// <summary>
    /// Copies one branch, (batch, <paramref name="branchChannels"/>, spatial), into channels
    /// [<paramref name="channelOffset"/>, channelOffset + branchChannels) of the (batch, <paramref name="outputChannels"/>, spatial) output.
    /// </summary>
    public static void ConcatInto(int batch, int spatial, ReadOnlySpan<float> branch, int branchChannels,
        Span<float> output, int outputChannels, int channelOffset)
    {
        ValidateSlice(batch, spatial, branch.Length, branchChannels, output.Length, outputChannels, channelOffset, nameof(branch), nameof(output));
        int block = branchChannels * spatial, outStride = outputChannels * spatial, offset = channelOffset * spatial;
        for (int n = 0; n < batch; n++)
            branch.Slice(n * block, block).CopyTo(output.Slice(n * outStride + offset, block));
    }

    /// <summary>
    /// The gradient of <see cref="ConcatInto"/>: copies channels [channelOffset, channelOffset + branchChannels) of
    /// <paramref name="output"/> (the concatenation's dy) into <paramref name="branch"/>, overwriting it, or adding to it
    /// when <paramref name="accumulate"/> (DenseNet, whose block input is both concatenated and convolved).
    /// </summary>
    public static void SplitFrom(int batch, int spatial, ReadOnlySpan<float> output, int outputChannels, int channelOffset,
        Span<float> branch, int branchChannels, bool accumulate = false)
    {
        ValidateSlice(batch, spatial, branch.Length, branchChannels, output.Length, outputChannels, channelOffset, nameof(branch), nameof(output));
        int block = branchChannels * spatial, outStride = outputChannels * spatial, offset = channelOffset * spatial;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> source = output.Slice(n * outStride + offset, block);
            Span<float> destination = branch.Slice(n * block, block);
            if (accumulate) TensorPrimitives.Add(destination, source, destination);
            else source.CopyTo(destination);
        }
    }

    /// <summary>y = cat(a, b) along channels.</summary>
    public static void Concat(int batch, int spatial, ReadOnlySpan<float> a, int channelsA, ReadOnlySpan<float> b, int channelsB, Span<float> y)
    {
        int total = TotalChannels(channelsA, channelsB);
        ConcatInto(batch, spatial, a, channelsA, y, total, 0);
        ConcatInto(batch, spatial, b, channelsB, y, total, channelsA);
    }

    /// <summary>y = cat(a, b, c) along channels.</summary>
    public static void Concat(int batch, int spatial, ReadOnlySpan<float> a, int channelsA, ReadOnlySpan<float> b, int channelsB,
        ReadOnlySpan<float> c, int channelsC, Span<float> y)
    {
        int total = TotalChannels(channelsA, channelsB, channelsC);
        ConcatInto(batch, spatial, a, channelsA, y, total, 0);
        ConcatInto(batch, spatial, b, channelsB, y, total, channelsA);
        ConcatInto(batch, spatial, c, channelsC, y, total, channelsA + channelsB);
    }

    /// <summary>y = cat(a, b, c, d) along channels (an Inception block's four paths).</summary>
    public static void Concat(int batch, int spatial, ReadOnlySpan<float> a, int channelsA, ReadOnlySpan<float> b, int channelsB,
        ReadOnlySpan<float> c, int channelsC, ReadOnlySpan<float> d, int channelsD, Span<float> y)
    {
        int total = TotalChannels(channelsA, channelsB, channelsC, channelsD);
        ConcatInto(batch, spatial, a, channelsA, y, total, 0);
        ConcatInto(batch, spatial, b, channelsB, y, total, channelsA);
        ConcatInto(batch, spatial, c, channelsC, y, total, channelsA + channelsB);
        ConcatInto(batch, spatial, d, channelsD, y, total, channelsA + channelsB + channelsC);
    }

    /// <summary>Gradient of the two-branch <see cref="Concat(int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float})"/>; targets overwritten.</summary>
    public static void Split(int batch, int spatial, ReadOnlySpan<float> dy, Span<float> da, int channelsA, Span<float> db, int channelsB)
    {
        int total = TotalChannels(channelsA, channelsB);
        SplitFrom(batch, spatial, dy, total, 0, da, channelsA);
        SplitFrom(batch, spatial, dy, total, channelsA, db, channelsB);
    }

    /// <summary>Gradient of the three-branch Concat; targets overwritten.</summary>
    public static void Split(int batch, int spatial, ReadOnlySpan<float> dy, Span<float> da, int channelsA, Span<float> db, int channelsB,
        Span<float> dc, int channelsC)
    {
        int total = TotalChannels(channelsA, channelsB, channelsC);
        SplitFrom(batch, spatial, dy, total, 0, da, channelsA);
        SplitFrom(batch, spatial, dy, total, channelsA, db, channelsB);
        SplitFrom(batch, spatial, dy, total, channelsA + channelsB, dc, channelsC);
    }

    /// <summary>Gradient of the four-branch Concat; targets overwritten.</summary>
    public static void Split(int batch, int spatial, ReadOnlySpan<float> dy, Span<float> da, int channelsA, Span<float> db, int channelsB,
        Span<float> dc, int channelsC, Span<float> dd, int channelsD)
    {
        int total = TotalChannels(channelsA, channelsB, channelsC, channelsD);
        SplitFrom(batch, spatial, dy, total, 0, da, channelsA);
        SplitFrom(batch, spatial, dy, total, channelsA, db, channelsB);
        SplitFrom(batch, spatial, dy, total, channelsA + channelsB, dc, channelsC);
        SplitFrom(batch, spatial, dy, total, channelsA + channelsB + channelsC, dd, channelsD);
    }

    private static int TotalChannels(params ReadOnlySpan<int> channels)
    {
        long total = 0;
        foreach (int c in channels)
        {
            Validate.Positive(c, "channels");
            total += c;
        }
        if (total > int.MaxValue) throw new ArgumentException($"The concatenation would have {total} channels.", nameof(channels));
        return (int)total;
    }

    private static void ValidateSlice(int batch, int spatial, int branchLength, int branchChannels, int outputLength,
        int outputChannels, int channelOffset, string branchName, string outputName)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(spatial, nameof(spatial));
        Validate.Positive(branchChannels, nameof(branchChannels));
        Validate.Positive(outputChannels, nameof(outputChannels));
        Validate.NonNegative(channelOffset, nameof(channelOffset));
        if ((long)channelOffset + branchChannels > outputChannels)
            throw new ArgumentException(
                $"Channels [{channelOffset}, {(long)channelOffset + branchChannels}) do not fit in an output of {outputChannels} channels.",
                nameof(channelOffset));
        Validate.Length(branchLength, (long)batch * branchChannels * spatial, branchName);
        Validate.Length(outputLength, (long)batch * outputChannels * spatial, outputName);
    }
}
