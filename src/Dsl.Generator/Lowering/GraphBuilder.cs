using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Lowering;

/// <summary>
/// The op graph as it is built: ops in execution order, each reading values (0 is the network input, k the output of
/// the k-th op), with every shape inferred as the op is added. Blocks need shapes while they expand (a residual adds a
/// projection only where its body changes the shape), so lowering and shape inference run together here.
/// After the first shape error the builder stops adding ops, since every later shape would depend on one that does not
/// exist, but it still validates each op's hyperparameters so that all bad arguments are reported at once.
/// </summary>
public sealed class GraphBuilder
{
    // The arena holds roughly three values per activation (output, gradient, mask) for every example of a batch,
    // so a layer whose single example alone approaches the array limit cannot be trained.
    private const long MaxFloats = int.MaxValue;
    private const long MaxActivationFloats = int.MaxValue / 64;

    private readonly List<Op> _ops = new();
    private readonly List<Shape> _shapes = new();
    private readonly List<DiagnosticInfo> _diagnostics;
    private long _parameters;

    /// <summary>Starts a graph on <paramref name="input"/>; a null input (invalid, already reported) only validates.</summary>
    public GraphBuilder(Shape? input, List<DiagnosticInfo> diagnostics)
    {
        _diagnostics = diagnostics;
        if (input is null)
            Failed = true;
        else
            _shapes.Add(input);
    }

    /// <summary>Shapes stopped making sense (or an op was invalid): the graph is incomplete.</summary>
    public bool Failed { get; private set; }

    /// <summary>The ops so far, shaped and named.</summary>
    public IReadOnlyList<Op> Ops => _ops;

    /// <summary>Where diagnostics go.</summary>
    public List<DiagnosticInfo> Diagnostics => _diagnostics;

    /// <summary>The shape of <paramref name="value"/>.</summary>
    public Shape ShapeOf(int value) => _shapes[value];

    /// <summary>Marks the graph incomplete (a block could not be expanded; its diagnostic is already added).</summary>
    public int Fail()
    {
        Failed = true;
        return -1;
    }

    /// <summary>
    /// Appends <paramref name="op"/> (null when its validation failed) reading <paramref name="inputs"/>, named in
    /// <paramref name="scope"/>; <paramref name="source"/> gives diagnostics their location. Returns the new value, or -1.
    /// </summary>
    public int Add(Op? op, Scope scope, LayerSpec source, params int[] inputs)
    {
        if (op is null || Failed || inputs.Any(i => i < 0))
            return Fail();
        Shape[] shapes = inputs.Select(i => _shapes[i]).ToArray();
        Shape? output = op.InferOutput(shapes, source, _diagnostics);
        if (output is null)
            return Fail();
        if (output.LongSize > MaxActivationFloats)
        {
            Report(source, "the output size per example " + output, output.LongSize);
            return Fail();
        }
        op = op with
        {
            Name = scope.Next(op.NamePrefix),
            Number = source.Number,
            Display = source.Display,
            Input = shapes[0],
            InputShapes = shapes.ToEquatableArray(),
            Inputs = inputs.ToEquatableArray(),
            Output = output,
        };
        foreach (ParameterSpec parameter in op.Parameters)
        {
            _parameters += parameter.LongLength;
            if (_parameters > MaxFloats)
            {
                Report(source, "the network's parameter count up to this layer", _parameters);
                return Fail();
            }
        }
        _ops.Add(op);
        _shapes.Add(output);
        return _ops.Count;
    }

    private void Report(LayerSpec layer, string what, long actual)
        => _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameterId, layer.Location,
            layer.Display, layer.Number, what, "small enough for .NET arrays", actual));
}
