using System.Globalization;

namespace Dsl.Train;

/// <summary>
/// <c>--name value</c> options of the sequence commands (<c>lm</c>, <c>translate</c>, <c>sine</c>), checked against the names a
/// command accepts so a misspelt option is an error rather than silently ignored.
/// </summary>
internal sealed class SequenceArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public SequenceArguments(IReadOnlyList<string> args, int start, IReadOnlyCollection<string> known)
    {
        for (int i = start; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") { Help = true; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"unexpected argument '{arg}'; options start with --.");
            string name = arg, value;
            int equals = arg.IndexOf('=');
            if (equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                if (i + 1 >= args.Count) throw new UsageException($"{name} needs a value.");
                value = args[++i];
            }
            if (!known.Contains(name))
                throw new UsageException($"unknown option '{name}'; this command accepts {string.Join(", ", known)}.");
            _values[name] = value;
        }
    }

    public bool Help { get; }

    public string? String(string name) => _values.TryGetValue(name, out string? v) ? v : null;

    public int Int(string name, int fallback, int min = 1)
    {
        if (!_values.TryGetValue(name, out string? value)) return fallback;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min)
            throw new UsageException($"{name} expects a whole number ≥ {min} but got '{value}'.");
        return n;
    }

    public float Float(string name, float fallback, float min = 0f, bool inclusive = true, float max = float.PositiveInfinity)
    {
        if (!_values.TryGetValue(name, out string? value)) return fallback;
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x)
            || (inclusive ? x < min : x <= min) || x >= max)
            throw new UsageException($"{name} expects a number {(inclusive ? "≥" : ">")} {min.ToString(CultureInfo.InvariantCulture)}{(float.IsFinite(max) ? $" and < {max.ToString(CultureInfo.InvariantCulture)}" : "")} but got '{value}'.");
        return x;
    }
}
