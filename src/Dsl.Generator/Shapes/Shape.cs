using System.Globalization;
using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Shapes;

/// <summary>The shape of one example, without the batch: <c>(features)</c> or <c>(channels, height, width)</c>.</summary>
public sealed record Shape(EquatableArray<int> Dims)
{
    /// <summary>A flat vector of <paramref name="features"/>.</summary>
    public static Shape Flat(int features) => new(EquatableArray.Create(features));

    /// <summary>A feature map.</summary>
    public static Shape Map(int channels, int height, int width) => new(EquatableArray.Create(channels, height, width));

    /// <summary>Whether this is a flat vector.</summary>
    public bool IsFlat => Dims.Count == 1;

    /// <summary>Channels of a feature map (features of a flat vector).</summary>
    public int Channels => Dims[0];

    /// <summary>Height of a feature map.</summary>
    public int Height => Dims[1];

    /// <summary>Width of a feature map.</summary>
    public int Width => Dims[2];

    /// <summary>Floats in one example, without overflow.</summary>
    public long LongSize => Dims.Aggregate(1L, (product, d) => product * d);

    /// <summary>Floats in one example.</summary>
    public int Size => Dims.Aggregate(1, (product, d) => product * d);

    /// <summary>The shape as Keras and PyTorch print it, e.g. <c>(16, 5, 5)</c>.</summary>
    public override string ToString() => "(" + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>The shape with a leading batch dimension, e.g. <c>(batch, 16, 5, 5)</c>.</summary>
    public string WithBatch(string batch = "batch") => "(" + batch + ", " + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
}
