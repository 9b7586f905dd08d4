using System.Reflection;
using System.Text.RegularExpressions;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// What the generated members say about a network (parameter count, summary table, sizes, parameter names), read
/// from the compiled output: the zoo is generated, emitted to memory and loaded once for the whole class.
/// </summary>
public sealed class SummaryTests : IClassFixture<SummaryTests.CompiledZoo>
{
    /// <summary>The zoo, generated, compiled and loaded once.</summary>
    public sealed class CompiledZoo
    {
        public CompiledZoo()
        {
            var trees = Zoo.All.Select(m => GeneratorHarness.Parse(m.Source, $"/zoo/{m.Name}.cs")).ToArray();
            Run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(trees));
            Assembly = GeneratorHarness.Load(GeneratorHarness.Emit(Run.Output));
        }

        public GeneratorRun Run { get; }
        public Assembly Assembly { get; }

        public Type Model(string name) =>
            Assembly.GetType("Dsl.Models." + name) ?? throw new InvalidOperationException($"Dsl.Models.{name} not emitted");
    }

    private readonly CompiledZoo _zoo;

    public SummaryTests(CompiledZoo zoo) => _zoo = zoo;

    [Theory]
    [InlineData("Mlp", 203_530)]
    [InlineData("Mlp256", 784 * 256 + 256 + 256 * 128 + 128 + 128 * 100 + 100 + 100 * 10 + 10)]
    [InlineData("LeNetClassic", 61_706)]
    [InlineData("LeNetModern", 61_706)]
    public void ParameterCount_is_a_compile_time_constant(string model, int expected)
    {
        var field = _zoo.Model(model).GetField("ParameterCount", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(field);
        Assert.True(field.IsLiteral, "ParameterCount should be a const so it can size stack buffers and appear in attributes");
        Assert.Equal(expected, (int)field.GetRawConstantValue()!);
    }

    [Theory]
    [InlineData("LeNetClassic", "Sigmoid", "AvgPool")]
    [InlineData("LeNetModern", "ReLU", "MaxPool")]
    public void LeNet_summary_lists_shapes_parameters_and_flops(string model, string activation, string pool)
    {
        string summary = Summary(model);

        string[] shapes = ["(6, 28, 28)", "(6, 14, 14)", "(16, 10, 10)", "(16, 5, 5)", "(400)", "(120)", "(84)", "(10)"];
        int last = -1;
        foreach (var shape in shapes)
        {
            int at = summary.IndexOf(shape, last + 1, StringComparison.Ordinal);
            Assert.True(at > last, $"shape {shape} missing or out of layer order in:\n{summary}");
            last = at;
        }
        Assert.Contains(activation, summary, StringComparison.Ordinal);
        Assert.Contains(pool, summary, StringComparison.Ordinal);

        // Per-layer parameters: conv1, conv2, fc1, fc2, fc3; then the total.
        foreach (var count in new[] { 156, 2_416, 48_120, 10_164, 850, 61_706 })
        {
            AssertNumber(summary, count, "parameters");
        }
        // Multiply-adds of the layers that do the work: 6·28·28·25, 16·10·10·150, 400·120, 120·84, 84·10.
        foreach (var macs in new[] { 117_600, 240_000, 48_000, 10_080, 840 })
        {
            AssertNumber(summary, macs, "multiply-adds");
        }
        Assert.Matches(new Regex("total", RegexOptions.IgnoreCase), summary);
    }

    [Fact]
    public void LeNet_summary_states_total_parameters_flops_and_planned_memory()
    {
        string summary = Summary("LeNetModern");
        // Multiply-adds of conv and dense (416,520) plus one operation per element of the ReLUs and pools
        // (4,704 + 4,704 + 1,600 + 1,600 + 120 + 84 = 12,812).
        Assert.Equal(429_332, 416_520 + 12_812);
        var flopsLine = summary.Split('\n').FirstOrDefault(l => l.Contains("FLOPs per example", StringComparison.Ordinal));
        Assert.True(flopsLine is not null, "no FLOPs total in:\n" + summary);
        AssertNumber(flopsLine, 429_332, "total FLOPs");
        var paramsLine = summary.Split('\n').FirstOrDefault(l => l.StartsWith("Total params", StringComparison.Ordinal));
        Assert.True(paramsLine is not null, "no parameter total in:\n" + summary);
        AssertNumber(paramsLine, 61_706, "total parameters");
        // The planned arena must agree with the constant the generated code sizes its buffer with.
        int arena = (int)_zoo.Model("LeNetModern").GetField("ArenaFloatsPerExample", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
        var arenaLine = summary.Split('\n').FirstOrDefault(l => l.Contains("arena", StringComparison.OrdinalIgnoreCase));
        Assert.True(arenaLine is not null, "no planned arena in:\n" + summary);
        AssertNumber(arenaLine, arena, "arena floats");
    }

    [Fact]
    public void Summary_text_is_a_literal_in_the_generated_source()
    {
        // "Compile-time text table": the generated file itself carries the table, so it shows in the IDE.
        string source = _zoo.Run.Source("Dsl.Models.LeNetModern.g.cs");
        Assert.Contains("(16, 5, 5)", source, StringComparison.Ordinal);
        Assert.Contains("Summary", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mlp", 784, 10)]
    [InlineData("Mlp256", 784, 10)]
    [InlineData("LeNetClassic", 784, 10)]
    [InlineData("LeNetModern", 784, 10)]
    public void Network_reports_its_sizes(string model, int inputSize, int outputSize)
    {
        var network = Uninitialized(model);
        Assert.Equal(inputSize, network.InputSize);
        Assert.Equal(outputSize, network.OutputSize);
    }

    [Fact]
    public void LeNet_parameters_are_named_and_laid_out_like_pytorch()
    {
        var infos = Uninitialized("LeNetModern").ParameterInfos;
        var expected = new (string Name, int[] Shape)[]
        {
            ("conv1.weight", [6, 1, 5, 5]), ("conv1.bias", [6]),
            ("conv2.weight", [16, 6, 5, 5]), ("conv2.bias", [16]),
            ("fc1.weight", [120, 400]), ("fc1.bias", [120]),
            ("fc2.weight", [84, 120]), ("fc2.bias", [84]),
            ("fc3.weight", [10, 84]), ("fc3.bias", [10]),
        };
        Assert.Equal(expected.Select(e => e.Name), infos.Select(i => i.Name));
        int offset = 0;
        foreach (var (info, (_, shape)) in infos.Zip(expected))
        {
            Assert.Equal(shape, info.Shape);
            Assert.Equal(offset, info.Offset);
            Assert.Equal(shape.Aggregate(1, (a, b) => a * b), info.Length);
            offset += info.Length;
        }
        Assert.Equal(61_706, offset);
    }

    [Theory]
    [InlineData(785)]
    [InlineData(783)]
    [InlineData(0)]
    public void Forward_rejects_input_of_the_wrong_length_naming_both_shapes(int length)
    {
        // The check runs before any kernel, so an object without its constructor is enough.
        var network = Uninitialized("LeNetModern");
        var error = Assert.Throws<ArgumentException>(() => network.Forward(new float[length]));
        Assert.Contains("1, 28, 28)", error.Message, StringComparison.Ordinal);
        Assert.Contains("784", error.Message, StringComparison.Ordinal);
        Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainStep_rejects_labels_that_do_not_match_the_batch()
    {
        var network = Uninitialized("Mlp");
        var error = Assert.Throws<ArgumentException>(() => network.ComputeGradients(new float[2 * 784], new int[3]));
        Assert.Contains("3", error.Message, StringComparison.Ordinal);
        Assert.Contains(1568.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    // The tests below construct the network, which runs Dsl.Runtime's initialisers and kernels: they are skipped
    // while the runtime is the skeleton's stubs (see RuntimeFactAttribute).

    [RuntimeTheory]
    [InlineData("Mlp")]
    [InlineData("LeNetModern")]
    public void Constructor_allocates_parameters_and_gradients(string model)
    {
        var network = Create(model);
        int parameterCount = (int)_zoo.Model(model).GetField("ParameterCount")!.GetRawConstantValue()!;
        Assert.Equal(parameterCount, network.Parameters.Length);
        Assert.Equal(parameterCount, network.Gradients.Length);
    }

    [RuntimeFact]
    public void Biases_start_at_zero_and_weights_do_not()
    {
        var network = Create("LeNetModern");
        var parameters = network.Parameters.ToArray();
        foreach (var info in network.ParameterInfos)
        {
            var values = parameters.AsSpan(info.Offset, info.Length);
            if (info.Name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Assert.True(values.IndexOfAnyExcept(0f) < 0, $"{info.Name} should start at zero");
            }
            else
            {
                Assert.True(values.IndexOfAnyExcept(0f) >= 0, $"{info.Name} was not initialised");
            }
        }
    }

    [RuntimeFact]
    public void Forward_returns_one_row_of_logits_per_example()
    {
        var network = Create("LeNetModern");
        var input = new float[3 * 784];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 29) / 29f;
        }
        var logits = Runtime(() => network.Forward(input).ToArray());
        Assert.Equal(3 * 10, logits.Length);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }

    private INetwork Uninitialized(string model) =>
        (INetwork)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(_zoo.Model(model));

    private INetwork Create(string model) =>
        Runtime(() => (INetwork)Activator.CreateInstance(_zoo.Model(model), [0])!);

    private static T Runtime<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is NotImplementedException || e.InnerException is NotImplementedException)
        {
            throw new InvalidOperationException(
                "Dsl.Runtime on this branch still has a stub (merge the runtime branches to run this test): " +
                (e.InnerException ?? e).StackTrace?.Split('\n').FirstOrDefault()?.Trim(), e);
        }
    }

    private string Summary(string model)
    {
        var property = _zoo.Model(model).GetProperty("Summary", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(property);
        return (string)property.GetValue(null)!;
    }

    // Accepts the number with or without thousands separators, as a whole token.
    private static void AssertNumber(string text, int value, string what)
    {
        string plain = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string grouped = value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        var pattern = new Regex($@"(?<![\d,]){Regex.Escape(grouped)}(?![\d,])|(?<![\d,]){plain}(?![\d,])");
        Assert.True(pattern.IsMatch(text), $"{what} {grouped} not found in:\n{text}");
    }
}
