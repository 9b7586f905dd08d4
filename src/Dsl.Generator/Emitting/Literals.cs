using System.Globalization;
using System.Text;

namespace Dsl.Generator.Emitting;

/// <summary>C# literals in the invariant culture, so the output does not depend on the machine that builds it.</summary>
public static class Literals
{
    /// <summary>An int literal.</summary>
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A long literal.</summary>
    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal that round-trips, e.g. <c>0.25f</c>.</summary>
    public static string Float(double value)
    {
        string text = ((float)value).ToString("R", CultureInfo.InvariantCulture);
        return text + "f";
    }

    /// <summary>A number with thousands separators for human-readable text, e.g. <c>61,706</c>.</summary>
    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A quoted, escaped C# string literal.</summary>
    public static string String(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < ' ')
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
