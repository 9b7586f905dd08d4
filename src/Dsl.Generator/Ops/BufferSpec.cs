using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>
/// One non-trainable state tensor of an op, what PyTorch calls a buffer (<c>bn1.running_mean</c>): kept in the
/// network's buffer array, outside the parameters, so an optimiser never sees it. <see cref="Offset"/> is set by the planner.
/// </summary>
public sealed record BufferSpec(string OpName, string Suffix, EquatableArray<int> Shape, double InitValue, int Offset = 0)
{
    /// <summary>The PyTorch name, e.g. <c>bn1.running_mean</c>.</summary>
    public string Name => OpName + "." + Suffix;

    /// <summary>Number of floats.</summary>
    public int Length => Shape.Aggregate(1, (product, d) => product * d);

    /// <summary>The generated property that views the tensor, e.g. <c>Bn1RunningMean</c>.</summary>
    public string PropertyName => ParameterSpec.PropertyPrefix(OpName) + string.Concat(Suffix.Split('_').Select(Pascal));

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);
}
