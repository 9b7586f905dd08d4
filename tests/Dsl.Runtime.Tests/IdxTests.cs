using Xunit;
using System.IO.Compression;

namespace Dsl.Runtime.Tests;

public class IdxTests
{
    private static byte[] Bytes(int count, int seed = 1)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTripsImagesAndLabels(bool gzip)
    {
        using var dir = new TempDirectory();
        var pixels = Bytes(5 * 3 * 4);
        var labels = Bytes(5, seed: 2);
        Idx.Write(dir.File("images"), [5, 3, 4], pixels, gzip);
        Idx.Write(dir.File("labels"), [5], labels, gzip);

        var images = Idx.Read(dir.File("images"), expectedRank: 3);
        var read = Idx.Read(dir.File("labels"), expectedRank: 1);

        Assert.Equal([5, 3, 4], images.Dimensions);
        Assert.Equal(pixels, images.Data);
        Assert.Equal(5, images.Count);
        Assert.Equal([5], read.Dimensions);
        Assert.Equal(labels, read.Data);
    }

    [Fact]
    public void WritesTheStandardHeader()
    {
        var stream = new MemoryStream();
        Idx.Write(stream, [2, 1, 1], [7, 9]);
        Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 7, 9 }, stream.ToArray());
    }

    [Fact]
    public void RecognisesGzipByContentNotByName()
    {
        using var dir = new TempDirectory();
        Idx.Write(dir.File("labels-without-suffix"), [3], [1, 2, 3], gzip: true);
        Idx.Write(dir.File("raw.gz"), [3], [4, 5, 6], gzip: false);
        Assert.Equal(new byte[] { 1, 2, 3 }, Idx.Read(dir.File("labels-without-suffix"), 1).Data);
        Assert.Equal(new byte[] { 4, 5, 6 }, Idx.Read(dir.File("raw.gz"), 1).Data);
    }

    [Fact]
    public void ReadsAnEmptyArray()
    {
        var stream = new MemoryStream();
        Idx.Write(stream, [0, 28, 28], []);
        stream.Position = 0;
        var read = Idx.Read(stream, "empty", 3);
        Assert.Equal([0, 28, 28], read.Dimensions);
        Assert.Empty(read.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrongRankNamesFileExpectedAndFoundMagic(bool gzip)
    {
        using var dir = new TempDirectory();
        string path = dir.File("train-images-idx3-ubyte.gz");
        Idx.Write(path, [4], [1, 2, 3, 4], gzip);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedRank: 3));

        Assert.Equal(
            "train-images-idx3-ubyte.gz: expected IDX magic 0x00000803 (unsigned bytes, 3 dimensions) but found 0x00000801 (unsigned bytes, 1 dimension).",
            e.Message);
    }

    [Fact]
    public void WrongTypeCodeIsNamed()
    {
        var stream = new MemoryStream([0, 0, 0x0D, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(stream, "floats.idx", 3));
        Assert.Equal(
            "floats.idx: expected IDX magic 0x00000803 (unsigned bytes, 3 dimensions) but found 0x00000D03 (32-bit floats, 3 dimensions).",
            e.Message);
    }

    [Fact]
    public void AnHtmlPageIsNotAnIdxFile()
    {
        var stream = new MemoryStream("<!DOCTYPE html><html>404</html>"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(stream, "t10k-labels-idx1-ubyte", 1));
        Assert.Equal(
            "t10k-labels-idx1-ubyte: expected IDX magic 0x00000801 (unsigned bytes, 1 dimension) but found 0x3C21444F " +
            "(not an IDX file: an IDX file starts with two zero bytes).",
            e.Message);
    }

    [Fact]
    public void EmptyFileSaysItEnds()
    {
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(new MemoryStream(), "empty.idx", 1));
        Assert.Equal("empty.idx: expected IDX magic 0x00000801 (unsigned bytes, 1 dimension) but the file ends after 0 byte(s).", e.Message);
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(new MemoryStream([0, 0, 8, 3, 0, 0, 0, 5, 0, 0]), "short.idx", 3));
        Assert.Equal(
            "short.idx: expected 3 dimension size(s) (12 bytes) after the magic number but the file ends after 6 of them.",
            e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsReported(bool gzip)
    {
        using var dir = new TempDirectory();
        var full = new MemoryStream();
        Idx.Write(full, [10, 2, 2], Bytes(40));
        byte[] truncated = full.ToArray()[..^15];
        string path = dir.File("train-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(truncated);
        }
        else
        {
            File.WriteAllBytes(path, truncated);
        }

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path, 3));

        Assert.StartsWith(Path.GetFileName(path), e.Message);
        Assert.Contains("expected 40 bytes of data (10 × 2 × 2) after the 16-byte header but the file ends after 25; it is probably truncated.", e.Message);
    }

    [Fact]
    public void TruncatedGzipStreamIsReportedWithTheFileName()
    {
        using var dir = new TempDirectory();
        string whole = dir.File("whole.gz");
        Idx.Write(whole, [1000, 10, 10], Bytes(100_000), gzip: true);
        byte[] compressed = File.ReadAllBytes(whole);
        string path = dir.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path, 3));

        Assert.StartsWith("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TrailingDataIsReported()
    {
        var stream = new MemoryStream();
        Idx.Write(stream, [3], [1, 2, 3]);
        stream.WriteByte(4);
        stream.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(stream, "labels", 1));
        Assert.Equal(
            "labels: expected exactly 3 bytes of data after the 8-byte header but more follow; the header and the data disagree.",
            e.Message);
    }

    [Fact]
    public void NegativeDimensionIsReported()
    {
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(new MemoryStream([0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFE]), "labels", 1));
        Assert.Equal("labels: dimension 0 has negative size -2.", e.Message);
    }

    [Fact]
    public void MissingFileThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => Idx.Read(dir.File("absent"), 1));
    }

    [Fact]
    public void WriteRejectsDataThatDisagreesWithTheDimensions()
    {
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(new MemoryStream(), [2, 3], [1, 2, 3]));
        Assert.StartsWith("Dimensions (2 × 3) describe 6 bytes but 3 were given.", e.Message);
    }
}
