using System.Buffers.Binary;
using System.IO.Compression;

namespace Dsl.Runtime;

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions and its data, row-major.</summary>
/// <param name="Dimensions">Size of each dimension, outermost first (for images: count, rows, columns).</param>
/// <param name="Data">The values, row-major; its length is the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    /// <summary>Size of the first dimension: the number of items (images or labels).</summary>
    public int Count => Dimensions[0];
}

/// <summary>
/// Reads and writes IDX files (the format of MNIST and Fashion-MNIST), compressed with gzip or not.
/// Only the unsigned-byte type (code 0x08) is supported, which is what those data sets use.
/// </summary>
/// <remarks>
/// Every error names the file, what was expected and what arrived, because the usual causes are a truncated
/// download, a file renamed to the wrong split, or an HTML error page saved under the data set's name.
/// </remarks>
public static class Idx
{
    /// <summary>IDX type code for unsigned bytes.</summary>
    public const byte UnsignedByteType = 0x08;

    private const int MagicLength = 4;

    /// <summary>Reads <paramref name="path"/>, which must hold unsigned bytes in <paramref name="expectedRank"/> dimensions.
    /// A gzip stream is recognised by its first two bytes (1f 8b), whatever the file is called.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file of the expected rank.</exception>
    public static IdxArray Read(string path, int expectedRank)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, Path.GetFileName(path), expectedRank);
    }

    /// <summary>Reads an IDX stream (gzip-compressed or not); <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="InvalidDataException">The stream is not a valid IDX stream of the expected rank.</exception>
    public static IdxArray Read(Stream stream, string name, int expectedRank)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (expectedRank is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(expectedRank), expectedRank, "An IDX file has between 1 and 255 dimensions.");

        Span<byte> start = stackalloc byte[MagicLength];
        int got = ReadUpTo(stream, start, name);
        if (got >= 2 && start[0] == 0x1f && start[1] == 0x8b)
        {
            // The two bytes already consumed belong to the gzip header, so hand the decompressor a stream that replays them.
            using var replay = new PrefixedStream(start[..got].ToArray(), stream);
            using var gzip = new GZipStream(replay, CompressionMode.Decompress);
            Span<byte> inner = stackalloc byte[MagicLength];
            int innerGot = ReadUpTo(gzip, inner, name);
            return ReadAfterMagic(gzip, inner[..innerGot], name, expectedRank);
        }
        return ReadAfterMagic(stream, start[..got], name, expectedRank);
    }

    private static IdxArray ReadAfterMagic(Stream stream, ReadOnlySpan<byte> magic, string name, int expectedRank)
    {
        uint expectedMagic = (uint)UnsignedByteType << 8 | (uint)expectedRank;
        if (magic.Length < MagicLength)
            throw new InvalidDataException(
                $"{name}: expected IDX magic 0x{expectedMagic:X8} ({Describe(UnsignedByteType, expectedRank)}) but the file ends after {magic.Length} byte(s).");
        uint found = BinaryPrimitives.ReadUInt32BigEndian(magic);
        if (found != expectedMagic)
            throw new InvalidDataException(
                $"{name}: expected IDX magic 0x{expectedMagic:X8} ({Describe(UnsignedByteType, expectedRank)}) but found 0x{found:X8} ({DescribeMagic(found)}).");

        Span<byte> header = stackalloc byte[4 * expectedRank];
        int headerGot = ReadUpTo(stream, header, name);
        if (headerGot < header.Length)
            throw new InvalidDataException(
                $"{name}: expected {expectedRank} dimension size(s) ({header.Length} bytes) after the magic number but the file ends after {headerGot} of them.");

        var dims = new int[expectedRank];
        long total = 1;
        for (int d = 0; d < expectedRank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(header.Slice(4 * d, 4));
            if (dims[d] < 0)
                throw new InvalidDataException($"{name}: dimension {d} has negative size {dims[d]}.");
            total *= dims[d];
            if (total > Array.MaxLength)
                throw new InvalidDataException(
                    $"{name}: dimensions ({string.Join(" × ", dims[..(d + 1)])}…) describe more than {Array.MaxLength} bytes, more than one array can hold.");
        }

        var data = new byte[total];
        int dataGot = ReadUpTo(stream, data, name);
        long headerBytes = MagicLength + header.Length;
        string shape = dims.Length > 1 ? $" ({string.Join(" × ", dims)})" : "";
        if (dataGot < total)
            throw new InvalidDataException(
                $"{name}: expected {total} bytes of data{shape} after the {headerBytes}-byte header but the file ends after {dataGot}; it is probably truncated.");
        Span<byte> probe = stackalloc byte[1];
        if (ReadUpTo(stream, probe, name) != 0)
            throw new InvalidDataException(
                $"{name}: expected exactly {total} bytes of data{shape} after the {headerBytes}-byte header but more follow; the header and the data disagree.");
        return new IdxArray(dims, data);
    }

    /// <summary>Writes unsigned bytes as an IDX file, gzip-compressed if <paramref name="gzip"/>.</summary>
    public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        if (gzip)
        {
            using var compressed = new GZipStream(file, CompressionLevel.Fastest);
            Write(compressed, dimensions, data);
        }
        else
        {
            Write(file, dimensions, data);
        }
    }

    /// <summary>Writes unsigned bytes in IDX format to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data)
    {
        if (dimensions.Length is < 1 or > 255)
            throw new ArgumentException($"An IDX file has between 1 and 255 dimensions, not {dimensions.Length}.", nameof(dimensions));
        long total = 1;
        foreach (int d in dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dimensions));
            total *= d;
        }
        if (total != data.Length)
            throw new ArgumentException(
                $"Dimensions ({string.Join(" × ", dimensions.ToArray())}) describe {total} bytes but {data.Length} were given.", nameof(data));

        Span<byte> header = stackalloc byte[MagicLength + 4 * dimensions.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)UnsignedByteType << 8 | (uint)dimensions.Length);
        for (int d = 0; d < dimensions.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(header.Slice(MagicLength + 4 * d, 4), dimensions[d]);
        stream.Write(header);
        stream.Write(data);
    }

    private static string Describe(int typeCode, int rank) =>
        $"{TypeName(typeCode)}, {rank} dimension{(rank == 1 ? "" : "s")}";

    private static string DescribeMagic(uint magic) =>
        (magic >> 16) != 0
            ? "not an IDX file: an IDX file starts with two zero bytes"
            : Describe((int)(magic >> 8) & 0xFF, (int)(magic & 0xFF));

    private static string TypeName(int typeCode) => typeCode switch
    {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0B => "16-bit integers",
        0x0C => "32-bit integers",
        0x0D => "32-bit floats",
        0x0E => "64-bit floats",
        _ => $"unknown type code 0x{typeCode:X2}",
    };

    /// <summary>Fills as much of <paramref name="buffer"/> as the stream holds; returns the count read.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> buffer, string name)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports corrupt or truncated compressed data without saying which file it was reading.
            throw new InvalidDataException($"{name}: the gzip stream is corrupt or truncated ({e.Message})", e);
        }
    }

    /// <summary>A read-only stream that yields a few bytes already read from <c>inner</c>, then the rest of <c>inner</c>.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPosition;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPosition < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPosition);
                prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
                _prefixPosition += n;
                return n;
            }
            return inner.Read(buffer);
        }
    }
}
