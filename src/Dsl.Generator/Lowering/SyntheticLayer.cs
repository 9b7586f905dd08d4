using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Lowering;

/// <summary>
/// Layer specs the built-in blocks expand into (an Inception block's convolutions, a residual's projection), written as
/// if the user had declared them, located at the block's attribute so that any error points at the use.
/// </summary>
public static class SyntheticLayer
{
    /// <summary>A layer of <paramref name="kind"/> with positional and named arguments, as they would be written.</summary>
    public static LayerSpec Create(LayerKind kind, LayerSpec use, string scopePath,
        IReadOnlyList<(string Property, double Value)> positional, IReadOnlyList<(string Property, double Value)>? named = null)
    {
        string name = kind.ToString();
        var arguments = new List<LayerArgument>();
        var shown = new List<string>();
        foreach ((string property, double value) in positional)
        {
            Add(arguments, property, value, use);
            if (!property.EndsWith("Width", System.StringComparison.Ordinal) || !property.StartsWith("Kernel", System.StringComparison.Ordinal))
                shown.Add(Text(value));
        }
        foreach ((string property, double value) in named ?? System.Array.Empty<(string, double)>())
        {
            Add(arguments, property, value, use);
            shown.Add(property + " = " + (property == "Bias" ? (value != 0 ? "true" : "false") : Text(value)));
        }
        string display = shown.Count == 0 ? name : name + "(" + string.Join(", ", shown) + ")";
        return new LayerSpec(kind, name, display + " in " + scopePath, use.Number, use.Location, arguments.ToEquatableArray());
    }

    /// <summary><c>[Conv(channels, kernel, Stride, Padding, Bias, Groups)]</c>, leaving defaults out.</summary>
    public static LayerSpec Conv(LayerSpec use, string scopePath, int channels, int kernel, int stride = 1, int padding = 0, bool bias = true, int groups = 1)
    {
        var named = new List<(string, double)>();
        if (stride != 1) named.Add(("Stride", stride));
        if (padding != 0) named.Add(("Padding", padding));
        if (groups != 1) named.Add(("Groups", groups));
        if (!bias) named.Add(("Bias", 0));
        return Create(LayerKind.Conv, use, scopePath, new[] { ("Channels", (double)channels), ("KernelHeight", kernel), ("KernelWidth", kernel) }, named);
    }

    /// <summary>A layer without arguments: <c>ReLU</c>, <c>BatchNorm</c>.</summary>
    public static LayerSpec Plain(LayerKind kind, LayerSpec use, string scopePath) => Create(kind, use, scopePath, System.Array.Empty<(string, double)>());

    /// <summary><c>[MaxPool]</c> or <c>[AvgPool]</c> with a square window.</summary>
    public static LayerSpec Pool(LayerKind kind, LayerSpec use, string scopePath, int kernel, int stride, int padding = 0)
    {
        var named = new List<(string, double)> { ("Stride", stride) };
        if (padding != 0) named.Add(("Padding", padding));
        return Create(kind, use, scopePath, new[] { ("KernelHeight", (double)kernel), ("KernelWidth", kernel) }, named);
    }

    private static void Add(List<LayerArgument> arguments, string property, double value, LayerSpec use)
        => arguments.Add(new LayerArgument(property, property == "Bias" ? ArgumentKind.Bool : ArgumentKind.Int, value, use.Location));

    private static string Text(double value) => ((int)value).ToString(CultureInfo.InvariantCulture);
}
