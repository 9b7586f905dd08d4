using System.Collections.Generic;
using System.Globalization;

namespace Dsl.Generator.Lowering;

/// <summary>
/// Names ops as PyTorch names modules: numbered per kind in declaration order within their block (<c>conv1</c>,
/// <c>conv2</c>, <c>bn1</c>), blocks nested with dots (<c>stage2.0.residual1.conv1</c>).
/// </summary>
public sealed class Scope
{
    private readonly Dictionary<string, int> _counters = new();

    private Scope(string path) => Path = path;

    /// <summary>The network's top level.</summary>
    public static Scope Root() => new("");

    /// <summary>The dotted path of this scope, empty at the top level.</summary>
    public string Path { get; }

    /// <summary>The next name for an op or block with <paramref name="prefix"/>: <c>conv3</c>, <c>stage1.0.bn2</c>.</summary>
    public string Next(string prefix)
    {
        _counters.TryGetValue(prefix, out int count);
        _counters[prefix] = ++count;
        return Qualify(prefix + count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A new numbered child scope, e.g. <c>residual2</c>.</summary>
    public Scope NextChild(string prefix) => new(Next(prefix));

    /// <summary>A child scope with a fixed name, e.g. the <c>0</c> of <c>stage1.0</c> or <c>downsample</c>.</summary>
    public Scope Child(string name) => new(Qualify(name));

    private string Qualify(string name) => Path.Length == 0 ? name : Path + "." + name;
}
