using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Planning;

/// <summary>What a planned buffer holds.</summary>
public enum ValueRole
{
    /// <summary>Output of op <c>Index</c> (0 is the network input).</summary>
    Activation,
    /// <summary>Gradient of the loss with respect to activation <c>Index</c>.</summary>
    Gradient,
    /// <summary>Dropout mask of op <c>Index</c>.</summary>
    Mask,
    /// <summary>What training forward of op <c>Index</c> saves for its backward (batch statistics).</summary>
    Saved,
}

/// <summary>
/// One span the generated code uses: <see cref="Size"/> and <see cref="Offset"/> are per example (the arena slice is
/// <c>batch × Offset</c>, <c>batch × Size</c>); <see cref="IsExternal"/> means it is the caller's input, not arena memory.
/// <see cref="SharesWith"/> names the value it overwrites in place, if any.
/// </summary>
public sealed record PlannedValue(ValueRole Role, int Index, string Name, int Size, int Offset, bool IsExternal, string? SharesWith);

/// <summary>
/// The schedule of one network: where every activation, gradient and mask lives in the arena, and the parameter layout.
/// Ops run forward 1..n, then the loss, then backward from n down to <see cref="FirstBackwardOp"/> (ops before the first
/// one with parameters have nothing to learn and no backward).
/// </summary>
public sealed record Plan(
    EquatableArray<PlannedValue> Values,
    EquatableArray<ParameterSpec> Parameters,
    int ParameterCount,
    int FloatsPerExample,
    int FloatsPerExampleWithoutReuse,
    int FirstBackwardOp)
{
    /// <summary>Activation <paramref name="index"/> (0 is the input).</summary>
    public PlannedValue Activation(int index) => Find(ValueRole.Activation, index)!;

    /// <summary>Gradient of activation <paramref name="index"/>, or null when backward never needs it.</summary>
    public PlannedValue? Gradient(int index) => Find(ValueRole.Gradient, index);

    /// <summary>Dropout mask of op <paramref name="index"/>, or null.</summary>
    public PlannedValue? Mask(int index) => Find(ValueRole.Mask, index);

    /// <summary>Saved training state of op <paramref name="index"/>, or null.</summary>
    public PlannedValue? Saved(int index) => Find(ValueRole.Saved, index);

    /// <summary>Non-trainable buffers (running statistics) with their offsets in the buffer array.</summary>
    public EquatableArray<BufferSpec> Buffers { get; init; } = EquatableArray<BufferSpec>.Empty;

    /// <summary>Floats in the buffer array.</summary>
    public int BufferCount { get; init; }

    private PlannedValue? Find(ValueRole role, int index)
    {
        foreach (PlannedValue value in Values)
            if (value.Role == role && value.Index == index)
                return value;
        return null;
    }
}
