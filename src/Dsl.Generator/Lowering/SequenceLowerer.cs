using System.Collections.Generic;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using static System.FormattableString;

namespace Dsl.Generator.Lowering;

/// <summary>
/// The recurrent path of the builder: turns the layer attributes of a network with <c>[Recurrent]</c> (or token input,
/// or <c>Steps</c>) into a <see cref="SequenceModel"/> — input kind, one recurrent stack, a per-step head, an optional
/// <c>[LastStep]</c> and a <c>[Decoder]</c> split — or diagnostics on the attributes that prevent it. Pure, never throws
/// on malformed input.
/// </summary>
public static class SequenceLowerer
{
    /// <summary>Whether <paramref name="spec"/> declares a recurrent network: a sequence layer, or Vocab, TargetVocab or Steps.</summary>
    public static bool IsSequence(NetworkSpec spec)
    {
        if (spec.Vocab is not null || spec.TargetVocab is not null || spec.Steps is not null)
            return true;
        foreach (LayerSpec layer in spec.Layers)
            if (IsSequenceKind(layer.Kind))
                return true;
        return false;
    }

    private static bool IsSequenceKind(LayerKind kind)
        => kind is LayerKind.Embedding or LayerKind.OneHot or LayerKind.Recurrent or LayerKind.LastStep or LayerKind.Decoder;

    private static bool IsHeadKind(LayerKind kind)
        => kind is LayerKind.Dense or LayerKind.ReLU or LayerKind.Tanh or LayerKind.Sigmoid or LayerKind.Dropout;

    /// <summary>Builds the recurrent network; <paramref name="diagnostics"/> may already hold declaration errors (DSL001).</summary>
    public static BuildResult Build(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        int errorsBefore = CountErrors(diagnostics);
        int vocab = ReadPositive(spec, spec.Vocab, diagnostics);
        int targetVocab = ReadPositive(spec, spec.TargetVocab, diagnostics);
        int steps = ReadPositive(spec, spec.Steps, diagnostics);

        if (spec.Layers.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayersId, spec.NetworkLocation, spec.DisplayName));
            return Fail(diagnostics);
        }

        // Layers the recurrent path cannot compile are reported one by one; the rest is still checked.
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Kind == LayerKind.Unknown)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayerId, layer.Location, layer.AttributeName, layer.Number));
            else if (!IsSequenceKind(layer.Kind) && !IsHeadKind(layer.Kind))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotSequenceLayerId, layer.Location, layer.Display, layer.Number));
        }

        int split = -1;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            if (spec.Layers[i].Kind != LayerKind.Decoder)
                continue;
            if (split < 0)
                split = i;
            else
                Layout(diagnostics, spec.Layers[i], "a network has one encoder and one decoder, so [Decoder] may appear only once");
        }

        var encoderLayers = new List<LayerSpec>();
        var decoderLayers = new List<LayerSpec>();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            if (i == split || (split >= 0 && i > split && spec.Layers[i].Kind == LayerKind.Decoder))
                continue;
            (split >= 0 && i > split ? decoderLayers : encoderLayers).Add(spec.Layers[i]);
        }
        bool encoderDecoder = split >= 0;
        if (encoderDecoder && split == 0)
            Layout(diagnostics, spec.Layers[0], "[Decoder] splits an encoder from a decoder, so the encoder's layers must come before it");
        if (!encoderDecoder && spec.TargetVocab is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLayoutId, spec.TargetVocab.Location, "Network(" + spec.DisplayName + ")", 0,
                "TargetVocab is the decoder's vocabulary, but the network has no [Decoder]; remove TargetVocab or add [Decoder] and the decoder's layers"));

        SequencePartSpec? encoder = ReadPart(spec, encoderLayers, encoderDecoder ? "encoder." : "", vocab, "Vocab", steps,
            decoder: false, encoderDecoder, diagnostics, out LayerSpec? encoderRecurrent, out bool lastStep);
        SequencePartSpec? decoder = null;
        LayerSpec? decoderRecurrent = null;
        if (encoderDecoder && split > 0)
        {
            LayerSpec marker = spec.Layers[split];
            if (decoderLayers.Count == 0)
                Layout(diagnostics, marker, "the decoder has no layers; add Embedding, Recurrent and Dense(TargetVocab) after [Decoder]");
            else
                decoder = ReadPart(spec, decoderLayers, "decoder.", targetVocab, "TargetVocab", steps, decoder: true, encoderDecoder, diagnostics,
                    out decoderRecurrent, out _);
        }

        if (encoder is not null && encoderRecurrent is not null)
        {
            if (encoderDecoder)
            {
                if (encoder.Input == SequenceInputKind.Float && encoderLayers.Count > 0)
                    Layout(diagnostics, encoderLayers[0], "an encoder reads source tokens; start it with [Embedding(d)] or [OneHot] and declare Vocab");
                if (encoder.Head.Count > 0)
                    Layout(diagnostics, FirstAfter(encoderLayers, encoderRecurrent), "the encoder hands only its final state to the decoder, so layers after its recurrent layer would be unused; move them after [Decoder]");
                if (decoder is not null && decoderRecurrent is not null)
                    CheckHandOff(encoderRecurrent, encoder.Recurrent, decoderRecurrent, decoder.Recurrent, diagnostics);
                if (decoder is not null && decoderRecurrent is not null)
                    CheckHead(decoderLayers, decoderRecurrent, decoder, targetVocab, "TargetVocab", diagnostics);
                if (decoder is not null && decoderRecurrent is not null && decoder.Recurrent.Bidirectional)
                    BidirectionalNotHere(diagnostics, decoderRecurrent, "a decoder generates its tokens one after the other, so it cannot run backwards in time");
            }
            else if (encoder.Input == SequenceInputKind.Float)
            {
                if (!lastStep)
                    Layout(diagnostics, encoderRecurrent, "a recurrent network with float input classifies whole sequences: add [LastStep] and a Dense head after the recurrent layer (or declare Vocab and token input for a language model)");
                else if (encoder.Head.Count == 0 || encoder.Head[encoder.Head.Count - 1].Kind != LayerKind.Dense)
                    Layout(diagnostics, spec.Layers[spec.Layers.Count - 1], "a sequence classifier ends with a Dense layer giving the class scores");
            }
            else
            {
                if (lastStep)
                    Layout(diagnostics, Find(encoderLayers, LayerKind.LastStep)!, "[LastStep] with token input is not supported; a token network is a language model with a Dense(Vocab) head at every step");
                else
                    CheckHead(encoderLayers, encoderRecurrent, encoder, vocab, "Vocab", diagnostics);
                if (encoder.Recurrent.Bidirectional)
                    BidirectionalNotHere(diagnostics, encoderRecurrent, "a language model predicts each token from the ones before it, but the reverse direction reads the tokens it is to predict");
            }
        }

        // Sizes the arrays and the emitted int arithmetic must hold.
        if (encoder is not null && encoderRecurrent is not null)
        {
            long parameters = PartParameters(encoder, 0) + (decoder is null ? 0 : PartParameters(decoder, encoder.Recurrent.Hidden));
            long widest = System.Math.Max(System.Math.Max(encoder.StepWidth, encoder.Recurrent.Hidden), decoder is null ? 0 : decoder.StepWidth + decoder.Recurrent.Hidden + decoder.OutputWidth);
            foreach (HeadLayerSpec layer in encoder.Head) widest = System.Math.Max(widest, layer.Size);
            if (parameters > int.MaxValue || (long)steps * widest * System.Math.Max(1, encoder.Recurrent.Layers) > int.MaxValue)
                Layout(diagnostics, encoderRecurrent, Invariant($"the network would need {parameters} parameters and {(long)steps * widest} floats per sequence and layer, more than an array can hold; use fewer units, steps or tokens"));
        }

        if (CountErrors(diagnostics) > errorsBefore || encoder is null || (encoderDecoder && decoder is null) || errorsBefore > 0)
            return Fail(diagnostics);

        SequenceNetworkKind kind = encoderDecoder ? SequenceNetworkKind.EncoderDecoder
            : encoder.Input == SequenceInputKind.Float ? SequenceNetworkKind.Classifier : SequenceNetworkKind.LanguageModel;
        var model = new SequenceModel(spec.Namespace, spec.ClassName, spec.HintName, spec.Accessibility, spec.ContainingTypes,
            kind, steps, encoder, decoder);
        return new BuildResult(null, diagnostics.ToEquatableArray()) { Sequence = model };
    }

    private static SequencePartSpec? ReadPart(NetworkSpec spec, List<LayerSpec> layers, string prefix, int vocab, string vocabName, int steps,
        bool decoder, bool encoderDecoder, List<DiagnosticInfo> diagnostics, out LayerSpec? recurrentLayer, out bool lastStep)
    {
        recurrentLayer = null;
        lastStep = false;
        if (layers.Count == 0)
            return null;
        bool ok = true;
        int index = 0;
        var input = SequenceInputKind.Float;
        int inputSize = 0, embedding = 0;
        LayerSpec first = layers[0];
        if (first.Kind is LayerKind.Embedding or LayerKind.OneHot)
        {
            input = first.Kind == LayerKind.Embedding ? SequenceInputKind.Embedding : SequenceInputKind.OneHot;
            index = 1;
            if (vocab <= 0)
            {
                if ((decoder ? spec.TargetVocab : spec.Vocab) is null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TokenInputWithoutVocabId, first.Location, first.Display, first.Number, spec.DisplayName, vocabName));
                ok = false;
            }
            inputSize = vocab;
            if (input == SequenceInputKind.Embedding)
            {
                embedding = first.GetInt("Dimension", 0);
                if (embedding <= 0)
                {
                    diagnostics.Add(Invalid(first, "Dimension", "positive", Literal(embedding)));
                    ok = false;
                }
            }
        }
        else if (decoder)
        {
            Layout(diagnostics, first, "a decoder reads target tokens; start it with [Embedding(d)] or [OneHot] and declare TargetVocab");
            ok = false;
        }
        else if (vocab > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLayoutId, first.Location, first.Display, first.Number,
                Invariant($"the network declares Vocab = {vocab}, so its input is token ids: start with [Embedding(d)] or [OneHot]")));
            ok = false;
        }
        else if (!encoderDecoder)
        {
            EquatableArray<int> shape = spec.InputShape;
            if (shape.Count != 1 || shape[0] <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, spec.NetworkLocation,
                    Invariant($"Recurrent network '{spec.DisplayName}' with float input needs the features of one step, e.g. [Network(28, Steps = 28)], or Vocab = n with [Embedding(d)] or [OneHot] for token input")));
                ok = false;
            }
            else
            {
                inputSize = shape[0];
            }
        }

        // Everything up to the recurrent layer must be the input layer.
        int recurrentAt = -1;
        for (int i = index; i < layers.Count; i++)
        {
            if (layers[i].Kind == LayerKind.Recurrent)
            {
                recurrentAt = i;
                break;
            }
        }
        if (recurrentAt < 0)
        {
            LayerSpec at = layers[layers.Count - 1];
            Layout(diagnostics, at, Invariant($"the {(encoderDecoder ? (decoder ? "decoder" : "encoder") : "network")} has no [Recurrent] layer; add e.g. [Recurrent(Cell.Lstm, 256)] after its input layer"));
            return null;
        }
        for (int i = index; i < recurrentAt; i++)
        {
            if (!IsSequenceKind(layers[i].Kind) && !IsHeadKind(layers[i].Kind))
                continue; // DSL019 already
            Layout(diagnostics, layers[i], layers[i].Kind is LayerKind.Embedding or LayerKind.OneHot
                ? "a token layer must be the first layer of the network (or of the decoder)"
                : "only [Embedding] or [OneHot] may come before the recurrent layer");
            ok = false;
        }

        recurrentLayer = layers[recurrentAt];
        RecurrentLayerSpec? recurrent = ReadRecurrent(spec, recurrentLayer, steps, diagnostics);
        ok &= recurrent is not null;

        var head = new List<HeadLayerSpec>();
        int denseCount = 0;
        for (int i = recurrentAt + 1; i < layers.Count; i++)
            if (layers[i].Kind == LayerKind.Dense)
                denseCount++;
        int denseNumber = 0;
        string denseBase = decoder ? "dense" : "fc";
        for (int i = recurrentAt + 1; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            switch (layer.Kind)
            {
                case LayerKind.Recurrent:
                    Layout(diagnostics, layer, "one [Recurrent] per network (or per encoder and decoder); stack layers with Layers = n");
                    ok = false;
                    break;
                case LayerKind.Embedding or LayerKind.OneHot:
                    Layout(diagnostics, layer, "a token layer must be the first layer of the network (or of the decoder)");
                    ok = false;
                    break;
                case LayerKind.LastStep:
                    if (lastStep || head.Count > 0)
                    {
                        Layout(diagnostics, layer, "[LastStep] belongs right after the recurrent layer, once");
                        ok = false;
                    }
                    else if (decoder)
                    {
                        Layout(diagnostics, layer, "a decoder predicts a token at every step, so [LastStep] has no place in it");
                        ok = false;
                    }
                    lastStep = true;
                    break;
                case LayerKind.Dense:
                {
                    int units = layer.GetInt("Units", 0);
                    if (units <= 0)
                    {
                        diagnostics.Add(Invalid(layer, "Units", "positive", Literal(units)));
                        ok = false;
                    }
                    if (!layer.GetBool("Bias", true))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLayoutId, layer.LocationOf("Bias"), layer.Display, layer.Number,
                            "Dense without bias is not supported after a recurrent layer; remove Bias = false"));
                        ok = false;
                    }
                    denseNumber++;
                    head.Add(new HeadLayerSpec(LayerKind.Dense, units, 0, denseCount == 1 ? denseBase : denseBase + Literal(denseNumber)));
                    break;
                }
                case LayerKind.Dropout:
                {
                    double p = layer.GetDouble("P", 0);
                    if (!(p >= 0 && p < 1))
                    {
                        diagnostics.Add(Invalid(layer, "P", "in [0, 1)", Literal(p)));
                        ok = false;
                    }
                    head.Add(new HeadLayerSpec(LayerKind.Dropout, 0, p, ""));
                    break;
                }
                case LayerKind.ReLU or LayerKind.Tanh or LayerKind.Sigmoid:
                    head.Add(new HeadLayerSpec(layer.Kind, 0, 0, ""));
                    break;
                default:
                    ok = false; // DSL019 or DSL010 already
                    break;
            }
        }
        if (!ok || recurrent is null)
            return null;
        return new SequencePartSpec(prefix, input, inputSize, embedding, recurrent, head.ToEquatableArray());
    }

    private static RecurrentLayerSpec? ReadRecurrent(NetworkSpec spec, LayerSpec layer, int steps, List<DiagnosticInfo> diagnostics)
    {
        bool ok = true;
        int cell = layer.GetInt("Cell", 0), hidden = layer.GetInt("Hidden", 0), layers = layer.GetInt("Layers", 1);
        double dropout = layer.GetDouble("Dropout", 0);
        bool bidirectional = layer.GetBool("Bidirectional", false);
        if (spec.Steps is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecurrentWithoutStepsId, layer.Location, layer.Display, layer.Number, spec.DisplayName));
            ok = false;
        }
        else if (steps <= 0)
        {
            ok = false; // reported on Steps
        }
        if (cell is < 0 or > 2)
        {
            diagnostics.Add(Invalid(layer, "Cell", "Cell.Rnn, Cell.Lstm or Cell.Gru", Literal(cell)));
            ok = false;
        }
        if (hidden <= 0)
        {
            diagnostics.Add(Invalid(layer, "Hidden", "positive", Literal(hidden)));
            ok = false;
        }
        if (layers <= 0)
        {
            diagnostics.Add(Invalid(layer, "Layers", "positive", Literal(layers)));
            ok = false;
        }
        if (!(dropout >= 0 && dropout < 1))
        {
            diagnostics.Add(Invalid(layer, "Dropout", "in [0, 1)", Literal(dropout)));
            ok = false;
        }
        else if (dropout > 0 && layers == 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecurrentDropoutUnusedId, layer.LocationOf("Dropout"), layer.Display, layer.Number, Literal(dropout)));
        }
        return ok ? new RecurrentLayerSpec(cell, hidden, layers, dropout, bidirectional) : null;
    }

    private static void CheckHandOff(LayerSpec encoderLayer, RecurrentLayerSpec encoder, LayerSpec decoderLayer, RecurrentLayerSpec decoder, List<DiagnosticInfo> diagnostics)
    {
        string? problem = null;
        if (encoder.Bidirectional && !decoder.Bidirectional)
            problem = "the encoder is bidirectional and its final state holds two directions per layer, which a unidirectional decoder cannot take";
        else if (encoder.Cell != decoder.Cell)
            problem = Invariant($"the encoder's cell is Cell.{CellName(encoder.Cell)} and the decoder's Cell.{CellName(decoder.Cell)}; use the same cell in both");
        else if (encoder.Hidden != decoder.Hidden)
            problem = Invariant($"the encoder's state has {encoder.Hidden} hidden units and the decoder's {decoder.Hidden}; use the same hidden size in both");
        else if (encoder.Layers != decoder.Layers)
            problem = Invariant($"the encoder has Layers = {encoder.Layers} and the decoder Layers = {decoder.Layers}; use the same number of layers in both");
        if (problem is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DecoderMismatchId, decoderLayer.Location, decoderLayer.Display, decoderLayer.Number,
                encoderLayer.Display, encoderLayer.Number, problem));
    }

    private static void CheckHead(List<LayerSpec> layers, LayerSpec recurrentLayer, SequencePartSpec part, int vocab, string vocabName, List<DiagnosticInfo> diagnostics)
    {
        LayerSpec? lastDense = null;
        foreach (LayerSpec layer in layers)
            if (layer.Kind == LayerKind.Dense && layer.Number > recurrentLayer.Number)
                lastDense = layer;
        if (lastDense is null || part.Head[part.Head.Count - 1].Kind != LayerKind.Dense)
        {
            Layout(diagnostics, lastDense is null ? recurrentLayer : layers[layers.Count - 1],
                Invariant($"the tokens predicted at every step need a head ending with Dense({vocab}) ({vocabName}) after the recurrent layer"));
            return;
        }
        int units = lastDense.GetInt("Units", 0);
        if (units != vocab)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HeadSizeMismatchId, lastDense.Location, lastDense.Display, lastDense.Number, units, vocabName, vocab));
    }

    private static long PartParameters(SequencePartSpec part, int context)
    {
        long count = part.Input == SequenceInputKind.Embedding ? (long)part.InputSize * part.EmbeddingSize : 0;
        RecurrentLayerSpec r = part.Recurrent;
        count += r.ParameterCount(part.StepWidth + context);
        long input = r.OutputSize;
        foreach (HeadLayerSpec layer in part.Head)
        {
            if (layer.Kind != LayerKind.Dense)
                continue;
            count += (input + 1) * layer.Size;
            input = layer.Size;
        }
        return count;
    }

    private static void BidirectionalNotHere(List<DiagnosticInfo> diagnostics, LayerSpec layer, string reason)
        => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLayoutId, layer.LocationOf("Bidirectional"), layer.Display, layer.Number,
            "Bidirectional = true: " + reason + "; bidirectional layers belong in sequence classifiers"));

    private static string CellName(int cell) => cell switch { 1 => "Lstm", 2 => "Gru", _ => "Rnn" };

    private static int ReadPositive(NetworkSpec spec, LayerArgument? argument, List<DiagnosticInfo> diagnostics)
    {
        if (argument is null)
            return 0;
        if (argument.IntValue > 0)
            return argument.IntValue;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShapeId, argument.Location,
            Invariant($"Network '{spec.DisplayName}': {argument.Name} must be positive but is {argument.IntValue}")));
        return 0;
    }

    private static LayerSpec? Find(List<LayerSpec> layers, LayerKind kind)
    {
        foreach (LayerSpec layer in layers)
            if (layer.Kind == kind)
                return layer;
        return null;
    }

    private static LayerSpec FirstAfter(List<LayerSpec> layers, LayerSpec layer)
    {
        int index = layers.IndexOf(layer);
        return index + 1 < layers.Count ? layers[index + 1] : layer;
    }

    private static DiagnosticInfo Invalid(LayerSpec layer, string argument, string requirement, string value)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameterId, layer.LocationOf(argument), layer.Display, layer.Number, argument, requirement, value);

    private static void Layout(List<DiagnosticInfo> diagnostics, LayerSpec layer, string message)
        => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLayoutId, layer.Location, layer.Display, layer.Number, message));

    private static string Literal(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Literal(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static int CountErrors(List<DiagnosticInfo> diagnostics)
    {
        int count = 0;
        foreach (DiagnosticInfo diagnostic in diagnostics)
            if (diagnostic.Id != DiagnosticDescriptors.RecurrentDropoutUnusedId)
                count++;
        return count;
    }

    private static BuildResult Fail(List<DiagnosticInfo> diagnostics) => new(null, diagnostics.ToEquatableArray());
}
