using Microsoft.CodeAnalysis;
using Xunit;
using static Dsl.Generator.Tests.DiagnosticAssert;

namespace Dsl.Generator.Tests;

/// <summary>
/// Recurrent networks: the generated code compiles for every kind and cell, each sequence diagnostic has its ID, severity
/// and exact span, malformed declarations never crash the generator, and the sequence steps cache.
/// </summary>
public sealed class SequenceGeneratorTests
{
    public static TheoryData<string, string> ValidNetworks => new()
    {
        { "embedding LSTM LM", "[Network(Vocab = 28, Steps = 35)] [Embedding(32), Recurrent(Cell.Lstm, 64, Layers = 2, Dropout = 0.2), Dense(28)] public partial class A { }" },
        { "one-hot GRU LM", "[Network(Vocab = 10, Steps = 8)] [OneHot, Recurrent(Cell.Gru, 16)] [Dense(10)] public partial class A { }" },
        { "RNN LM with a deep head", "[Network(Vocab = 10, Steps = 8)] [OneHot, Recurrent(Cell.Rnn, 16, Layers = 3)] [Dense(12), ReLU, Dropout(0.1), Dense(5), Tanh, Sigmoid, Dense(10)] public partial class A { }" },
        { "row classifier", "[Network(28, Steps = 28)] [Recurrent(Cell.Lstm, 32), LastStep, Dense(10)] public partial class A { }" },
        { "bidirectional stacked classifier", "[Network(3, Steps = 4)] [Recurrent(Cell.Lstm, 5, Layers = 2, Bidirectional = true, Dropout = 0.3), LastStep, Dense(2)] public partial class A { }" },
        { "stacked classifier", "[Network(3, Steps = 4)] [Recurrent(Cell.Gru, 5, Layers = 2, Dropout = 0.5), LastStep, Dense(8), ReLU, Dense(2)] public partial class A { }" },
        { "GRU encoder-decoder", "[Network(Vocab = 40, TargetVocab = 45, Steps = 10)] [Embedding(32), Recurrent(Cell.Gru, 64, Layers = 2)] [Decoder, Embedding(32), Recurrent(Cell.Gru, 64, Layers = 2), Dense(45)] public partial class A { }" },
        { "LSTM one-hot encoder-decoder", "[Network(Vocab = 6, TargetVocab = 7, Steps = 4)] [OneHot, Recurrent(Cell.Lstm, 5)] [Decoder, OneHot, Recurrent(Cell.Lstm, 5), Dense(9), ReLU, Dense(7)] public partial class A { }" },
        { "generic class in a namespace-less file", "[Network(Vocab = 5, Steps = 3)] [OneHot, Recurrent(Cell.Rnn, 4), Dense(5)] public partial class A<T> { }" },
        { "nested class", "public partial class Outer { [Network(2, Steps = 3)] [Recurrent(Cell.Rnn, 4), LastStep, Dense(2)] public partial class A { } }" },
    };

    [Theory]
    [MemberData(nameof(ValidNetworks))]
    public void Valid_recurrent_networks_generate_code_that_compiles_without_warnings(string name, string declaration)
    {
        var run = GeneratorHarness.Run("using Dsl;\n" + declaration);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, name + ": " + string.Join("\n", run.GeneratorDiagnostics));
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    [Fact]
    public void DSL015_embedding_without_vocab_points_at_the_embedding()
    {
        var d = ReportsOne("DSL015", """
            using Dsl;
            [Network(Steps = 5)]
            [[|Embedding(4)|], Recurrent(Cell.Lstm, 8), Dense(7)]
            public partial class NoVocab { }
            """);
        MessageContains(d, "Embedding(4) (layer 1)", "NoVocab", "Vocab");
    }

    [Fact]
    public void DSL015_decoder_one_hot_without_target_vocab_points_at_the_one_hot()
    {
        var d = ReportsOne("DSL015", """
            using Dsl;
            [Network(Vocab = 6, Steps = 5)]
            [OneHot, Recurrent(Cell.Gru, 8)]
            [Decoder, [|OneHot|], Recurrent(Cell.Gru, 8), Dense(7)]
            public partial class NoTarget { }
            """);
        MessageContains(d, "TargetVocab");
    }

    [Fact]
    public void DSL016_recurrent_without_steps_points_at_the_recurrent_layer()
    {
        var d = ReportsOne("DSL016", """
            using Dsl;
            [Network(Vocab = 7)]
            [Embedding(4), [|Recurrent(Cell.Lstm, 8)|], Dense(7)]
            public partial class NoSteps { }
            """);
        MessageContains(d, "Recurrent(Cell.Lstm, 8) (layer 2)", "NoSteps", "Steps");
    }

    [Theory]
    [InlineData("Cell.Gru, 64, Layers = 2", "Cell.Gru, 32, Layers = 2", "64 hidden units", "32")]
    [InlineData("Cell.Gru, 64, Layers = 2", "Cell.Gru, 64, Layers = 1", "Layers = 2", "Layers = 1")]
    [InlineData("Cell.Gru, 64", "Cell.Lstm, 64", "Cell.Gru", "Cell.Lstm")]
    public void DSL017_decoder_that_cannot_start_from_the_encoder_points_at_the_decoder_naming_both(string encoder, string decoder, string first, string second)
    {
        var d = ReportsOne("DSL017", $$"""
            using Dsl;
            [Network(Vocab = 40, TargetVocab = 45, Steps = 10)]
            [Embedding(32), Recurrent({{encoder}})]
            [Decoder, Embedding(32), [|Recurrent({{decoder}})|], Dense(45)]
            public partial class Mismatch { }
            """);
        MessageContains(d, $"Recurrent({encoder}) (layer 2)", $"Recurrent({decoder}) (layer 5)", first, second);
    }

    [Fact]
    public void DSL017_bidirectional_encoder_into_a_unidirectional_decoder()
    {
        var all = Reports("""
            using Dsl;
            [Network(Vocab = 40, TargetVocab = 45, Steps = 10)]
            [Embedding(32), Recurrent(Cell.Gru, 64, Bidirectional = true)]
            [Decoder, Embedding(32), {|DSL017:Recurrent(Cell.Gru, 64)|}, Dense(45)]
            public partial class Bidi { }
            """);
        MessageContains(all.Single(d => d.Id == "DSL017"), "bidirectional", "unidirectional");
    }

    [Fact]
    public void DSL018_language_model_head_of_the_wrong_size_points_at_the_dense_naming_both()
    {
        var d = ReportsOne("DSL018", """
            using Dsl;
            [Network(Vocab = 7, Steps = 5)]
            [Embedding(4), Recurrent(Cell.Lstm, 8), [|Dense(6)|]]
            public partial class WrongHead { }
            """);
        MessageContains(d, "Dense(6) (layer 3)", "6 scores", "Vocab = 7");
    }

    [Fact]
    public void DSL018_decoder_head_of_the_wrong_size_names_the_target_vocabulary()
    {
        var d = ReportsOne("DSL018", """
            using Dsl;
            [Network(Vocab = 40, TargetVocab = 45, Steps = 10)]
            [Embedding(32), Recurrent(Cell.Gru, 64)]
            [Decoder, Embedding(32), Recurrent(Cell.Gru, 64), Dense(64), ReLU, [|Dense(40)|]]
            public partial class WrongTarget { }
            """);
        MessageContains(d, "40 scores", "TargetVocab = 45");
    }

    [Fact]
    public void DSL019_convolution_and_flatten_in_a_recurrent_network_point_at_each()
    {
        Reports("""
            using Dsl;
            [Network(Vocab = 7, Steps = 5)]
            [Embedding(4), Recurrent(Cell.Lstm, 8), [|Conv(2, 3)|], [|Flatten|], Dense(7)]
            public partial class Mixed { }
            """, "DSL019");
    }

    [Theory]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), [|Dense(7)|]]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), [|LastStep|], Dense(7)]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), [|Dense(3)|], Recurrent(Cell.Lstm, 8), Dense(7)]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), [|Recurrent(Cell.Lstm, 8)|], Dense(7)]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), [|Recurrent(Cell.Lstm, 8)|]]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7), [|ReLU|]]")]
    [InlineData("[Network(3, Steps = 5)] [[|Recurrent(Cell.Lstm, 8)|], Dense(2)]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [[|Recurrent(Cell.Lstm, 8)|], Dense(7)]")]
    [InlineData("[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8, [|Bidirectional = true|]), Dense(7)]")]
    [InlineData("[Network(Vocab = 6, TargetVocab = 7, Steps = 4)] [Embedding(3), Recurrent(Cell.Gru, 5, Bidirectional = true)] [Decoder, Embedding(3), Recurrent(Cell.Gru, 5, [|Bidirectional = true|]), Dense(7)]")]
    [InlineData("[Network(Vocab = 6, TargetVocab = 7, Steps = 4)] [Embedding(3), Recurrent(Cell.Gru, 5), [|Dense(4)|]] [Decoder, Embedding(3), Recurrent(Cell.Gru, 5), Dense(7)]")]
    [InlineData("[Network(Vocab = 6, TargetVocab = 7, Steps = 4)] [Embedding(3), Recurrent(Cell.Gru, 5)] [Decoder, Embedding(3), Recurrent(Cell.Gru, 5), Dense(7), [|Decoder|]]")]
    [InlineData("[Network(Vocab = 6, TargetVocab = 7, Steps = 4)] [Embedding(3), Recurrent(Cell.Gru, 5)] [Decoder, [|Recurrent(Cell.Gru, 5)|], Dense(7)]")]
    [InlineData("[Network(Vocab = 6, Steps = 4)] [Embedding(3), Recurrent(Cell.Gru, 5), Dense(6, [|Bias = false|])]")]
    public void DSL020_layers_out_of_place_point_at_the_offending_layer(string declaration)
    {
        ReportsOne("DSL020", "using Dsl;\n" + declaration + "\npublic partial class OutOfPlace { }");
    }

    [Fact]
    public void DSL020_target_vocab_without_decoder_points_at_the_argument()
    {
        ReportsOne("DSL020", """
            using Dsl;
            [Network(Vocab = 7, [|TargetVocab = 9|], Steps = 5)]
            [Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7)]
            public partial class NoDecoder { }
            """);
    }

    [Theory]
    [InlineData("Recurrent(Cell.Lstm, [|0|])", "Hidden")]
    [InlineData("Recurrent(Cell.Lstm, [|-8|])", "Hidden")]
    [InlineData("Recurrent(Cell.Lstm, 8, [|Layers = 0|])", "Layers")]
    [InlineData("Recurrent(Cell.Lstm, 8, Layers = 2, [|Dropout = 1.0|])", "Dropout")]
    [InlineData("Recurrent(Cell.Lstm, 8, Layers = 2, [|Dropout = -0.1|])", "Dropout")]
    [InlineData("Recurrent([|(Cell)7|], 8)", "Cell")]
    public void DSL004_invalid_recurrent_arguments_point_at_the_argument(string recurrent, string name)
    {
        var d = ReportsOne("DSL004", $$"""
            using Dsl;
            [Network(Vocab = 7, Steps = 5)]
            [Embedding(4), {{recurrent}}, Dense(7)]
            public partial class Invalid { }
            """);
        MessageContains(d, name);
    }

    [Fact]
    public void DSL004_embedding_of_no_width_points_at_the_argument()
        => ReportsOne("DSL004", """
            using Dsl;
            [Network(Vocab = 7, Steps = 5)]
            [Embedding([|0|]), Recurrent(Cell.Lstm, 8), Dense(7)]
            public partial class Invalid { }
            """);

    [Theory]
    [InlineData("[Network([|Vocab = -1|], Steps = 5)]")]
    [InlineData("[Network(Vocab = 7, [|Steps = 0|])]")]
    public void DSL002_non_positive_vocab_or_steps_point_at_the_argument(string network)
        => ReportsOne("DSL002", "using Dsl;\n" + network + "\n[Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7)]\npublic partial class Invalid { }");

    [Fact]
    public void DSL002_float_input_without_features_points_at_the_network()
        => ReportsOne("DSL002", """
            using Dsl;
            [[|Network(Steps = 5)|]]
            [Recurrent(Cell.Lstm, 8), LastStep, Dense(2)]
            public partial class NoFeatures { }
            """);

    [Fact]
    public void DSL021_dropout_on_one_layer_is_a_warning_on_the_argument_and_the_network_still_generates()
    {
        const string source = """
            using Dsl;
            [Network(Vocab = 7, Steps = 5)]
            [Embedding(4), Recurrent(Cell.Lstm, 8, Dropout = 0.2), Dense(7)]
            public partial class OneLayer { }
            """;
        var run = GeneratorHarness.Run(source);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DSL021", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Dropout = 0.2", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        MessageContains(d, "Layers = 1", "0.2");
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.OutputWarningsAndErrors);
    }

    public static TheoryData<string> MalformedSequences => new()
    {
        "[Network(Vocab = 7, Steps = 5)] [Embedding, Recurrent, Dense(7)] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm), Dense(7)] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(8, Cell.Lstm), Dense(7)] public partial class A { }",
        "[Network(Vocab = \"x\", Steps = 5)] [OneHot, Recurrent(Cell.Lstm, 8), Dense(7)] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] [OneHot, Recurrent(Cell.Lstm, 8, Dropout = double.NaN, Layers = 2), Dense(7)] public partial class A { }",
        "[Network(Vocab = int.MaxValue, Steps = int.MaxValue)] [Embedding(int.MaxValue), Recurrent(Cell.Lstm, int.MaxValue, Layers = int.MaxValue), Dense(int.MaxValue)] public partial class A { }",
        "[Network(Vocab = 7, Steps = int.MaxValue)] [OneHot, Recurrent(Cell.Rnn, 65536), Dense(7)] public partial class A { }",
        "[Network(int.MaxValue, Steps = 2)] [Recurrent(Cell.Rnn, 2), LastStep, Dense(2)] public partial class A { }",
        "[Network(Vocab = 7, TargetVocab = 7, Steps = 5)] [Decoder, Decoder, Decoder] public partial class A { }",
        "[Network(Vocab = 7, TargetVocab = 7, Steps = 5)] [Embedding(3), Recurrent(Cell.Gru, 4), Decoder] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] [LastStep, LastStep] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] public partial class A { }",
        "[Network(Steps = 5)] [Dense(3)] public partial class A { }",
        "[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7)] public record A { }",
        "[Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7)] public class A { }",
    };

    [Theory]
    [MemberData(nameof(MalformedSequences))]
    public void Malformed_recurrent_declarations_never_crash_and_never_emit_broken_code(string declaration)
    {
        var run = GeneratorHarness.Run("using Dsl;\n" + declaration);
        Assert.Empty(run.GeneratorFailures);
        var broken = run.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath != GeneratorHarness.SourcePath).ToList();
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void Unrelated_edit_leaves_the_sequence_steps_cached()
    {
        var compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.Parse(
            "using Dsl; [Network(Vocab = 7, Steps = 5)] [Embedding(4), Recurrent(Cell.Lstm, 8), Dense(7)] public partial class A { }"));
        var first = GeneratorHarness.Run(compilation);
        var second = GeneratorHarness.Run(compilation.AddSyntaxTrees(GeneratorHarness.Parse("public sealed class Other { }", "/test/Other.cs")), first.Driver);
        foreach (string step in new[] { TrackingNames.SequenceModel, TrackingNames.SequenceSource })
            foreach (var output in second.TrackedSteps[step].SelectMany(s => s.Outputs))
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}");
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());
    }
}
