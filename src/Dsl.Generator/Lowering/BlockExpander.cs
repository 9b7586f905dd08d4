using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Generator.Shapes;

namespace Dsl.Generator.Lowering;

/// <summary>
/// Expands a network's layer attributes into the op graph: primitive layers become ops, blocks (user <c>[Block]</c>
/// classes through Use, Residual, Parallel and Stage; the built-in VGG, NiN, Inception, dense and transition blocks)
/// become the ops they stand for, with shapes checked at each use. Every diagnostic inside a block points at the
/// network's attribute that uses it, and names where in the block it arose.
/// </summary>
public sealed class BlockExpander
{
    private readonly GraphBuilder _graph;

    private BlockExpander(GraphBuilder graph) => _graph = graph;

    /// <summary>Expands <paramref name="layers"/> from the network input into <paramref name="graph"/>; returns the output value, or -1.</summary>
    public static int Expand(IReadOnlyList<LayerSpec> layers, GraphBuilder graph)
        => new BlockExpander(graph).Sequence(layers, 0, Scope.Root(), default, use: null);

    private List<DiagnosticInfo> Diagnostics => _graph.Diagnostics;

    private int Sequence(IReadOnlyList<LayerSpec> layers, int value, Scope scope, BlockParameters parameters, LayerSpec? use)
    {
        foreach (LayerSpec layer in layers)
            value = Layer(layer, value, scope, parameters, use);
        return value;
    }

    /// <summary>One layer attribute. <paramref name="use"/> is the network attribute whose expansion this is (null at the top level).</summary>
    private int Layer(LayerSpec declared, int value, Scope scope, BlockParameters parameters, LayerSpec? use)
    {
        LayerSpec? layer = Resolve(declared, scope, parameters, use);
        if (layer is null)
            return _graph.Fail();
        switch (layer.Kind)
        {
            case LayerKind.Use: return Use(layer, value, scope, parameters, use ?? layer);
            case LayerKind.Parallel: return Parallel(layer, value, scope, parameters, use ?? layer);
            case LayerKind.Residual: return Residual(layer, value, scope, parameters, use ?? layer);
            case LayerKind.Stage: return Stage(layer, value, scope, use ?? layer);
            case LayerKind.VggBlock: return Vgg(layer, value, scope);
            case LayerKind.NiNBlock: return NiN(layer, value, scope);
            case LayerKind.Inception: return Inception(layer, value, scope);
            case LayerKind.DenseBlock: return DenseBlock(layer, value, scope);
            case LayerKind.Transition: return Transition(layer, value, scope);
            default: return _graph.Add(Lowerer.Create(layer, Diagnostics), scope, layer, value);
        }
    }

    /// <summary>
    /// The layer as it applies here: placeholders replaced by this use's values and, inside a block, located at the use and
    /// described with where it sits (<c>Conv(Block.Width, 3) in stage2.0.residual1</c>). Null after reporting a
    /// placeholder that has no value.
    /// </summary>
    private LayerSpec? Resolve(LayerSpec layer, Scope scope, BlockParameters parameters, LayerSpec? use)
    {
        LayerSpec site = use ?? layer;
        var arguments = new List<LayerArgument>(layer.Arguments.Count);
        bool valid = true;
        foreach (LayerArgument argument in layer.Arguments)
        {
            LayerArgument resolved = use is null ? argument : argument with { Location = site.Location };
            if (argument.Kind == ArgumentKind.Double && BlockParameters.IsPlaceholder(argument.Value))
            {
                // The placeholders are ints; one passed where a double goes (a dropout rate) arrives as its raw value.
                if (valid)
                {
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockId, use is null ? argument.Location : site.Location, site.Display, site.Number,
                        $"{layer.Display} passes {BlockParameters.NameOf(argument.IntValue)} as {argument.Name}, but the placeholders stand for whole numbers of channels, strides or groups; write {argument.Name} itself"));
                }
                valid = false;
                continue;
            }
            if (argument.Kind == ArgumentKind.Int && BlockParameters.IsPlaceholder(argument.Value))
            {
                int placeholder = argument.IntValue;
                int actual = use is null ? 0 : parameters.Resolve(placeholder);
                if (actual == 0)
                {
                    string where = use is null
                        ? $"{BlockParameters.NameOf(placeholder)} is a placeholder for [Block] classes, but {layer.Display} is in the network itself; write the value"
                        : $"{layer.Display} in {scope.Path} uses {BlockParameters.NameOf(placeholder)}, but the use sets no {BlockParameters.NameOf(placeholder).Substring("Block.".Length)}; add it, e.g. {BlockParameters.NameOf(placeholder).Substring("Block.".Length)} = 64";
                    if (valid)
                        Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockId, use is null ? argument.Location : site.Location, site.Display, site.Number, where));
                    valid = false;
                    continue;
                }
                resolved = resolved with { Value = actual };
            }
            arguments.Add(resolved);
        }
        if (!valid)
            return null;
        if (use is null)
            return layer with { Arguments = arguments.ToEquatableArray() };
        return layer with
        {
            Arguments = arguments.ToEquatableArray(),
            Location = site.Location,
            Number = site.Number,
            Display = layer.Display + " in " + (scope.Path.Length == 0 ? "the network" : scope.Path),
        };
    }

    /// <summary>The block named by the layer's <c>typeof</c> argument <paramref name="index"/>, or null after reporting why it cannot be used.</summary>
    private BlockSpec? Block(LayerSpec layer, int index)
    {
        if (index >= layer.Blocks.Count)
        {
            Report(layer, "it names no block class; pass one with typeof");
            return null;
        }
        BlockSpec block = layer.Blocks[index];
        if (block.Error is not null)
        {
            Report(layer, block.Error);
            return null;
        }
        return block;
    }

    private void Report(LayerSpec layer, string message)
        => Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockId, layer.Location, layer.Display, layer.Number, message));

    /// <summary>Reads Width, Stride, Groups and BottleneckWidth of a use (each 0 or positive) over the inherited ones.</summary>
    private bool UseParameters(LayerSpec layer, BlockParameters inherited, out BlockParameters parameters)
    {
        int width = layer.GetInt("Width", 0), stride = layer.GetInt("Stride", 0), groups = layer.GetInt("Groups", 0), bottleneck = layer.GetInt("BottleneckWidth", 0);
        bool valid = CheckArgument(layer, "Width", width >= 0, "positive", width);
        valid &= CheckArgument(layer, "Stride", stride >= 0, "positive", stride);
        valid &= CheckArgument(layer, "Groups", groups >= 0, "positive", groups);
        valid &= CheckArgument(layer, "BottleneckWidth", bottleneck >= 0, "positive", bottleneck);
        parameters = inherited.Override(width, stride, groups, bottleneck);
        return valid;
    }

    private bool CheckArgument(LayerSpec layer, string argument, bool valid, string requirement, object actual)
    {
        if (!valid)
        {
            Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameterId, layer.LocationOf(argument),
                layer.Display, layer.Number, argument, requirement, actual));
        }
        return valid;
    }

    private int Use(LayerSpec layer, int value, Scope scope, BlockParameters inherited, LayerSpec use)
    {
        bool valid = UseParameters(layer, inherited, out BlockParameters parameters);
        BlockSpec? block = Block(layer, 0);
        if (block is null || !valid)
            return _graph.Fail();
        return Sequence(block.Layers, value, scope.NextChild(LowerFirst(block.Name)), parameters, use);
    }

    private int Parallel(LayerSpec layer, int value, Scope scope, BlockParameters inherited, LayerSpec use)
    {
        bool valid = UseParameters(layer, inherited, out BlockParameters parameters);
        if (layer.Blocks.Count < 2)
        {
            Report(layer, $"a parallel block needs at least two branches but has {layer.Blocks.Count}");
            return _graph.Fail();
        }
        var blocks = new List<BlockSpec>();
        for (int i = 0; i < layer.Blocks.Count; i++)
        {
            if (Block(layer, i) is { } block)
                blocks.Add(block);
            else
                valid = false;
        }
        if (!valid)
            return _graph.Fail();
        Scope parallel = scope.NextChild("parallel");
        var outputs = new int[blocks.Count];
        for (int i = 0; i < blocks.Count; i++)
            outputs[i] = Sequence(blocks[i].Layers, value, parallel.Child("branch" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), parameters, use);
        EquatableArray<string> names = blocks.Select((b, i) => $"branch {i + 1} ({b.Name})").ToEquatableArray();
        Op merge = layer.GetInt("Merge", 0) == 1
            ? new ConcatOp(names)
            : new AddOp("make every branch produce the same shape, or use [Residual], which adds a projection shortcut where the body changes the shape", names);
        return _graph.Add(merge, parallel, layer, outputs);
    }

    private int Residual(LayerSpec layer, int value, Scope scope, BlockParameters inherited, LayerSpec use)
    {
        bool valid = UseParameters(layer, inherited, out BlockParameters parameters);
        BlockSpec? body = Block(layer, 0);
        if (body is null || !valid)
            return _graph.Fail();
        Scope residual = scope.NextChild("residual");
        int output = Sequence(body.Layers, value, residual, parameters, use);
        if (_graph.Failed)
            return -1;
        Shape input = _graph.ShapeOf(value), result = _graph.ShapeOf(output);
        int mode = layer.GetInt("Shortcut", 0);
        int shortcut = value;
        string suggestion = "the body changes the shape, so the shortcut needs a projection; remove Shortcut = Shortcut.Identity";
        if (mode == 2 || (mode == 0 && input != result))
        {
            shortcut = Projection(layer, value, input, result, residual.Child("downsample"));
            if (shortcut < 0)
                return -1;
        }
        var add = new AddOp(suggestion, EquatableArray.Create("body", "shortcut"));
        return _graph.Add(add, residual, layer, output, shortcut);
    }

    /// <summary>torchvision's downsample: a 1×1 convolution without bias to the body's channels, with the stride that gives
    /// the body's height and width, then batch norm (a bias-free dense layer for flat bodies).</summary>
    private int Projection(LayerSpec layer, int value, Shape input, Shape result, Scope scope)
    {
        if (input.IsFlat != result.IsFlat)
        {
            Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AddShapeMismatchId, layer.Location, layer.Display, layer.Number,
                $"body {result} and shortcut {input}", "a projection cannot turn a feature map into a flat vector; keep [Flatten] out of the body"));
            return _graph.Fail();
        }
        if (input.IsFlat)
        {
            LayerSpec dense = SyntheticLayer.Create(LayerKind.Dense, layer, scope.Path, new[] { ("Units", (double)result.Channels) }, new[] { ("Bias", 0.0) });
            return _graph.Add(Lowerer.Create(dense, Diagnostics), scope, dense, value);
        }
        int strideHeight = MatchingStride(input.Height, result.Height), strideWidth = MatchingStride(input.Width, result.Width);
        if (strideHeight == 0 || strideWidth == 0 || strideHeight != strideWidth)
        {
            Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AddShapeMismatchId, layer.Location, layer.Display, layer.Number,
                $"body {result} and shortcut {input}",
                "no 1×1 projection with one stride maps the input's height and width to the body's; make the body keep the size or divide it by its stride"));
            return _graph.Fail();
        }
        LayerSpec conv = SyntheticLayer.Conv(layer, scope.Path, result.Channels, 1, stride: strideHeight, bias: false);
        int projected = _graph.Add(Lowerer.Create(conv, Diagnostics), scope, conv, value);
        LayerSpec norm = SyntheticLayer.Plain(LayerKind.BatchNorm, layer, scope.Path);
        return _graph.Add(Lowerer.Create(norm, Diagnostics), scope, norm, projected);
    }

    /// <summary>The stride s of a 1×1 unpadded convolution with (size − 1) / s + 1 = target, or 0.</summary>
    private static int MatchingStride(int size, int target)
    {
        for (int stride = 1; stride <= size; stride++)
            if ((size - 1) / stride + 1 == target)
                return stride;
        return 0;
    }

    private int Stage(LayerSpec layer, int value, Scope scope, LayerSpec use)
    {
        int depth = layer.GetInt("Depth", 0), width = layer.GetInt("Width", 0), stride = layer.GetInt("Stride", 2), groupWidth = layer.GetInt("GroupWidth", 0);
        double ratio = layer.GetDouble("BottleneckRatio", 1);
        bool valid = CheckArgument(layer, "Depth", depth > 0, "positive", depth);
        valid &= CheckArgument(layer, "Width", width > 0, "positive", width);
        valid &= CheckArgument(layer, "Stride", stride > 0, "positive", stride);
        valid &= CheckArgument(layer, "BottleneckRatio", ratio > 0 && ratio <= 64, "positive (and at most 64)", ratio);
        valid &= CheckArgument(layer, "GroupWidth", groupWidth >= 0, "zero (one group) or positive", groupWidth);
        BlockSpec? block = Block(layer, 0);
        if (!valid || block is null)
            return _graph.Fail();
        // Dive into Deep Learning's AnyNet: int(round(width * bot_mul)) channels inside, in groups of GroupWidth.
        int bottleneck = Math.Max(1, (int)Math.Round(width * ratio, MidpointRounding.ToEven));
        int groups = 1;
        if (groupWidth > 0)
        {
            if (bottleneck % groupWidth != 0)
            {
                Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GroupsId, layer.LocationOf("GroupWidth"), layer.Display, layer.Number,
                    $"the bottleneck width {bottleneck} (Width {width} × BottleneckRatio {ratio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}) is not divisible by GroupWidth = {groupWidth}"));
                return _graph.Fail();
            }
            groups = bottleneck / groupWidth;
        }
        Scope stage = scope.NextChild("stage");
        for (int i = 0; i < depth; i++)
        {
            var parameters = new BlockParameters(width, i == 0 ? stride : 1, groups, bottleneck);
            value = Sequence(block.Layers, value, stage.Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), parameters, use);
        }
        return value;
    }

    /// <summary>Reports DSL004 for each of the block's own int arguments that is not positive (or, where allowed, zero).</summary>
    private bool CheckBlockArguments(LayerSpec layer, params (string Name, bool AllowZero)[] arguments)
    {
        bool valid = true;
        foreach ((string name, bool allowZero) in arguments)
        {
            int value = layer.GetInt(name, allowZero ? 0 : 1);
            valid &= CheckArgument(layer, name, allowZero ? value >= 0 : value > 0, allowZero ? "zero or positive" : "positive", value);
        }
        return valid;
    }

    private int Add(LayerSpec spec, Scope scope, int value) => _graph.Add(Lowerer.Create(spec, Diagnostics), scope, spec, value);

    private int Vgg(LayerSpec layer, int value, Scope scope)
    {
        if (!CheckBlockArguments(layer, ("Convs", false), ("Channels", false)))
            return _graph.Fail();
        Scope vgg = scope.NextChild("vgg");
        int channels = layer.GetInt("Channels", 0);
        for (int i = 0; i < layer.GetInt("Convs", 0); i++)
        {
            value = Add(SyntheticLayer.Conv(layer, vgg.Path, channels, 3, padding: 1), vgg, value);
            value = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, vgg.Path), vgg, value);
        }
        return Add(SyntheticLayer.Pool(LayerKind.MaxPool, layer, vgg.Path, 2, 2), vgg, value);
    }

    private int NiN(LayerSpec layer, int value, Scope scope)
    {
        // The parser files a square "kernel" argument under KernelHeight and KernelWidth, as for Conv.
        if (!CheckBlockArguments(layer, ("Channels", false), ("KernelHeight", false), ("Stride", false), ("Padding", true)))
            return _graph.Fail();
        Scope nin = scope.NextChild("nin");
        int channels = layer.GetInt("Channels", 0);
        value = Add(SyntheticLayer.Conv(layer, nin.Path, channels, layer.GetInt("KernelHeight", 0), layer.GetInt("Stride", 1), layer.GetInt("Padding", 0)), nin, value);
        value = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, nin.Path), nin, value);
        for (int i = 0; i < 2; i++)
        {
            value = Add(SyntheticLayer.Conv(layer, nin.Path, channels, 1), nin, value);
            value = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, nin.Path), nin, value);
        }
        return value;
    }

    private int Inception(LayerSpec layer, int value, Scope scope)
    {
        if (!CheckBlockArguments(layer, ("C1", false), ("C2Reduce", false), ("C2", false), ("C3Reduce", false), ("C3", false), ("C4", false)))
            return _graph.Fail();
        Scope inception = scope.NextChild("inception");
        int Path(Scope branch, params LayerSpec[] layers)
        {
            int current = value;
            foreach (LayerSpec spec in layers)
                current = Add(spec, branch, current);
            return current;
        }
        LayerSpec Relu(Scope s) => SyntheticLayer.Plain(LayerKind.ReLU, layer, s.Path);
        LayerSpec Conv(Scope s, string channels, int kernel, int padding = 0) => SyntheticLayer.Conv(layer, s.Path, layer.GetInt(channels, 0), kernel, padding: padding);
        Scope b1 = inception.Child("branch1"), b2 = inception.Child("branch2"), b3 = inception.Child("branch3"), b4 = inception.Child("branch4");
        int o1 = Path(b1, Conv(b1, "C1", 1), Relu(b1));
        int o2 = Path(b2, Conv(b2, "C2Reduce", 1), Relu(b2), Conv(b2, "C2", 3, 1), Relu(b2));
        int o3 = Path(b3, Conv(b3, "C3Reduce", 1), Relu(b3), Conv(b3, "C3", 5, 2), Relu(b3));
        int o4 = Path(b4, SyntheticLayer.Pool(LayerKind.MaxPool, layer, b4.Path, 3, 1, 1), Conv(b4, "C4", 1), Relu(b4));
        var names = EquatableArray.Create("branch 1 (1×1)", "branch 2 (3×3)", "branch 3 (5×5)", "branch 4 (pool)");
        return _graph.Add(new ConcatOp(names), inception, layer, o1, o2, o3, o4);
    }

    private int DenseBlock(LayerSpec layer, int value, Scope scope)
    {
        if (!CheckBlockArguments(layer, ("Convs", false), ("Growth", false), ("BottleneckWidth", true)))
            return _graph.Fail();
        Scope dense = scope.NextChild("denseblock");
        int growth = layer.GetInt("Growth", 0), bottleneck = layer.GetInt("BottleneckWidth", 0);
        bool bias = layer.GetBool("Bias", true);
        for (int i = 0; i < layer.GetInt("Convs", 0); i++)
        {
            Scope unit = dense.NextChild("layer");
            int current = Add(SyntheticLayer.Plain(LayerKind.BatchNorm, layer, unit.Path), unit, value);
            current = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, unit.Path), unit, current);
            if (bottleneck > 0)
            {
                current = Add(SyntheticLayer.Conv(layer, unit.Path, bottleneck, 1, bias: bias), unit, current);
                current = Add(SyntheticLayer.Plain(LayerKind.BatchNorm, layer, unit.Path), unit, current);
                current = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, unit.Path), unit, current);
            }
            current = Add(SyntheticLayer.Conv(layer, unit.Path, growth, 3, padding: 1, bias: bias), unit, current);
            value = _graph.Add(new ConcatOp(EquatableArray.Create("input", "new features")), unit, layer, value, current);
        }
        return value;
    }

    private int Transition(LayerSpec layer, int value, Scope scope)
    {
        if (!CheckBlockArguments(layer, ("Channels", false)))
            return _graph.Fail();
        Scope transition = scope.NextChild("transition");
        value = Add(SyntheticLayer.Plain(LayerKind.BatchNorm, layer, transition.Path), transition, value);
        value = Add(SyntheticLayer.Plain(LayerKind.ReLU, layer, transition.Path), transition, value);
        value = Add(SyntheticLayer.Conv(layer, transition.Path, layer.GetInt("Channels", 0), 1, bias: layer.GetBool("Bias", true)), transition, value);
        return Add(SyntheticLayer.Pool(LayerKind.AvgPool, layer, transition.Path, 2, 2), transition, value);
    }

    private static string LowerFirst(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);
}
