using System.Linq;

namespace Dsl.Generator.Model;

/// <summary>A diagnostic to report, as equatable values: the rule id, where, and the values its message names.</summary>
public sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    /// <summary>Creates a diagnostic of rule <paramref name="id"/> with the given message arguments.</summary>
    public static DiagnosticInfo Create(string id, LocationInfo? location, params object[] messageArgs)
        => new(id, location, messageArgs.Select(Format).ToEquatableArray());

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        System.IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
