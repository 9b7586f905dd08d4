using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Dsl.Generator.Diagnostics;

/// <summary>Every rule the generator reports. Ids are also public constants for code fixers and tests.</summary>
public static class DiagnosticDescriptors
{
    /// <summary>Category of every rule.</summary>
    public const string Category = "Dsl";

    // Relative to the repository root: the project has no published documentation site.
    private const string HelpLinkBase = "docs/diagnostics/";

    /// <summary>Network class is not partial.</summary>
    public const string NotPartialId = "DSL001";
    /// <summary>Missing or invalid input shape.</summary>
    public const string InvalidInputShapeId = "DSL002";
    /// <summary>Spatial size becomes zero or negative.</summary>
    public const string SpatialSizeId = "DSL003";
    /// <summary>Invalid hyperparameter.</summary>
    public const string InvalidHyperparameterId = "DSL004";
    /// <summary>Dense on a feature map without Flatten.</summary>
    public const string DenseNeedsFlatId = "DSL005";
    /// <summary>Layer attribute on a class without [Network].</summary>
    public const string LayerWithoutNetworkId = "DSL006";
    /// <summary>Convolution or pooling on a flat input.</summary>
    public const string NeedsFeatureMapId = "DSL007";
    /// <summary>Network declares no layers.</summary>
    public const string NoLayersId = "DSL008";
    /// <summary>Network output is not flat, so the classification loss cannot apply.</summary>
    public const string OutputNotFlatId = "DSL009";
    /// <summary>Unknown layer attribute.</summary>
    public const string UnknownLayerId = "DSL010";
    /// <summary>Branches added element-wise have different shapes.</summary>
    public const string AddShapeMismatchId = "DSL011";
    /// <summary>Branches concatenated along channels have different heights or widths.</summary>
    public const string ConcatShapeMismatchId = "DSL012";
    /// <summary>A group count does not divide the channels.</summary>
    public const string GroupsId = "DSL013";
    /// <summary>A block cannot be expanded: not a [Block], recursive, or a placeholder without a value.</summary>
    public const string InvalidBlockId = "DSL014";
    /// <summary>A token layer (Embedding, OneHot) in a network without Vocab (or, after Decoder, TargetVocab).</summary>
    public const string TokenInputWithoutVocabId = "DSL015";
    /// <summary>A recurrent layer in a network without Steps.</summary>
    public const string RecurrentWithoutStepsId = "DSL016";
    /// <summary>The decoder's recurrent layer cannot start from the encoder's final state.</summary>
    public const string DecoderMismatchId = "DSL017";
    /// <summary>The output head's size differs from the vocabulary it predicts.</summary>
    public const string HeadSizeMismatchId = "DSL018";
    /// <summary>A layer that recurrent networks do not support (convolution, pooling, blocks…).</summary>
    public const string NotSequenceLayerId = "DSL019";
    /// <summary>Recurrent network layers in an order the generator cannot compile.</summary>
    public const string SequenceLayoutId = "DSL020";
    /// <summary>Dropout on a single-layer recurrent layer has no effect.</summary>
    public const string RecurrentDropoutUnusedId = "DSL021";
    /// <summary>Internal generator error.</summary>
    public const string InternalErrorId = "DSL999";

    /// <summary>DSL001</summary>
    public static readonly DiagnosticDescriptor NotPartial = Create(NotPartialId,
        "Network class must be partial",
        "Network '{0}' must be a partial class so that the generator can add Forward, TrainStep and the parameters; {1}",
        DiagnosticSeverity.Error);

    /// <summary>DSL002</summary>
    public static readonly DiagnosticDescriptor InvalidInputShape = Create(InvalidInputShapeId,
        "Invalid network input shape",
        "{0}",
        DiagnosticSeverity.Error);

    /// <summary>DSL003</summary>
    public static readonly DiagnosticDescriptor SpatialSize = Create(SpatialSizeId,
        "Spatial size becomes zero or negative",
        "{0} (layer {1}) receives input {2}; with kernel {3}, stride {4} and padding {5} the output would be {6}, which is not positive; use a smaller kernel, more padding or fewer pooling layers",
        DiagnosticSeverity.Error);

    /// <summary>DSL004</summary>
    public static readonly DiagnosticDescriptor InvalidHyperparameter = Create(InvalidHyperparameterId,
        "Invalid layer hyperparameter",
        "{0} (layer {1}): {2} must be {3} but is {4}",
        DiagnosticSeverity.Error);

    /// <summary>DSL005</summary>
    public static readonly DiagnosticDescriptor DenseNeedsFlat = Create(DenseNeedsFlatId,
        "Dense layer needs a flat input",
        "{0} (layer {1}) expects a flat input (features) but received {2}; add [Flatten] before it",
        DiagnosticSeverity.Error);

    /// <summary>DSL006</summary>
    public static readonly DiagnosticDescriptor LayerWithoutNetwork = Create(LayerWithoutNetworkId,
        "Layer attribute on a class without [Network]",
        "[{0}] on '{1}' has no effect because '{1}' has no [Network] attribute; add [Network(...)] with the input shape, or remove the layer",
        DiagnosticSeverity.Error);

    /// <summary>DSL007</summary>
    public static readonly DiagnosticDescriptor NeedsFeatureMap = Create(NeedsFeatureMapId,
        "Layer needs a (C, H, W) feature map",
        "{0} (layer {1}) expects a feature map of shape (C, H, W) but received the flat input {2}; declare the input as [Network(channels, height, width)] or move the layer before [Flatten]",
        DiagnosticSeverity.Error);

    /// <summary>DSL008</summary>
    public static readonly DiagnosticDescriptor NoLayers = Create(NoLayersId,
        "Network declares no layers",
        "Network '{0}' declares no layers; add layer attributes such as [Dense(10)] after [Network]",
        DiagnosticSeverity.Error);

    /// <summary>DSL009</summary>
    public static readonly DiagnosticDescriptor OutputNotFlat = Create(OutputNotFlatId,
        "Network output must be flat",
        "Network '{0}' ends with output {1}, but TrainStep applies softmax cross-entropy over a flat vector of class scores; end the network with [Flatten] or a [Dense] layer",
        DiagnosticSeverity.Error);

    /// <summary>DSL010</summary>
    public static readonly DiagnosticDescriptor UnknownLayer = Create(UnknownLayerId,
        "Unknown layer attribute",
        "[{0}] (layer {1}) derives from Dsl.LayerAttribute but the generator has no rule for it; use one of the layers in the Dsl namespace (Dense, Conv, MaxPool, BatchNorm, Residual, Stage…)",
        DiagnosticSeverity.Error);

    /// <summary>DSL011</summary>
    public static readonly DiagnosticDescriptor AddShapeMismatch = Create(AddShapeMismatchId,
        "Added branches have different shapes",
        "{0} (layer {1}) adds branches of different shapes: {2}; {3}",
        DiagnosticSeverity.Error);

    /// <summary>DSL012</summary>
    public static readonly DiagnosticDescriptor ConcatShapeMismatch = Create(ConcatShapeMismatchId,
        "Concatenated branches have different spatial sizes",
        "{0} (layer {1}) concatenates branches along channels, which needs equal height and width, but they produce {2}; give the branches the same stride and padding",
        DiagnosticSeverity.Error);

    /// <summary>DSL013</summary>
    public static readonly DiagnosticDescriptor Groups = Create(GroupsId,
        "Groups do not divide the channels",
        "{0} (layer {1}): {2}",
        DiagnosticSeverity.Error);

    /// <summary>DSL014</summary>
    public static readonly DiagnosticDescriptor InvalidBlock = Create(InvalidBlockId,
        "Invalid block",
        "{0} (layer {1}): {2}",
        DiagnosticSeverity.Error);

    /// <summary>DSL015</summary>
    public static readonly DiagnosticDescriptor TokenInputWithoutVocab = Create(TokenInputWithoutVocabId,
        "Token layer needs a vocabulary",
        "{0} (layer {1}) reads token ids, but network '{2}' declares no {3}; add {3} = (number of tokens) to [Network]",
        DiagnosticSeverity.Error);

    /// <summary>DSL016</summary>
    public static readonly DiagnosticDescriptor RecurrentWithoutSteps = Create(RecurrentWithoutStepsId,
        "Recurrent layer needs Steps",
        "{0} (layer {1}) runs over time steps, but network '{2}' declares no Steps; add Steps = (time steps per sequence) to [Network], as D2L's num_steps",
        DiagnosticSeverity.Error);

    /// <summary>DSL017</summary>
    public static readonly DiagnosticDescriptor DecoderMismatch = Create(DecoderMismatchId,
        "Decoder does not match the encoder",
        "The decoder's {0} (layer {1}) starts from the final state of the encoder's {2} (layer {3}), but {4}",
        DiagnosticSeverity.Error);

    /// <summary>DSL018</summary>
    public static readonly DiagnosticDescriptor HeadSizeMismatch = Create(HeadSizeMismatchId,
        "Output head size differs from the vocabulary",
        "{0} (layer {1}) gives {2} scores per step, but the tokens it predicts come from {3} = {4}; make it Dense({4})",
        DiagnosticSeverity.Error);

    /// <summary>DSL019</summary>
    public static readonly DiagnosticDescriptor NotSequenceLayer = Create(NotSequenceLayerId,
        "Layer not supported in a recurrent network",
        "{0} (layer {1}) cannot be mixed with recurrent layers; a recurrent network takes Embedding or OneHot, Recurrent, LastStep, Decoder, and Dense, ReLU, Tanh, Sigmoid or Dropout after the recurrent layer",
        DiagnosticSeverity.Error);

    /// <summary>DSL020</summary>
    public static readonly DiagnosticDescriptor SequenceLayout = Create(SequenceLayoutId,
        "Recurrent network layers out of place",
        "{0} (layer {1}): {2}",
        DiagnosticSeverity.Error);

    /// <summary>DSL021</summary>
    public static readonly DiagnosticDescriptor RecurrentDropoutUnused = Create(RecurrentDropoutUnusedId,
        "Recurrent dropout has no effect with one layer",
        "{0} (layer {1}): Dropout = {2} applies between stacked layers only, so with Layers = 1 it has no effect (PyTorch warns alike); set Layers above 1 or put [Dropout({2})] after the recurrent layer",
        DiagnosticSeverity.Warning);

    /// <summary>DSL999</summary>
    public static readonly DiagnosticDescriptor InternalError = Create(InternalErrorId,
        "Internal generator error",
        "The network generator failed on '{0}' and generated nothing for it: {1}",
        DiagnosticSeverity.Warning);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new()
    {
        [NotPartialId] = NotPartial,
        [InvalidInputShapeId] = InvalidInputShape,
        [SpatialSizeId] = SpatialSize,
        [InvalidHyperparameterId] = InvalidHyperparameter,
        [DenseNeedsFlatId] = DenseNeedsFlat,
        [LayerWithoutNetworkId] = LayerWithoutNetwork,
        [NeedsFeatureMapId] = NeedsFeatureMap,
        [NoLayersId] = NoLayers,
        [OutputNotFlatId] = OutputNotFlat,
        [UnknownLayerId] = UnknownLayer,
        [AddShapeMismatchId] = AddShapeMismatch,
        [ConcatShapeMismatchId] = ConcatShapeMismatch,
        [GroupsId] = Groups,
        [InvalidBlockId] = InvalidBlock,
        [TokenInputWithoutVocabId] = TokenInputWithoutVocab,
        [RecurrentWithoutStepsId] = RecurrentWithoutSteps,
        [DecoderMismatchId] = DecoderMismatch,
        [HeadSizeMismatchId] = HeadSizeMismatch,
        [NotSequenceLayerId] = NotSequenceLayer,
        [SequenceLayoutId] = SequenceLayout,
        [RecurrentDropoutUnusedId] = RecurrentDropoutUnused,
        [InternalErrorId] = InternalError,
    };

    /// <summary>All rules, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = new[]
    {
        NotPartial, InvalidInputShape, SpatialSize, InvalidHyperparameter, DenseNeedsFlat, LayerWithoutNetwork,
        NeedsFeatureMap, NoLayers, OutputNotFlat, UnknownLayer, AddShapeMismatch, ConcatShapeMismatch, Groups, InvalidBlock,
        TokenInputWithoutVocab, RecurrentWithoutSteps, DecoderMismatch, HeadSizeMismatch, NotSequenceLayer, SequenceLayout,
        RecurrentDropoutUnused, InternalError,
    };

    /// <summary>The rule with id <paramref name="id"/>.</summary>
    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
