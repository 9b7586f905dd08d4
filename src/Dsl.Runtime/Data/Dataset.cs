using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// Labelled examples held in memory: features row-major, one example after another (an image is C×H×W floats),
/// and one integer class label per example.
/// </summary>
public sealed class Dataset
{
    /// <summary>Wraps <paramref name="features"/> and <paramref name="labels"/> without copying them.</summary>
    /// <exception cref="ArgumentException">The lengths disagree with <paramref name="exampleShape"/> or with each other.</exception>
    public Dataset(float[] features, int[] labels, int[] exampleShape)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(exampleShape);
        if (exampleShape.Length == 0 || exampleShape.Any(d => d <= 0))
            throw new ArgumentException($"The example shape must have positive dimensions but was ({string.Join(", ", exampleShape)}).", nameof(exampleShape));
        int featureSize = 1;
        foreach (int d in exampleShape) featureSize = checked(featureSize * d);
        if ((long)labels.Length * featureSize != features.Length)
            throw new ArgumentException(
                $"{labels.Length} labels of examples shaped ({string.Join(", ", exampleShape)}) need {(long)labels.Length * featureSize} features but {features.Length} were given.",
                nameof(features));
        Features = features;
        Labels = labels;
        ExampleShape = (int[])exampleShape.Clone();
        FeatureSize = featureSize;
    }

    /// <summary>All features, <c>[Count, FeatureSize]</c> row-major.</summary>
    public float[] Features { get; }

    /// <summary>Class label of each example.</summary>
    public int[] Labels { get; }

    /// <summary>Shape of one example without the batch (for Fashion-MNIST images: 1, 28, 28).</summary>
    public int[] ExampleShape { get; }

    /// <summary>Number of examples.</summary>
    public int Count => Labels.Length;

    /// <summary>Floats per example (the product of <see cref="ExampleShape"/>).</summary>
    public int FeatureSize { get; }

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Example(int index) => Features.AsSpan(checked(index * FeatureSize), FeatureSize);

    /// <summary>The features of examples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), contiguous.</summary>
    public ReadOnlySpan<float> Examples(int start, int count) => Features.AsSpan(checked(start * FeatureSize), checked(count * FeatureSize));

    /// <summary>A copy of examples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public Dataset Subset(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Cannot take {count} examples from index {start} of a data set holding {Count}.");
        return new Dataset(
            Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray(),
            Labels.AsSpan(start, count).ToArray(),
            ExampleShape);
    }

    /// <summary>
    /// Builds a data set from an IDX image file (count × rows × columns bytes) and an IDX label file (count bytes),
    /// scaling pixels from 0..255 to [0, 1]. Examples are shaped (1, rows, columns), one channel.
    /// </summary>
    /// <exception cref="InvalidDataException">The two files hold different numbers of items.</exception>
    public static Dataset FromIdxImages(IdxArray images, IdxArray labels, string imagesName, string labelsName)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Dimensions.Length != 3)
            throw new ArgumentException($"{imagesName}: expected 3 dimensions (count, rows, columns) but found {images.Dimensions.Length}.", nameof(images));
        if (labels.Dimensions.Length != 1)
            throw new ArgumentException($"{labelsName}: expected 1 dimension (count) but found {labels.Dimensions.Length}.", nameof(labels));
        if (images.Count != labels.Count)
            throw new InvalidDataException(
                $"{imagesName} holds {images.Count} images but {labelsName} holds {labels.Count} labels; they must describe the same examples.");

        // Every element is written below, so skip zeroing 188 MB; dividing (not multiplying by 1/255) gives exactly
        // k / 255f, as torchvision's ToTensor does.
        var features = GC.AllocateUninitializedArray<float>(images.Data.Length);
        TensorPrimitives.ConvertChecked<byte, float>(images.Data, features);
        TensorPrimitives.Divide(features, 255f, features);

        var labelValues = new int[labels.Count];
        for (int i = 0; i < labelValues.Length; i++) labelValues[i] = labels.Data[i];
        return new Dataset(features, labelValues, [1, images.Dimensions[1], images.Dimensions[2]]);
    }
}
