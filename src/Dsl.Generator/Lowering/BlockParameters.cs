namespace Dsl.Generator.Lowering;

/// <summary>
/// The values a block's placeholders (<c>Block.Width</c>, <c>Block.Stride</c>…) take at one use; 0 means not given.
/// A nested use inherits what it does not set.
/// </summary>
public readonly record struct BlockParameters(int Width, int Stride, int Groups, int BottleneckWidth)
{
    /// <summary>The placeholder constants of <c>Dsl.Block</c>.</summary>
    public const int WidthPlaceholder = -1_000_001, StridePlaceholder = -1_000_002, GroupsPlaceholder = -1_000_003, BottleneckWidthPlaceholder = -1_000_004;

    /// <summary>Whether <paramref name="value"/> is one of the placeholders.</summary>
    public static bool IsPlaceholder(double value) => value is <= WidthPlaceholder and >= BottleneckWidthPlaceholder && value == (int)value;

    /// <summary>How the placeholder is written, e.g. <c>Block.Width</c>.</summary>
    public static string NameOf(int placeholder) => placeholder switch
    {
        WidthPlaceholder => "Block.Width",
        StridePlaceholder => "Block.Stride",
        GroupsPlaceholder => "Block.Groups",
        _ => "Block.BottleneckWidth",
    };

    /// <summary>The value of <paramref name="placeholder"/> here, or 0 when the use gives none (stride and groups default to 1).</summary>
    public int Resolve(int placeholder) => placeholder switch
    {
        WidthPlaceholder => Width,
        StridePlaceholder => Stride == 0 ? 1 : Stride,
        GroupsPlaceholder => Groups == 0 ? 1 : Groups,
        _ => BottleneckWidth,
    };

    /// <summary>These parameters with the ones <paramref name="width"/>… set (non-zero) replaced.</summary>
    public BlockParameters Override(int width, int stride, int groups, int bottleneckWidth)
        => new(width != 0 ? width : Width, stride != 0 ? stride : Stride, groups != 0 ? groups : Groups,
            bottleneckWidth != 0 ? bottleneckWidth : BottleneckWidth);
}
