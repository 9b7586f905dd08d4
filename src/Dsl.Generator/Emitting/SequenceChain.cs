using System.Collections.Generic;
using Dsl.Generator.Model;

namespace Dsl.Generator.Emitting;

/// <summary>
/// Names and code of one part of a recurrent network (the whole network, its encoder or its decoder): parameter offsets,
/// buffers, and the per-step head (Dense, activations, dropout over <c>rows</c> rows) forward and backward, all as calls
/// into <c>Dsl.Runtime</c>.
/// </summary>
internal sealed class SequenceChain
{
    public const string R = "global::Dsl.Runtime.";

    private readonly List<(string Name, int[] Shape)> _parameters;

    public SequenceChain(SequencePartSpec part, int contextWidth, List<(string Name, int[] Shape)> parameters)
    {
        Part = part;
        ContextWidth = contextWidth;
        _parameters = parameters;
        Field = part.Prefix.Length == 0 ? "" : Pascal(part.Prefix.TrimEnd('.'));
        Buffer = "_" + (Field.Length == 0 ? "" : part.Prefix.TrimEnd('.') + "_");
        if (part.Input == SequenceInputKind.Embedding)
        {
            EmbeddingAt = Offset();
            parameters.Add((part.Prefix + "embedding.weight", new[] { part.InputSize, part.EmbeddingSize }));
        }
        RnnAt = Offset();
        RecurrentLayerSpec rnn = part.Recurrent;
        for (int k = 0; k < rnn.Layers; k++)
        {
            // PyTorch's order: each layer's forward tensors, then its reverse ones (suffix _reverse).
            for (int d = 0; d < rnn.Directions; d++)
            {
                int width = rnn.Gates * rnn.Hidden;
                string suffix = d == 0 ? "" : "_reverse";
                parameters.Add((Invariant(part.Prefix + "rnn.weight_ih_l" + k + suffix), new[] { width, k == 0 ? RnnInput : rnn.OutputSize }));
                parameters.Add((Invariant(part.Prefix + "rnn.weight_hh_l" + k + suffix), new[] { width, rnn.Hidden }));
                parameters.Add((Invariant(part.Prefix + "rnn.bias_ih_l" + k + suffix), new[] { width }));
                parameters.Add((Invariant(part.Prefix + "rnn.bias_hh_l" + k + suffix), new[] { width }));
            }
        }
        int input = rnn.OutputSize;
        foreach (HeadLayerSpec layer in part.Head)
        {
            Widths.Add(layer.Kind == LayerKind.Dense ? layer.Size : input);
            if (layer.Kind == LayerKind.Dense)
            {
                WeightAt.Add(Offset());
                parameters.Add((part.Prefix + layer.Name + ".weight", new[] { layer.Size, input }));
                BiasAt.Add(Offset());
                parameters.Add((part.Prefix + layer.Name + ".bias", new[] { layer.Size }));
            }
            else
            {
                WeightAt.Add(-1);
                BiasAt.Add(-1);
            }
            input = Widths[Widths.Count - 1];
        }
    }

    public SequencePartSpec Part { get; }
    /// <summary>Features appended to every step's input (the decoder's context).</summary>
    public int ContextWidth { get; }
    /// <summary>Pascal prefix of member names: empty, <c>Encoder</c>, <c>Decoder</c>.</summary>
    public string Field { get; }
    /// <summary>Prefix of buffer fields: <c>_</c>, <c>_encoder_</c>, <c>_decoder_</c>.</summary>
    public string Buffer { get; }
    public int EmbeddingAt { get; } = -1;
    public int RnnAt { get; }
    public List<int> Widths { get; } = new();
    public List<int> WeightAt { get; } = new();
    public List<int> BiasAt { get; } = new();

    public int StepWidth => Part.StepWidth;
    public int RnnInput => Part.StepWidth + ContextWidth;
    public int Hidden => Part.Recurrent.Hidden;
    /// <summary>Features per step the recurrent layer hands to the head (both directions when bidirectional).</summary>
    public int RecurrentOutput => Part.Recurrent.OutputSize;
    public int Layers => Part.Recurrent.Layers;
    public bool Lstm => Part.Recurrent.HasCellState;
    public bool Tokens => Part.Input != SequenceInputKind.Float;
    public string Stack => Buffer + "stack";
    public string Layout => "s_" + (Field.Length == 0 ? "rnn" : Camel(Field) + "Rnn");
    public int OutputWidth => Widths.Count == 0 ? RecurrentOutput : Widths[Widths.Count - 1];
    public string Logits => Buffer + "a" + (Widths.Count - 1);
    public string DLogits => Buffer + "d" + (Widths.Count - 1);

    private int Offset()
    {
        int offset = 0;
        foreach ((string _, int[] shape) in _parameters)
        {
            int length = 1;
            foreach (int d in shape) length *= d;
            offset += length;
        }
        return offset;
    }

    /// <summary>The static layout lines of this part, in parameter order, inside the static constructor.</summary>
    public void EmitLayout(SourceWriter w)
    {
        if (Part.Input == SequenceInputKind.Embedding)
            w.Line($"layout.Add(\"{Part.Prefix}embedding.weight\", {Part.InputSize}, {Part.EmbeddingSize});");
        string bidirectional = Part.Recurrent.Bidirectional ? ", bidirectional: true" : "";
        w.Line($"{Layout} = {R}RecurrentStackLayout.Add(layout, \"{Part.Prefix}rnn\", {R}RecurrentCell.{Part.Recurrent.CellName}, {RnnInput}, {Hidden}, {Layers}{bidirectional});");
        int input = RecurrentOutput;
        for (int j = 0; j < Part.Head.Count; j++)
        {
            HeadLayerSpec layer = Part.Head[j];
            if (layer.Kind == LayerKind.Dense)
            {
                w.Line($"layout.Add(\"{Part.Prefix}{layer.Name}.weight\", {layer.Size}, {input});");
                w.Line($"layout.Add(\"{Part.Prefix}{layer.Name}.bias\", {layer.Size});");
            }
            input = Widths[j];
        }
    }

    /// <summary>Initialisation of this part's parameters from <c>_rng</c>.</summary>
    public void EmitInit(SourceWriter w, bool xavier)
    {
        if (EmbeddingAt >= 0)
            w.Line($"{R}Initializers.Gaussian(_parameters.AsSpan({EmbeddingAt}, {Part.InputSize * Part.EmbeddingSize}), ref _rng);");
        w.Line($"{Layout}.Initialize(_parameters, ref _rng, xavierWeights: {(xavier ? "true" : "false")});");
        int input = RecurrentOutput;
        for (int j = 0; j < Part.Head.Count; j++)
        {
            HeadLayerSpec layer = Part.Head[j];
            if (layer.Kind == LayerKind.Dense)
            {
                string bound = $"1f / global::System.MathF.Sqrt({input})";
                if (xavier)
                    w.Line($"{R}Initializers.Xavier(_parameters.AsSpan({WeightAt[j]}, {layer.Size * input}), fanIn: {input}, fanOut: {layer.Size}, ref _rng);");
                else
                    w.Line($"{R}Initializers.Uniform(_parameters.AsSpan({WeightAt[j]}, {layer.Size * input}), {bound}, ref _rng);");
                w.Line($"{R}Initializers.Uniform(_parameters.AsSpan({BiasAt[j]}, {layer.Size}), {bound}, ref _rng);");
            }
            input = Widths[j];
        }
    }

    /// <summary>Buffer field declarations.</summary>
    public void EmitFields(SourceWriter w, bool stepBuffers)
    {
        var floats = new List<string> { Buffer + "x", Buffer + "dx", Buffer + "dTop" };
        if (ContextWidth > 0) floats.Add(Buffer + "embedded");
        for (int j = 0; j < Widths.Count; j++)
        {
            floats.Add(Buffer + "a" + j);
            floats.Add(Buffer + "d" + j);
            if (Part.Head[j].Kind == LayerKind.Dropout) floats.Add(Buffer + "m" + j);
        }
        w.Line($"private float[] {string.Join(", ", floats.ConvertAll(f => f + " = global::System.Array.Empty<float>()"))};");
        if (Tokens)
            w.Line($"private int[] {Buffer}tokens = global::System.Array.Empty<int>();");
        w.Line($"private {R}RecurrentStack? {Stack};");
        if (stepBuffers)
            w.Line($"private {R}RecurrentStack? {Buffer}stepStack;");
    }

    /// <summary>Allocation of the buffers for <c>batch</c> sequences (inside <c>Allocate</c>).</summary>
    public void EmitAllocate(SourceWriter w, bool stepBuffers)
    {
        string rows = $"{Steps} * batch";
        w.Line($"{Stack} = new {R}RecurrentStack({Layout}, {Steps}, batch, {Literals.Float(Part.Recurrent.Dropout)});");
        if (stepBuffers)
            w.Line($"{Buffer}stepStack = new {R}RecurrentStack({Layout}, 1, batch);");
        if (Tokens)
            w.Line($"{Buffer}tokens = new int[{rows}];");
        w.Line($"{Buffer}x = new float[{rows} * {RnnInput}];");
        if (ContextWidth > 0)
            w.Line($"{Buffer}embedded = new float[{rows} * {StepWidth}];");
        if (EmbeddingAt >= 0 || ContextWidth > 0)
            w.Line($"{Buffer}dx = new float[{rows} * {RnnInput}];");
        w.Line($"{Buffer}dTop = new float[{rows} * {RecurrentOutput}];");
        for (int j = 0; j < Widths.Count; j++)
        {
            w.Line($"{Buffer}a{j} = new float[{rows} * {Widths[j]}];");
            w.Line($"{Buffer}d{j} = new float[{rows} * {Widths[j]}];");
            if (Part.Head[j].Kind == LayerKind.Dropout)
                w.Line($"{Buffer}m{j} = new float[{rows} * {Widths[j]}];");
        }
    }

    public int Steps { get; set; }

    /// <summary>Token ids (time-major span <paramref name="tokens"/>) into the recurrent input <paramref name="x"/>.</summary>
    public void EmitEmbed(SourceWriter w, string tokens, string x)
    {
        if (Part.Input == SequenceInputKind.Embedding)
            w.Line($"{R}Embedding.Forward({tokens}, _parameters.AsSpan({EmbeddingAt}, {Part.InputSize * Part.EmbeddingSize}), {x}, {Part.InputSize}, {Part.EmbeddingSize});");
        else
            w.Line($"{R}OneHot.Encode({tokens}, {x}, {Part.InputSize});");
    }

    /// <summary>The head over <paramref name="rows"/> rows of <paramref name="input"/> (the recurrent layer's output).</summary>
    public void EmitHeadForward(SourceWriter w, string input, string rows, string training)
    {
        int width = RecurrentOutput;
        for (int j = 0; j < Part.Head.Count; j++)
        {
            HeadLayerSpec layer = Part.Head[j];
            string x = j == 0 ? input : $"{Buffer}a{j - 1}.AsSpan(0, {rows} * {width})";
            string y = $"{Buffer}a{j}.AsSpan(0, {rows} * {Widths[j]})";
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    w.Line($"{R}Dense.Forward({x}, _parameters.AsSpan({WeightAt[j]}, {layer.Size * width}), _parameters.AsSpan({BiasAt[j]}, {layer.Size}), {y}, {rows}, {width}, {layer.Size});");
                    break;
                case LayerKind.ReLU:
                    w.Line($"{R}Activations.Relu({x}, {y});");
                    break;
                case LayerKind.Tanh:
                    w.Line($"{R}Activations.Tanh({x}, {y});");
                    break;
                case LayerKind.Sigmoid:
                    w.Line($"{R}Activations.Sigmoid({x}, {y});");
                    break;
                case LayerKind.Dropout:
                    if (training == "false")
                    {
                        w.Line($"{x}.CopyTo({y});");
                        break;
                    }
                    w.Line($"if ({training}) {R}Dropout.Forward({x}, {y}, {Buffer}m{j}.AsSpan(0, {rows} * {width}), {Literals.Float(layer.Rate)}, ref _rng);");
                    w.Line($"else {x}.CopyTo({y});");
                    break;
            }
            width = Widths[j];
        }
    }

    /// <summary>Backward through the head from <see cref="DLogits"/> to <paramref name="dInput"/> (training mode).</summary>
    public void EmitHeadBackward(SourceWriter w, string input, string dInput, string rows)
    {
        for (int j = Part.Head.Count - 1; j >= 0; j--)
        {
            HeadLayerSpec layer = Part.Head[j];
            int width = j == 0 ? RecurrentOutput : Widths[j - 1];
            string x = j == 0 ? input : $"{Buffer}a{j - 1}.AsSpan(0, {rows} * {width})";
            string y = $"{Buffer}a{j}.AsSpan(0, {rows} * {Widths[j]})";
            string dy = $"{Buffer}d{j}.AsSpan(0, {rows} * {Widths[j]})";
            string dx = j == 0 ? dInput : $"{Buffer}d{j - 1}.AsSpan(0, {rows} * {width})";
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    w.Line($"{R}Dense.Backward({x}, _parameters.AsSpan({WeightAt[j]}, {layer.Size * width}), {dy}, {dx}, _gradients.AsSpan({WeightAt[j]}, {layer.Size * width}), _gradients.AsSpan({BiasAt[j]}, {layer.Size}), {rows}, {width}, {layer.Size});");
                    break;
                case LayerKind.ReLU:
                    w.Line($"{R}Activations.ReluBackward({y}, {dy}, {dx});");
                    break;
                case LayerKind.Tanh:
                    w.Line($"{R}Activations.TanhBackward({y}, {dy}, {dx});");
                    break;
                case LayerKind.Sigmoid:
                    w.Line($"{R}Activations.SigmoidBackward({y}, {dy}, {dx});");
                    break;
                case LayerKind.Dropout:
                    w.Line($"{R}Dropout.Backward({dy}, {Buffer}m{j}.AsSpan(0, {rows} * {width}), {dx});");
                    break;
            }
        }
    }

    public static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    public static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string Invariant(System.FormattableString text) => System.FormattableString.Invariant(text);

    private static string Invariant(string text) => text;
}
