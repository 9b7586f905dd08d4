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
        [InternalErrorId] = InternalError,
    };

    /// <summary>All rules, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = new[]
    {
        NotPartial, InvalidInputShape, SpatialSize, InvalidHyperparameter, DenseNeedsFlat, LayerWithoutNetwork,
        NeedsFeatureMap, NoLayers, OutputNotFlat, UnknownLayer, AddShapeMismatch, ConcatShapeMismatch, Groups, InvalidBlock,
        InternalError,
    };

    /// <summary>The rule with id <paramref name="id"/>.</summary>
    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
