using System;
using System.Globalization;

namespace Dsl.Generator.Model;

/// <summary>The layer attributes the generator knows.</summary>
public enum LayerKind
{
    /// <summary>A subclass of <c>Dsl.LayerAttribute</c> the generator does not know.</summary>
    Unknown,
    /// <summary><c>[Dense]</c></summary>
    Dense,
    /// <summary><c>[Conv]</c></summary>
    Conv,
    /// <summary><c>[MaxPool]</c></summary>
    MaxPool,
    /// <summary><c>[AvgPool]</c></summary>
    AvgPool,
    /// <summary><c>[Flatten]</c></summary>
    Flatten,
    /// <summary><c>[ReLU]</c></summary>
    ReLU,
    /// <summary><c>[PReLU]</c></summary>
    PReLU,
    /// <summary><c>[Sigmoid]</c></summary>
    Sigmoid,
    /// <summary><c>[Tanh]</c></summary>
    Tanh,
    /// <summary><c>[Dropout]</c></summary>
    Dropout,
    /// <summary><c>[BatchNorm]</c></summary>
    BatchNorm,
    /// <summary><c>[LayerNorm]</c></summary>
    LayerNorm,
    /// <summary><c>[GlobalAvgPool]</c></summary>
    GlobalAvgPool,
    /// <summary><c>[AdaptiveAvgPool]</c></summary>
    AdaptiveAvgPool,
    /// <summary><c>[Use(typeof(Block))]</c>: a user block expanded in place.</summary>
    Use,
    /// <summary><c>[Parallel(Merge.Add or Merge.Concat, typeof(A), typeof(B)…)]</c></summary>
    Parallel,
    /// <summary><c>[Residual(typeof(Body))]</c></summary>
    Residual,
    /// <summary><c>[Stage(depth, width)]</c>: AnyNet/RegNet stage.</summary>
    Stage,
    /// <summary><c>[VggBlock(convs, channels)]</c></summary>
    VggBlock,
    /// <summary><c>[NiNBlock(channels, kernel)]</c></summary>
    NiNBlock,
    /// <summary><c>[Inception(c1, c2Reduce, c2, c3Reduce, c3, c4)]</c></summary>
    Inception,
    /// <summary><c>[DenseBlock(convs, growth)]</c></summary>
    DenseBlock,
    /// <summary><c>[Transition(channels)]</c></summary>
    Transition,
    /// <summary><c>[Embedding(dimension)]</c>: token input of a recurrent network.</summary>
    Embedding,
    /// <summary><c>[OneHot]</c>: token input of a recurrent network.</summary>
    OneHot,
    /// <summary><c>[Recurrent(cell, hidden, Layers, Bidirectional, Dropout)]</c></summary>
    Recurrent,
    /// <summary><c>[LastStep]</c></summary>
    LastStep,
    /// <summary><c>[Decoder]</c>: splits an encoder–decoder network.</summary>
    Decoder,
}

/// <summary>How an attribute argument was written.</summary>
public enum ArgumentKind
{
    /// <summary>An <c>int</c> (or an enum value).</summary>
    Int,
    /// <summary>A <c>double</c>.</summary>
    Double,
    /// <summary>A <c>bool</c>.</summary>
    Bool,
}

/// <summary>
/// One attribute argument, positional or named, under the name of the property it sets (a square
/// <c>kernel</c> sets both <c>KernelHeight</c> and <c>KernelWidth</c>, at the same location).
/// </summary>
public sealed record LayerArgument(string Name, ArgumentKind Kind, double Value, LocationInfo? Location)
{
    /// <summary>The value as an int (ints and enum values are exact in a double).</summary>
    public int IntValue => (int)Value;

    /// <summary>The value as a bool.</summary>
    public bool BoolValue => Value != 0;

    /// <summary>The value as the user wrote it.</summary>
    public string Display => Kind switch
    {
        ArgumentKind.Bool => BoolValue ? "true" : "false",
        ArgumentKind.Int => IntValue.ToString(CultureInfo.InvariantCulture),
        _ => Value.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// One layer attribute, in declaration order. <see cref="Number"/> counts from 1; <see cref="Display"/> is the
/// attribute as written with normalised spacing, e.g. <c>Conv(6, 5, Padding = 2)</c>, for messages and the summary.
/// </summary>
public sealed record LayerSpec(
    LayerKind Kind,
    string AttributeName,
    string Display,
    int Number,
    LocationInfo? Location,
    EquatableArray<LayerArgument> Arguments)
{
    /// <summary>The argument named <paramref name="name"/>, or null when the attribute leaves it at its default.</summary>
    public LayerArgument? Find(string name)
    {
        foreach (LayerArgument argument in Arguments)
            if (string.Equals(argument.Name, name, StringComparison.Ordinal))
                return argument;
        return null;
    }

    /// <summary>The int argument <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public int GetInt(string name, int fallback) => Find(name) is { } a ? a.IntValue : fallback;

    /// <summary>The double argument <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public double GetDouble(string name, double fallback) => Find(name) is { } a ? a.Value : fallback;

    /// <summary>The bool argument <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public bool GetBool(string name, bool fallback) => Find(name) is { } a ? a.BoolValue : fallback;

    /// <summary>Where to point a diagnostic about argument <paramref name="name"/>: the argument, else the attribute.</summary>
    public LocationInfo? LocationOf(string name) => Find(name)?.Location ?? Location;

    /// <summary>The block classes the attribute names with <c>typeof</c>, in argument order (a body, branches, a stage's block).</summary>
    public EquatableArray<BlockSpec> Blocks { get; init; } = EquatableArray<BlockSpec>.Empty;
}

/// <summary>
/// A class named by <c>typeof</c> in a block attribute, read as values: its layer attributes when it is a <c>[Block]</c>,
/// or <see cref="Error"/> saying why it cannot be used (not a block, uses itself).
/// </summary>
/// <param name="Name">The class name as written in messages.</param>
/// <param name="Layers">Its layer attributes in source order.</param>
/// <param name="Error">Why the class cannot be expanded, or null.</param>
public sealed record BlockSpec(string Name, EquatableArray<LayerSpec> Layers, string? Error = null)
{
    /// <summary>An attribute in the block (or a block it uses) did not bind; the compiler reports it and nothing is generated.</summary>
    public bool HasErrors { get; init; }
}
