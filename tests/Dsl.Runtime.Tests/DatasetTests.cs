using Xunit;
namespace Dsl.Runtime.Tests;

public class DatasetTests
{
    [Fact]
    public void ScalesPixelsToTheUnitInterval()
    {
        var images = new IdxArray([2, 1, 3], [0, 51, 255, 1, 128, 254]);
        var labels = new IdxArray([2], [3, 7]);

        var data = Dataset.FromIdxImages(images, labels, "images", "labels");

        Assert.Equal(2, data.Count);
        Assert.Equal(3, data.FeatureSize);
        Assert.Equal([1, 1, 3], data.ExampleShape);
        Assert.Equal([0f, 0.2f, 1f, 1 / 255f, 128 / 255f, 254 / 255f], data.Features);
        Assert.Equal([3, 7], data.Labels);
        Assert.Equal([1 / 255f, 128 / 255f, 254 / 255f], data.Example(1).ToArray());
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        var images = new IdxArray([3, 2, 2], new byte[12]);
        var labels = new IdxArray([2], new byte[2]);

        var e = Assert.Throws<InvalidDataException>(() =>
            Dataset.FromIdxImages(images, labels, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"));

        Assert.Equal(
            "train-images-idx3-ubyte.gz holds 3 images but train-labels-idx1-ubyte.gz holds 2 labels; they must describe the same examples.",
            e.Message);
    }

    [Fact]
    public void ConstructorChecksLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[10], [0, 1, 2], [1, 2, 2]));
        Assert.StartsWith("3 labels of examples shaped (1, 2, 2) need 12 features but 10 were given.", e.Message);
        Assert.Throws<ArgumentException>(() => new Dataset([], [], [0]));
    }

    [Fact]
    public void SubsetCopiesARange()
    {
        var data = new Dataset([0, 1, 2, 3, 4, 5, 6, 7], [10, 11, 12, 13], [2]);

        var subset = data.Subset(1, 2);
        data.Features[2] = -1;

        Assert.Equal(2, subset.Count);
        Assert.Equal([2f, 3, 4, 5], subset.Features);
        Assert.Equal([11, 12], subset.Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(3, 2));
    }

    [Fact]
    public void LoadsFashionMnistFromUncompressedFiles()
    {
        using var dir = new TempDirectory();
        WriteFakeFashionMnist(dir, trainCount: 3, testCount: 2, gzip: false);

        var (train, test) = FashionMnist.Load(dir.Path);

        Assert.Equal(3, train.Count);
        Assert.Equal(2, test.Count);
        Assert.Equal([1, 28, 28], test.ExampleShape);
        Assert.Equal([0, 1, 2], train.Labels);
    }

    [Fact]
    public void MissingFilesAreListedWithTheFix()
    {
        using var dir = new TempDirectory();
        WriteFakeFashionMnist(dir, trainCount: 3, testCount: 2, gzip: true);
        File.Delete(dir.File("t10k-labels-idx1-ubyte.gz"));
        File.Delete(dir.File("train-images-idx3-ubyte.gz"));

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir.Path));

        Assert.Equal(
            $"Fashion-MNIST is not complete in {dir.Path}: missing train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. " +
            "Install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or point to a directory holding the four IDX files.",
            e.Message);
        Assert.Equal(["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"], FashionMnist.MissingFiles(dir.Path));
    }

    [Fact]
    public void FashionMnistLabelAndImageCountsMustAgree()
    {
        using var dir = new TempDirectory();
        WriteFakeFashionMnist(dir, trainCount: 3, testCount: 2, gzip: true);
        Idx.Write(dir.File("t10k-labels-idx1-ubyte.gz"), [1], [4], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path));

        Assert.Equal(
            "t10k-images-idx3-ubyte.gz holds 2 images but t10k-labels-idx1-ubyte.gz holds 1 labels; they must describe the same examples.",
            e.Message);
    }

    [Fact]
    public void FashionMnistLabelsMustBeClasses()
    {
        using var dir = new TempDirectory();
        WriteFakeFashionMnist(dir, trainCount: 3, testCount: 2, gzip: true);
        Idx.Write(dir.File("train-labels-idx1-ubyte.gz"), [3], [1, 10, 2], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path));

        Assert.Equal("train-labels-idx1-ubyte.gz: expected labels in 0..9 but label 1 is 10.", e.Message);
    }

    [Fact]
    public void FashionMnistImagesMustBe28By28()
    {
        using var dir = new TempDirectory();
        WriteFakeFashionMnist(dir, trainCount: 3, testCount: 2, gzip: true);
        Idx.Write(dir.File("train-images-idx3-ubyte.gz"), [3, 32, 32], new byte[3 * 32 * 32], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path));

        Assert.Equal("train-images-idx3-ubyte.gz: expected 28×28 images but found 32×32.", e.Message);
    }

    /// <summary>The real data set, installed by the Debian package dataset-fashion-mnist (CI installs it, so it must be there).</summary>
    [Fact]
    public void LoadsTheInstalledFashionMnist()
    {
        Assert.True(Directory.Exists(FashionMnist.DefaultDirectory),
            $"{FashionMnist.DefaultDirectory} is missing: install the Debian package {FashionMnist.DebianPackage}.");

        var (train, test) = FashionMnist.Load(FashionMnist.DefaultDirectory);

        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], train.ExampleShape);
        Assert.Equal([1, 28, 28], test.ExampleShape);
        Assert.Equal(784, train.FeatureSize);
        foreach (var (data, perClass) in new[] { (train, 6000), (test, 1000) })
        {
            // Fashion-MNIST is balanced: exactly 6000 training and 1000 test images per class.
            var counts = new int[FashionMnist.ClassCount];
            foreach (int label in data.Labels) counts[label]++;
            Assert.All(counts, c => Assert.Equal(perClass, c));
            Assert.Equal(0f, data.Features.Min());
            Assert.Equal(1f, data.Features.Max());
        }
        Assert.Equal(10, FashionMnist.ClassNames.Count);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
        // The first training image is an ankle boot, as in the data set's own examples.
        Assert.Equal(9, train.Labels[0]);
    }

    internal static void WriteFakeFashionMnist(TempDirectory dir, int trainCount, int testCount, bool gzip)
    {
        string suffix = gzip ? ".gz" : "";
        foreach (var (prefix, count) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            var pixels = new byte[count * 28 * 28];
            new Random(count).NextBytes(pixels);
            Idx.Write(dir.File($"{prefix}-images-idx3-ubyte{suffix}"), [count, 28, 28], pixels, gzip);
            Idx.Write(dir.File($"{prefix}-labels-idx1-ubyte{suffix}"), [count], Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray(), gzip);
        }
    }
}
