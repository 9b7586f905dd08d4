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
    /// <summary>Scratch for op <c>Index</c>'s input gradient in slot <c>Slot</c>: a contribution to be added to a gradient
    /// another reader already wrote, or a gradient the kernel must produce although nothing upstream uses it.</summary>
    Scratch,
}

/// <summary>
/// One span the generated code uses: <see cref="Size"/> and <see cref="Offset"/> are per example (the arena slice is
/// <c>batch × Offset</c>, <c>batch × Size</c>); <see cref="IsExternal"/> means it is the caller's input, not arena memory.
/// <see cref="SharesWith"/> names the value whose memory it reuses in place, if any.
/// </summary>
public sealed record PlannedValue(ValueRole Role, int Index, string Name, int Size, int Offset, bool IsExternal, string? SharesWith)
{
    /// <summary>The input slot of a <see cref="ValueRole.Scratch"/> value.</summary>
    public int Slot { get; init; }
}

/// <summary>How backward of one op delivers the gradient of one input slot.</summary>
/// <param name="Op">The op (1-based).</param>
/// <param name="Slot">The input slot.</param>
/// <param name="Mode">Overwrite, accumulate, share or nothing.</param>
/// <param name="Target">The gradient value the slot contributes to (its input's), or null.</param>
/// <param name="Scratch">Where the kernel writes instead of <paramref name="Target"/> when it cannot add into it, or null.</param>
public sealed record GradientRoute(int Op, int Slot, GradientMode Mode, string? Target, string? Scratch);

/// <summary>
/// The schedule of one network: where every activation, gradient, mask and scratch span lives in the arena, and the
/// parameter layout. Ops run forward 1..n, then the loss, then backward from n down to 1, skipping ops that have nothing
/// to learn and no input whose gradient anything needs (<see cref="RunsBackward"/>).
/// </summary>
public sealed record Plan(
    EquatableArray<PlannedValue> Values,
    EquatableArray<ParameterSpec> Parameters,
    int ParameterCount,
    int FloatsPerExample,
    int FloatsPerExampleWithoutReuse,
    EquatableArray<bool> RunsBackward,
    EquatableArray<GradientRoute> Routes)
{
    /// <summary>Activation <paramref name="index"/> (0 is the input).</summary>
    public PlannedValue Activation(int index) => Find(ValueRole.Activation, index)!;

    /// <summary>Gradient of activation <paramref name="index"/>, or null when backward never needs it.</summary>
    public PlannedValue? Gradient(int index) => Find(ValueRole.Gradient, index);

    /// <summary>Dropout mask of op <paramref name="index"/>, or null.</summary>
    public PlannedValue? Mask(int index) => Find(ValueRole.Mask, index);

    /// <summary>Saved training state of op <paramref name="index"/>, or null.</summary>
    public PlannedValue? Saved(int index) => Find(ValueRole.Saved, index);

    /// <summary>Whether op <paramref name="op"/> (1-based) runs a backward step.</summary>
    public bool Backward(int op) => RunsBackward[op - 1];

    /// <summary>Whether any op runs backward.</summary>
    public bool AnyBackward
    {
        get
        {
            foreach (bool runs in RunsBackward)
                if (runs)
                    return true;
            return false;
        }
    }

    /// <summary>How op <paramref name="op"/>'s backward delivers input slot <paramref name="slot"/>'s gradient.</summary>
    public GradientRoute Route(int op, int slot)
    {
        foreach (GradientRoute route in Routes)
            if (route.Op == op && route.Slot == slot)
                return route;
        return new GradientRoute(op, slot, GradientMode.None, null, null);
    }

    /// <summary>The value named <paramref name="name"/>.</summary>
    public PlannedValue Named(string name)
    {
        foreach (PlannedValue value in Values)
            if (value.Name == name)
                return value;
        throw new System.ArgumentException("No planned value is named " + name, nameof(name));
    }

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
