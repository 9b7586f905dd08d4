using Dsl.Generator.Model;
using Dsl.Generator.Ops;
using Dsl.Generator.Planning;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// The pure middle of the pipeline (lower, infer, plan) on specs built in code, without Roslyn: shape rules, parameter
/// layout, and a simulation of the planned arena that fails if any buffer is overwritten while something still needs it.
/// </summary>
public sealed class PipelineTests
{
    // ---- building specs by hand -------------------------------------------------------------------------------

    private static LayerSpec Layer(int number, LayerKind kind, params (string Name, double Value)[] arguments) =>
        new(kind, kind.ToString(), kind.ToString(), number, Location: null,
            arguments.Select(a => new LayerArgument(a.Name, a.Name == "P" || a.Name == "Init" ? ArgumentKind.Double : ArgumentKind.Int, a.Value, null))
                .ToEquatableArray());

    private static NetworkSpec Spec(int[] input, params Func<int, LayerSpec>[] layers) =>
        new(Namespace: "Demo", ClassName: "Net", HintName: "Demo.Net.g.cs", Accessibility: "public",
            ContainingTypes: EquatableArray<string>.Empty, IsPartial: true, ClassLocation: null, NetworkLocation: null,
            InputShape: input.ToEquatableArray(), InputShapeLocations: EquatableArray<LocationInfo>.Empty,
            Init: InitializerKind.Xavier,
            Layers: layers.Select((make, i) => make(i + 1)).ToEquatableArray(), HasErrors: false);

    private static Func<int, LayerSpec> Dense(int units, bool bias = true) =>
        n => Layer(n, LayerKind.Dense, bias ? [("Units", units)] : [("Units", units), ("Bias", 0)]);

    private static Func<int, LayerSpec> Conv(int channels, int kernel, int stride = 1, int padding = 0, bool bias = true) =>
        n => Layer(n, LayerKind.Conv, [("Channels", channels), ("KernelHeight", kernel), ("KernelWidth", kernel),
            ("Stride", stride), ("Padding", padding), ("Bias", bias ? 1 : 0)]);

    private static Func<int, LayerSpec> ConvRect(int channels, int kh, int kw, int padH = -1, int padW = -1) =>
        n => Layer(n, LayerKind.Conv, [("Channels", channels), ("KernelHeight", kh), ("KernelWidth", kw),
            ("PaddingHeight", padH), ("PaddingWidth", padW)]);

    private static Func<int, LayerSpec> MaxPool(int kernel, int stride = 0, int padding = 0) =>
        n => Layer(n, LayerKind.MaxPool, [("KernelHeight", kernel), ("KernelWidth", kernel), ("Stride", stride), ("Padding", padding)]);

    private static Func<int, LayerSpec> AvgPool(int kernel, int stride = 0) =>
        n => Layer(n, LayerKind.AvgPool, [("KernelHeight", kernel), ("KernelWidth", kernel), ("Stride", stride)]);

    private static Func<int, LayerSpec> Simple(LayerKind kind) => n => Layer(n, kind);

    private static Func<int, LayerSpec> Dropout(double p) => n => Layer(n, LayerKind.Dropout, [("P", p)]);

    private static readonly Func<int, LayerSpec> Flatten = Simple(LayerKind.Flatten);
    private static readonly Func<int, LayerSpec> Relu = Simple(LayerKind.ReLU);
    private static readonly Func<int, LayerSpec> Sigmoid = Simple(LayerKind.Sigmoid);
    private static readonly Func<int, LayerSpec> Tanh = Simple(LayerKind.Tanh);
    private static readonly Func<int, LayerSpec> PRelu = Simple(LayerKind.PReLU);

    private static NetworkSpec LeNetModern() => Spec([1, 28, 28],
        Conv(6, 5, padding: 2), Relu, MaxPool(2), Conv(16, 5), Relu, MaxPool(2), Flatten, Dense(120), Relu, Dense(84), Relu, Dense(10));

    private static NetworkModel BuildValid(NetworkSpec spec)
    {
        var result = NetworkBuilder.Build(spec);
        Assert.True(result.Model is not null, "build failed: " + string.Join("; ", result.Diagnostics.Select(d => d.Id + " " + string.Join(" | ", d.MessageArgs))));
        Assert.Empty(result.Diagnostics);
        return result.Model;
    }

    // ---- shape inference --------------------------------------------------------------------------------------

    [Fact]
    public void LeNet_shapes_names_parameters_and_flops()
    {
        var model = BuildValid(LeNetModern());

        Assert.Equal(
            ["(6, 28, 28)", "(6, 28, 28)", "(6, 14, 14)", "(16, 10, 10)", "(16, 10, 10)", "(16, 5, 5)", "(400)", "(120)", "(120)", "(84)", "(84)", "(10)"],
            model.Ops.Select(o => o.Output.ToString()));
        Assert.Equal(
            ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "fc1", "relu3", "fc2", "relu4", "fc3"],
            model.Ops.Select(o => o.Name));
        Assert.Equal(61_706, model.Plan.ParameterCount);
        Assert.Equal(429_332, model.Ops.Sum(o => o.Flops));
        Assert.Equal("(10)", model.Output.ToString());
    }

    [Theory]
    [InlineData(new[] { 3, 32, 32 }, "(8, 16, 16)", 8, 3, 2, 1)]   // ResNet-style stem: (32 + 2 - 3) / 2 + 1
    [InlineData(new[] { 1, 7, 7 }, "(4, 3, 3)", 4, 3, 2, 0)]       // (7 - 3) / 2 + 1
    [InlineData(new[] { 1, 5, 5 }, "(2, 5, 5)", 2, 3, 1, 1)]       // "same" padding
    [InlineData(new[] { 2, 8, 8 }, "(3, 2, 2)", 3, 4, 3, 0)]       // floor((8 - 4) / 3) + 1 = 2
    public void Conv_output_follows_pytorch_arithmetic(int[] input, string expected, int channels, int kernel, int stride, int padding)
    {
        var model = BuildValid(Spec(input, Conv(channels, kernel, stride, padding), Flatten, Dense(2)));
        Assert.Equal(expected, model.Ops[0].Output.ToString());
    }

    [Fact]
    public void Rectangular_kernel_and_per_axis_padding()
    {
        var model = BuildValid(Spec([1, 10, 12], ConvRect(4, 3, 5, padH: 1, padW: 0), Flatten, Dense(2)));
        Assert.Equal("(4, 10, 8)", model.Ops[0].Output.ToString());
    }

    [Theory]
    [InlineData(3, 2, 1, "(8, 8, 8)")]   // overlapping max pool of ResNet: (16 + 2 - 3) / 2 + 1
    [InlineData(2, 0, 0, "(8, 8, 8)")]   // stride 0 means the window
    [InlineData(3, 0, 0, "(8, 5, 5)")]   // floor(16 / 3)
    public void Pool_output_follows_pytorch_arithmetic(int kernel, int stride, int padding, string expected)
    {
        var model = BuildValid(Spec([8, 16, 16], MaxPool(kernel, stride, padding), Flatten, Dense(2)));
        Assert.Equal(expected, model.Ops[0].Output.ToString());
    }

    [Fact]
    public void Parameters_without_bias_and_prelu_slope()
    {
        var model = BuildValid(Spec([1, 6, 6], Conv(2, 3, bias: false), PRelu, Flatten, Dense(5, bias: false), Tanh, Dense(3)));
        Assert.Equal(
            ["conv1.weight", "prelu1.weight", "fc1.weight", "fc2.weight", "fc2.bias"],
            model.Plan.Parameters.Select(p => p.OpName + "." + p.Suffix));
        // conv 2·1·3·3, one slope, fc1 32·5, fc2 5·3 + 3
        Assert.Equal(18 + 1 + 160 + 18, model.Plan.ParameterCount);
        int offset = 0;
        foreach (var parameter in model.Plan.Parameters)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Shape.Aggregate(1, (a, b) => a * b);
        }
        Assert.Equal(model.Plan.ParameterCount, offset);
    }

    [Theory]
    [InlineData("DSL005", "(16, 5, 5)")]
    public void Dense_on_feature_map_reports_the_shape(string id, string shape)
    {
        var spec = Spec([1, 28, 28], Conv(6, 5, padding: 2), Relu, MaxPool(2), Conv(16, 5), Relu, MaxPool(2), Dense(120), Dense(10));
        var result = NetworkBuilder.Build(spec);
        Assert.Null(result.Model);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(shape, diagnostic.MessageArgs);
    }

    [Fact]
    public void Every_invalid_argument_is_reported_at_once()
    {
        var result = NetworkBuilder.Build(Spec([1, 8, 8], Conv(0, 3), Conv(4, 3, stride: 0), Flatten, Dense(0)));
        Assert.Null(result.Model);
        Assert.Equal(3, result.Diagnostics.Count(d => d.Id == "DSL004"));
    }

    [Fact]
    public void Build_result_is_equatable_so_the_pipeline_can_cache_it()
    {
        Assert.Equal(NetworkBuilder.Build(LeNetModern()), NetworkBuilder.Build(LeNetModern()));
        Assert.NotEqual(
            NetworkBuilder.Build(Spec([784], Dense(256), Relu, Dense(10))),
            NetworkBuilder.Build(Spec([784], Dense(128), Relu, Dense(10))));
    }

    // ---- planner ----------------------------------------------------------------------------------------------

    public static TheoryData<string, NetworkSpec> Networks => new()
    {
        { "LeNetModern", LeNetModern() },
        { "LeNetClassic", Spec([1, 28, 28], Conv(6, 5, padding: 2), Sigmoid, AvgPool(2), Conv(16, 5), Sigmoid, AvgPool(2), Flatten, Dense(120), Sigmoid, Dense(84), Sigmoid, Dense(10)) },
        { "Mlp", Spec([784], Dense(256), Relu, Dense(10)) },
        { "Mlp256", Spec([784], Dense(256), Relu, Dense(128), Relu, Dense(100), Relu, Dense(10)) },
        { "single dense", Spec([4], Dense(3)) },
        { "activation first", Spec([16], Relu, Tanh, Dense(4)) },
        { "prelu first", Spec([16], PRelu, Dense(4)) },
        { "dropout everywhere", Spec([32], Dropout(0.2), Dense(16), Relu, Dropout(0.5), Dense(8), Sigmoid, Dropout(0.1), Dense(3)) },
        { "conv dropout prelu", Spec([3, 12, 12], Conv(4, 3, padding: 1), PRelu, Dropout(0.3), MaxPool(2), Conv(8, 3, stride: 2), Tanh, AvgPool(2), Flatten, Dropout(0.5), Dense(5)) },
        { "pool first", Spec([2, 8, 8], MaxPool(2), Conv(3, 3), Relu, Flatten, Dense(2)) },
        { "stacked activations", Spec([10], Dense(10), Relu, Sigmoid, Tanh, PRelu, Dense(10), Relu, Relu, Dense(2)) },
        { "flatten then dense twice", Spec([4, 4, 4], Flatten, Dense(8), Flatten, Dense(2)) },
        // Branching graphs (blocks): values read by several ops, gradients shared, written and accumulated.
        { "residual identity", BlockSpecs.ResidualIdentity() },
        { "residual projection", BlockSpecs.ResidualProjection() },
        { "residual forced projection", BlockSpecs.ResidualForcedProjection() },
        { "residual chain", BlockSpecs.ResidualChain() },
        { "residual on the input", BlockSpecs.ResidualOnInput() },
        { "parallel add identity twice", BlockSpecs.ParallelAddIdentityTwice() },
        { "parallel identity and conv", BlockSpecs.ParallelAddIdentityAndConv() },
        { "three identity branches", BlockSpecs.ThreeIdentityBranches() },
        { "inception", BlockSpecs.InceptionNet() },
        { "dense block and transition", BlockSpecs.DenseNet() },
        { "dense block with bottleneck", BlockSpecs.DenseNetBottleneck() },
        { "stage of basic blocks", BlockSpecs.StageOfBasicBlocks() },
        { "residual of activations", BlockSpecs.ActivationOnlyResidual() },
        { "flat residual of activations", BlockSpecs.FlatActivationResidual() },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Planned_buffers_fit_the_arena(string name, NetworkSpec spec)
    {
        var plan = BuildValid(spec).Plan;
        foreach (var value in plan.Values.Where(v => !v.IsExternal))
        {
            Assert.True(value.Offset >= 0 && value.Offset + value.Size <= plan.FloatsPerExample,
                $"{name}: {value.Name} [{value.Offset}, {value.Offset + value.Size}) outside the arena of {plan.FloatsPerExample}");
        }
        Assert.True(plan.FloatsPerExample <= plan.FloatsPerExampleWithoutReuse,
            $"{name}: reuse made the arena bigger ({plan.FloatsPerExample} > {plan.FloatsPerExampleWithoutReuse})");
        Assert.Equal(plan.Parameters.Sum(p => p.Shape.Aggregate(1, (a, b) => a * b)), plan.ParameterCount);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Planned_arena_never_overwrites_a_live_value(string name, NetworkSpec spec)
    {
        var model = BuildValid(spec);
        var failures = ArenaSimulator.Run(model);
        Assert.True(failures.Count == 0, $"{name}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void LeNet_plan_reuses_memory()
    {
        var plan = BuildValid(LeNetModern()).Plan;
        // Pinned from the reviewed golden output: a change here changes every step's memory traffic.
        Assert.Equal(11_760, plan.FloatsPerExample);
        Assert.Equal(16_188, plan.FloatsPerExampleWithoutReuse);
    }

    [Fact]
    public void Arena_simulator_catches_a_buffer_reused_too_early()
    {
        // Move pool1's output (which conv2's backward reads) onto conv2's output: forward then overwrites it.
        var model = BuildValid(LeNetModern());
        var conv2Output = model.Plan.Activation(4);
        var broken = model with
        {
            Plan = model.Plan with
            {
                Values = model.Plan.Values
                    .Select(v => v.Role == ValueRole.Activation && v.Index == 3 ? v with { Offset = conv2Output.Offset } : v)
                    .ToEquatableArray(),
            },
        };
        var failures = ArenaSimulator.Run(broken);
        Assert.Contains(failures, f => f.Contains("pool1", StringComparison.Ordinal));
    }

    /// <summary>
    /// Replays the schedule the emitter follows (forward ops, loss, backward ops in reverse) over one example's arena,
    /// tagging each float with the value last written there, and reports every read of a value whose floats were
    /// overwritten in the meantime, and every kernel whose output overlaps its input when it may not.
    /// </summary>
    private static class ArenaSimulator
    {
        public static List<string> Run(NetworkModel model)
        {
            var plan = model.Plan;
            var ops = model.Ops;
            int n = ops.Count;
            var owner = new string?[plan.FloatsPerExample];
            var failures = new List<string>();
            // The name whose data a value holds: a view (flatten) holds its input's data under another name.
            var identity = new Dictionary<string, string>();

            void Write(PlannedValue value, string step)
            {
                if (value.IsExternal)
                {
                    return;
                }
                for (int i = value.Offset; i < value.Offset + value.Size; i++)
                {
                    owner[i] = value.Name;
                }
                identity[value.Name] = value.Name;
            }

            void Alias(PlannedValue view, PlannedValue of, string step)
            {
                if (view.Offset != of.Offset || view.IsExternal != of.IsExternal)
                {
                    failures.Add($"{step}: view {view.Name} is not at the same place as {of.Name}");
                }
                identity[view.Name] = identity.GetValueOrDefault(of.Name, of.Name);
            }

            void Read(PlannedValue? value, string step)
            {
                if (value is null || value.IsExternal)
                {
                    return;
                }
                string expected = identity.GetValueOrDefault(value.Name, "<never written>");
                for (int i = value.Offset; i < value.Offset + value.Size; i++)
                {
                    if (owner[i] != expected)
                    {
                        failures.Add($"{step}: reads {value.Name} but float {i} holds {owner[i] ?? "nothing"}");
                        return;
                    }
                }
            }

            void NoOverlap(PlannedValue? output, PlannedValue? input, string step)
            {
                if (output is null || input is null || output.IsExternal || input.IsExternal)
                {
                    return;
                }
                if (output.Offset < input.Offset + input.Size && input.Offset < output.Offset + output.Size &&
                    !(output.Offset == input.Offset && output.Size == input.Size && output.SharesWith == input.Name))
                {
                    failures.Add($"{step}: writes {output.Name} over its input {input.Name} without being in place");
                }
            }

            void Aligned(PlannedValue output, PlannedValue? input, string step)
            {
                if (input is null || input.IsExternal || output.IsExternal)
                {
                    return;
                }
                bool overlaps = output.Offset < input.Offset + input.Size && input.Offset < output.Offset + output.Size;
                if (overlaps && (output.Offset != input.Offset || output.Size != input.Size))
                {
                    failures.Add($"{step}: writes {output.Name} partly over {input.Name}");
                }
            }

            for (int k = 1; k <= n; k++)
            {
                var op = ops[k - 1];
                string step = $"forward {op.Name}";
                var inputs = op.Inputs.Select(v => plan.Activation(v)).ToList();
                var output = plan.Activation(k);
                foreach (var input in inputs)
                {
                    Read(input, step);
                }
                if (op.IsView)
                {
                    Alias(output, inputs[0], step);
                    continue;
                }
                foreach (var input in inputs)
                {
                    if (op.CanRunInPlace)
                    {
                        // Element-wise kernels may write where they read, but only element for element.
                        Aligned(output, input, step);
                    }
                    else
                    {
                        NoOverlap(output, input, step);
                    }
                }
                if (op.UsesMask && plan.Mask(k) is { } mask)
                {
                    NoOverlap(mask, output, step);
                    Write(mask, step);
                }
                if (plan.Saved(k) is { } saved)
                {
                    NoOverlap(saved, output, step);
                    Write(saved, step);
                }
                Write(output, step);
            }

            var logits = plan.Activation(n);
            var lossGradient = plan.Gradient(n);
            Read(logits, "loss");
            if (lossGradient is null)
            {
                failures.Add("loss: no gradient planned for the logits");
                return failures;
            }
            NoOverlap(lossGradient, logits, "loss");
            Write(lossGradient, "loss");

            for (int j = n; j >= 1; j--)
            {
                if (!plan.Backward(j))
                {
                    continue;
                }
                var op = ops[j - 1];
                string step = $"backward {op.Name}";
                var outputGradient = plan.Gradient(j)!;
                var inputs = op.Inputs.Select(v => plan.Activation(v)).ToList();
                Read(outputGradient, step);
                if (op.BackwardReadsInput)
                {
                    inputs.ForEach(input => Read(input, step));
                }
                if (op.BackwardReadsOutput)
                {
                    Read(plan.Activation(j), step);
                }
                if (op.UsesMask)
                {
                    Read(plan.Mask(j), step);
                }
                if (plan.Saved(j) is { } saved)
                {
                    Read(saved, step);
                }
                for (int slot = 0; slot < op.Inputs.Count; slot++)
                {
                    var route = plan.Route(j, slot);
                    if (route.Mode == GradientMode.None)
                    {
                        continue;
                    }
                    var target = route.Target is null ? null : plan.Named(route.Target);
                    if (op.PassesGradientThrough)
                    {
                        switch (route.Mode)
                        {
                            case GradientMode.Shared:
                                Alias(target!, outputGradient, step);
                                break;
                            case GradientMode.Write:
                                NoOverlap(target, outputGradient, step);
                                Write(target!, step);
                                break;
                            case GradientMode.Accumulate:
                                Read(target, step);
                                NoOverlap(target, outputGradient, step);
                                Write(target!, step);
                                break;
                        }
                        continue;
                    }
                    if (route.Mode == GradientMode.Accumulate && route.Scratch is null)
                    {
                        // The kernel adds its part straight into the gradient another reader wrote.
                        Read(target, step);
                        NoOverlap(target, outputGradient, step);
                        Write(target!, step);
                        continue;
                    }
                    var written = route.Scratch is not null ? plan.Named(route.Scratch) : target!;
                    if (!op.CanBackpropagateInPlace)
                    {
                        NoOverlap(written, outputGradient, step);
                        // Backward kernels read their saved activations while writing the input gradient.
                        if (op.BackwardReadsInput) inputs.ForEach(input => NoOverlap(written, input, step));
                        if (op.BackwardReadsOutput) NoOverlap(written, plan.Activation(j), step);
                    }
                    else
                    {
                        Aligned(written, outputGradient, step);
                        if (op.BackwardReadsInput) inputs.ForEach(input => Aligned(written, input, step));
                        if (op.BackwardReadsOutput) Aligned(written, plan.Activation(j), step);
                    }
                    Write(written, step);
                    if (route.Mode == GradientMode.Accumulate)
                    {
                        Read(written, step + " (accumulate)");
                        Read(target, step + " (accumulate)");
                        NoOverlap(target, written, step + " (accumulate)");
                        Write(target!, step + " (accumulate)");
                    }
                }
            }
            return failures;
        }
    }
}
