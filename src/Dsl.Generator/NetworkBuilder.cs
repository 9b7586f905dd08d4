using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Lowering;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Generator.Planning;
using Dsl.Generator.Shapes;
using static System.FormattableString;

namespace Dsl.Generator;

/// <summary>The middle of the pipeline: validate the spec, lower, infer shapes, plan. Pure, no Roslyn symbols.</summary>
public static class NetworkBuilder
{
    /// <summary>Builds <paramref name="spec"/> into a model, or diagnostics saying why it cannot be built. Never throws.</summary>
    public static BuildResult Build(NetworkSpec spec, CancellationToken cancellationToken = default)
    {
        try
        {
            return BuildCore(spec, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return new BuildResult(null, EquatableArray.Create(
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalErrorId, spec.NetworkLocation, spec.DisplayName, Describe(exception))));
        }
    }

    /// <summary>One line describing an unexpected exception, for DSL999.</summary>
    public static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;

    private static BuildResult BuildCore(NetworkSpec spec, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (spec.ParseError is not null)
        {
            return new BuildResult(null, EquatableArray.Create(
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalErrorId, spec.NetworkLocation, spec.DisplayName, spec.ParseError)));
        }
        if (spec.HasErrors)
            return new BuildResult(null, EquatableArray<DiagnosticInfo>.Empty);

        if (spec.IsRecord)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, spec.ClassLocation, spec.DisplayName,
                "a record cannot be a network, because its synthesized members and constructors conflict with the generated ones; declare 'partial class " + spec.DisplayName + "'"));
        }
        else if (spec.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, spec.ClassLocation, spec.DisplayName,
                "a static class cannot hold the parameters and buffers of a network; remove 'static'"));
        }
        else if (!spec.IsPartial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, spec.ClassLocation, spec.DisplayName,
                "add 'partial' to the declaration"));
        }
        else if (spec.NonPartialContainingType is { } outer)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartialId, spec.ClassLocation, spec.DisplayName,
                "its containing type '" + outer + "' must be partial too, since the generated part is nested in it"));
        }

        // Recurrent networks take their own path (sequence spec → runtime recurrent layers), see SequenceLowerer.
        if (SequenceLowerer.IsSequence(spec))
            return SequenceLowerer.Build(spec, diagnostics);

        Shape? input = ValidateInput(spec, diagnostics);
        if (spec.Layers.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayersId, spec.NetworkLocation, spec.DisplayName));

        cancellationToken.ThrowIfCancellationRequested();
        var graph = new GraphBuilder(input, diagnostics);
        int output = BlockExpander.Expand(spec.Layers, graph);
        IReadOnlyList<Op> ops = graph.Ops;
        if (!graph.Failed && output == 0 && spec.Layers.Count > 0)
        {
            LayerSpec last = spec.Layers[spec.Layers.Count - 1];
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockId, last.Location, last.Display, last.Number,
                "the network's blocks pass the input through unchanged; a network needs at least one layer that computes something"));
        }
        if (!graph.Failed && output > 0 && !graph.ShapeOf(output).IsFlat)
        {
            LayerSpec last = spec.Layers[spec.Layers.Count - 1];
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputNotFlatId, last.Location, spec.DisplayName, graph.ShapeOf(output).ToString()));
        }

        if (diagnostics.Count > 0 || graph.Failed || input is null || output <= 0)
            return new BuildResult(null, diagnostics.ToEquatableArray());

        cancellationToken.ThrowIfCancellationRequested();
        Plan plan = Planner.Create(ops);
        var model = new NetworkModel(spec.Namespace, spec.ClassName, spec.HintName, spec.Accessibility, spec.ContainingTypes,
            input, spec.Init, ops.ToEquatableArray(), plan);
        return new BuildResult(model, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static Shape? ValidateInput(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        EquatableArray<int> dims = spec.InputShape;
        if (dims.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, spec.NetworkLocation,
                Invariant($"Network '{spec.DisplayName}' declares no input shape; give the shape of one example without the batch, e.g. [Network(784)] or [Network(1, 28, 28)]")));
            return null;
        }
        if (dims.Count != 1 && dims.Count != 3)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, spec.NetworkLocation,
                Invariant($"Network '{spec.DisplayName}' declares input shape {new Shape(dims)} of rank {dims.Count}; expected (features) or (channels, height, width)")));
            return null;
        }
        bool valid = true;
        long size = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            size *= Math.Max(dims[i], 1);
            if (dims[i] > 0)
                continue;
            string axis = dims.Count == 1 ? "features" : new[] { "channels", "height", "width" }[i];
            LocationInfo? location = i < spec.InputShapeLocations.Count ? spec.InputShapeLocations[i] : spec.NetworkLocation;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, location,
                Invariant($"Network '{spec.DisplayName}' input {axis} must be positive but is {dims[i]} in input shape {new Shape(dims)}")));
            valid = false;
        }
        if (valid && size > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, spec.NetworkLocation,
                Invariant($"Network '{spec.DisplayName}' input shape {new Shape(dims)} has {size} elements per example, more than an array can hold")));
            valid = false;
        }
        return valid ? new Shape(dims) : null;
    }
}
