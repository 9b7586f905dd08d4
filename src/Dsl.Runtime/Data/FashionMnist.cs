namespace Dsl.Runtime;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 60 000 training and 10 000 test grey-scale images of 28×28 pixels
/// in ten clothing classes, stored as four IDX files.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The Debian package that provides the data set in <see cref="DefaultDirectory"/>.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>Image height and width in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Class names by label, as in the data set's documentation.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The four files, without the <c>.gz</c> suffix, that <see cref="Load"/> reads.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Loads the training and test splits from <paramref name="directory"/>, which holds the four standard files,
    /// each either gzip-compressed (<c>train-images-idx3-ubyte.gz</c>) or not (<c>train-images-idx3-ubyte</c>).
    /// Pixels are scaled to [0, 1]; examples are shaped (1, 28, 28).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists every missing file.</exception>
    /// <exception cref="InvalidDataException">A file is not what Fashion-MNIST should hold.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory = DefaultDirectory)
    {
        var missing = MissingFiles(directory);
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"Fashion-MNIST is not complete in {directory}: missing {string.Join(", ", missing.Select(f => f + "[.gz]"))}. " +
                $"Install the Debian package {DebianPackage} (apt-get install {DebianPackage}) or point to a directory holding the four IDX files.");

        // The two splits are independent and decompression is single-threaded, so load them side by side.
        var test = Task.Run(() => LoadSplit(directory, "t10k"));
        var train = LoadSplit(directory, "train");
        return (train, test.GetAwaiter().GetResult());
    }

    /// <summary>The standard file names (without <c>.gz</c>) that are in neither form in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> MissingFiles(string directory) =>
        FileNames.Where(name => Locate(directory, name) is null).ToArray();

    /// <summary>Loads one split: <paramref name="prefix"/> is <c>train</c> or <c>t10k</c>.</summary>
    public static Dataset LoadSplit(string directory, string prefix)
    {
        string imagesPath = Locate(directory, prefix + "-images-idx3-ubyte")
            ?? throw new FileNotFoundException($"{prefix}-images-idx3-ubyte[.gz] is not in {directory}.");
        string labelsPath = Locate(directory, prefix + "-labels-idx1-ubyte")
            ?? throw new FileNotFoundException($"{prefix}-labels-idx1-ubyte[.gz] is not in {directory}.");
        string imagesName = Path.GetFileName(imagesPath), labelsName = Path.GetFileName(labelsPath);

        var images = Idx.Read(imagesPath, expectedRank: 3);
        if (images.Dimensions[1] != ImageSize || images.Dimensions[2] != ImageSize)
            throw new InvalidDataException(
                $"{imagesName}: expected {ImageSize}×{ImageSize} images but found {images.Dimensions[1]}×{images.Dimensions[2]}.");
        var labels = Idx.Read(labelsPath, expectedRank: 1);
        for (int i = 0; i < labels.Data.Length; i++)
        {
            if (labels.Data[i] >= ClassCount)
                throw new InvalidDataException($"{labelsName}: expected labels in 0..{ClassCount - 1} but label {i} is {labels.Data[i]}.");
        }
        return Dataset.FromIdxImages(images, labels, imagesName, labelsName);
    }

    private static string? Locate(string directory, string name)
    {
        string compressed = Path.Combine(directory, name + ".gz");
        if (File.Exists(compressed)) return compressed;
        string raw = Path.Combine(directory, name);
        return File.Exists(raw) ? raw : null;
    }
}
