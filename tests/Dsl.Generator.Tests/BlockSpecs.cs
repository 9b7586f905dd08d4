using Dsl.Generator.Model;

namespace Dsl.Generator.Tests;

/// <summary>
/// Network specs with blocks, built in code as the parser would produce them (placeholders as their constant values,
/// blocks as <see cref="BlockSpec"/> values on the using layer), so the lower–infer–plan pipeline can be tested on
/// branching graphs without Roslyn.
/// </summary>
internal static class BlockSpecs
{
    // The constants of Dsl.Block, as the parser reads them from the attribute arguments.
    public const int Width = -1_000_001, Stride = -1_000_002, Groups = -1_000_003, BottleneckWidth = -1_000_004;

    public const int MergeAdd = 0, MergeConcat = 1;
    public const int ShortcutAuto = 0, ShortcutIdentity = 1, ShortcutProjection = 2;

    public static LayerSpec Layer(LayerKind kind, params (string Name, double Value)[] arguments) =>
        new(kind, kind.ToString(), kind.ToString(), 0, Location: null,
            arguments.Select(a => new LayerArgument(a.Name, a.Name is "BottleneckRatio" ? ArgumentKind.Double : ArgumentKind.Int, a.Value, null))
                .ToEquatableArray());

    public static LayerSpec Conv(int channels, int kernel, int stride = 1, int padding = 0, bool bias = true, int groups = 1) =>
        Layer(LayerKind.Conv, ("Channels", channels), ("KernelHeight", kernel), ("KernelWidth", kernel),
            ("Stride", stride), ("Padding", padding), ("Bias", bias ? 1 : 0), ("Groups", groups));

    public static LayerSpec Dense(int units) => Layer(LayerKind.Dense, ("Units", units));

    public static LayerSpec Relu => Layer(LayerKind.ReLU);
    public static LayerSpec Tanh => Layer(LayerKind.Tanh);
    public static LayerSpec Sigmoid => Layer(LayerKind.Sigmoid);
    public static LayerSpec PRelu => Layer(LayerKind.PReLU);
    public static LayerSpec BatchNorm => Layer(LayerKind.BatchNorm);
    public static LayerSpec Flatten => Layer(LayerKind.Flatten);
    public static LayerSpec GlobalAvgPool => Layer(LayerKind.GlobalAvgPool);

    /// <summary>GlobalAvgPool, Flatten, Dense(classes): the head every test network ends with.</summary>
    public static LayerSpec[] Head(int classes = 3) => [GlobalAvgPool, Flatten, Dense(classes)];

    public static BlockSpec Block(string name, params LayerSpec[] layers) =>
        new(name, layers.Select((l, i) => l with { Number = i + 1 }).ToEquatableArray());

    public static BlockSpec Identity => Block("Identity");

    /// <summary>Two 3×3 convolutions of the use's width, the first with its stride (Dsl.Models.Tests' TwoConvs).</summary>
    public static BlockSpec TwoConvs => Block("TwoConvs",
        Layer(LayerKind.Conv, ("Channels", Width), ("KernelHeight", 3), ("KernelWidth", 3), ("Padding", 1), ("Stride", Stride)),
        Tanh,
        Layer(LayerKind.Conv, ("Channels", Width), ("KernelHeight", 3), ("KernelWidth", 3), ("Padding", 1)));

    /// <summary>A 1×1 convolution of the use's width and a sigmoid.</summary>
    public static BlockSpec Pointwise => Block("Pointwise",
        Layer(LayerKind.Conv, ("Channels", Width), ("KernelHeight", 1), ("KernelWidth", 1)), Sigmoid);

    /// <summary>Dsl.BasicResidualBody: conv-bn-relu-conv-bn without biases.</summary>
    public static BlockSpec BasicResidualBody => Block("BasicResidualBody",
        Layer(LayerKind.Conv, ("Channels", Width), ("KernelHeight", 3), ("KernelWidth", 3), ("Stride", Stride), ("Padding", 1), ("Bias", 0)),
        BatchNorm, Relu,
        Layer(LayerKind.Conv, ("Channels", Width), ("KernelHeight", 3), ("KernelWidth", 3), ("Padding", 1), ("Bias", 0)),
        BatchNorm);

    /// <summary>Dsl.BasicResidual: [Residual(typeof(BasicResidualBody)), ReLU].</summary>
    public static BlockSpec BasicResidual => Block("BasicResidual", Residual(BasicResidualBody), Relu);

    public static LayerSpec Use(BlockSpec block, int width = 0, int stride = 0) =>
        Layer(LayerKind.Use, UseArguments(width, stride)) with { Blocks = EquatableArray.Create(block) };

    public static LayerSpec Residual(BlockSpec body, int width = 0, int stride = 0, int shortcut = ShortcutAuto) =>
        Layer(LayerKind.Residual, [.. UseArguments(width, stride), ("Shortcut", shortcut)]) with { Blocks = EquatableArray.Create(body) };

    public static LayerSpec Parallel(int merge, int width, params BlockSpec[] branches) =>
        Layer(LayerKind.Parallel, [("Merge", merge), .. UseArguments(width, 0)]) with { Blocks = branches.ToEquatableArray() };

    public static LayerSpec Stage(int depth, int width, int stride, BlockSpec block, double bottleneckRatio = 1, int groupWidth = 0) =>
        Layer(LayerKind.Stage, ("Depth", depth), ("Width", width), ("Stride", stride), ("BottleneckRatio", bottleneckRatio), ("GroupWidth", groupWidth))
            with { Blocks = EquatableArray.Create(block) };

    public static LayerSpec Inception(int c1, int c2Reduce, int c2, int c3Reduce, int c3, int c4) =>
        Layer(LayerKind.Inception, ("C1", c1), ("C2Reduce", c2Reduce), ("C2", c2), ("C3Reduce", c3Reduce), ("C3", c3), ("C4", c4));

    public static LayerSpec DenseBlock(int convs, int growth, int bottleneckWidth = 0) =>
        Layer(LayerKind.DenseBlock, ("Convs", convs), ("Growth", growth), ("BottleneckWidth", bottleneckWidth));

    public static LayerSpec Transition(int channels) => Layer(LayerKind.Transition, ("Channels", channels));

    public static NetworkSpec Network(int[] input, params LayerSpec[] layers) =>
        new(Namespace: "Demo", ClassName: "Net", HintName: "Demo.Net.g.cs", Accessibility: "public",
            ContainingTypes: EquatableArray<string>.Empty, IsPartial: true, ClassLocation: null, NetworkLocation: null,
            InputShape: input.ToEquatableArray(), InputShapeLocations: EquatableArray<LocationInfo>.Empty,
            Init: InitializerKind.Xavier,
            Layers: layers.Select((l, i) => l with { Number = i + 1 }).ToEquatableArray(), HasErrors: false);

    private static (string, double)[] UseArguments(int width, int stride)
    {
        var arguments = new List<(string, double)>();
        if (width != 0) arguments.Add(("Width", width));
        if (stride != 0) arguments.Add(("Stride", stride));
        return [.. arguments];
    }

    // ---- the networks the planner tests run on ----------------------------------------------------------------

    public static NetworkSpec ResidualIdentity() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Tanh, Residual(TwoConvs, width: 3), Relu, .. Head()]);

    public static NetworkSpec ResidualProjection() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Tanh, Residual(TwoConvs, width: 4, stride: 2), Relu, .. Head()]);

    public static NetworkSpec ResidualForcedProjection() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Residual(TwoConvs, width: 3, shortcut: ShortcutProjection), Relu, .. Head()]);

    /// <summary>Two residuals in a row, the second on the first's sum: the sum's gradient is shared, written and accumulated.</summary>
    public static NetworkSpec ResidualChain() => Network([3, 8, 8],
        [Conv(4, 3, padding: 1), Residual(TwoConvs, width: 4), Residual(TwoConvs, width: 4), Relu, Residual(TwoConvs, width: 8, stride: 2), .. Head()]);

    public static NetworkSpec ParallelAddIdentityTwice() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Parallel(MergeAdd, 0, Identity, Identity), Tanh, .. Head()]);

    public static NetworkSpec ParallelAddIdentityAndConv() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Parallel(MergeAdd, 3, Identity, Pointwise), Parallel(MergeConcat, 2, Pointwise, Identity), .. Head()]);

    public static NetworkSpec ThreeIdentityBranches() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Relu, Parallel(MergeAdd, 0, Identity, Identity, Identity), Parallel(MergeConcat, 0, Identity, Identity), .. Head()]);

    public static NetworkSpec InceptionNet() => Network([3, 5, 5],
        [Conv(4, 1), Relu, Inception(2, 2, 3, 1, 2, 2), Flatten, Dense(3)]);

    public static NetworkSpec DenseNet() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), DenseBlock(3, 2), Transition(3), Flatten, Dense(3)]);

    public static NetworkSpec DenseNetBottleneck() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), DenseBlock(2, 2, bottleneckWidth: 4), Transition(4), Flatten, Dense(3)]);

    public static NetworkSpec StageOfBasicBlocks() => Network([3, 8, 8],
        [Conv(4, 3, padding: 1, bias: false), BatchNorm, Relu, Stage(2, 8, 2, BasicResidual), .. Head()]);

    /// <summary>A residual whose body is only activations: every body op could run in place over the block input,
    /// which the shortcut still needs.</summary>
    public static NetworkSpec ActivationOnlyResidual() => Network([2, 6, 6],
        [Conv(3, 3, padding: 1), Residual(Block("Activations", Relu, Tanh, Sigmoid)), Relu, Residual(Block("OneRelu", Relu)), .. Head()]);

    /// <summary>The same on a flat input, with PReLU (which has a parameter) in the body.</summary>
    public static NetworkSpec FlatActivationResidual() => Network([8],
        [Dense(6), Residual(Block("Activations", PRelu, Relu)), Tanh, Residual(Block("Dense", Dense(6), Relu)), Dense(3)]);

    /// <summary>A residual on the network input itself: no gradient is needed for the input, only for the body's parameters.</summary>
    public static NetworkSpec ResidualOnInput() => Network([3, 6, 6],
        [Residual(TwoConvs, width: 3), Relu, .. Head()]);
}
