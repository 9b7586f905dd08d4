using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Ops;

/// <summary>How a parameter tensor starts out.</summary>
public enum ParameterInit
{
    /// <summary>The network's weight scheme (Xavier or He) with the parameter's fan-in and fan-out.</summary>
    Weight,
    /// <summary>Zeros (biases).</summary>
    Zero,
    /// <summary>Every element set to <see cref="ParameterSpec.InitValue"/> (PReLU slopes).</summary>
    Constant,
}

/// <summary>
/// One parameter tensor of an op: <see cref="Suffix"/> is PyTorch's attribute name (<c>weight</c>, <c>bias</c>),
/// <see cref="Offset"/> its place in the contiguous parameter array (set by the planner).
/// </summary>
public sealed record ParameterSpec(
    string OpName,
    string Suffix,
    EquatableArray<int> Shape,
    int FanIn,
    int FanOut,
    ParameterInit Init,
    double InitValue = 0,
    int Offset = 0)
{
    /// <summary>The PyTorch name, e.g. <c>conv1.weight</c>.</summary>
    public string Name => OpName + "." + Suffix;

    /// <summary>Number of floats, without overflow.</summary>
    public long LongLength
    {
        get
        {
            long length = 1;
            foreach (int d in Shape)
                length *= d;
            return length;
        }
    }

    /// <summary>Number of floats.</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int d in Shape)
                length *= d;
            return length;
        }
    }

    /// <summary>The generated property that views the tensor, e.g. <c>Conv1Weight</c>.</summary>
    public string PropertyName => PropertyPrefix(OpName) + Pascal(Suffix);

    /// <summary>The generated property that views its gradient, e.g. <c>Conv1WeightGradient</c>.</summary>
    public string GradientPropertyName => PropertyName + "Gradient";

    /// <summary>
    /// An op name as the start of a property name: <c>conv1</c> → <c>Conv1</c>, a nested <c>stage1.0.conv1</c> →
    /// <c>Stage1_0_Conv1</c> (the underscores keep <c>stage1.0</c> and <c>stage10</c> apart).
    /// </summary>
    public static string PropertyPrefix(string opName) => string.Join("_", opName.Split('.').Select(Pascal));

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);
}
