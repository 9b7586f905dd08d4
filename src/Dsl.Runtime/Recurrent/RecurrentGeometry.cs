namespace Dsl.Runtime;

/// <summary>
/// The compile-time shape of one recurrent layer: features per step in, hidden units, and sequence length.
/// The batch is the only size that varies at run time, so it is passed to each call.
/// All tensors are time-major: <c>x[steps, batch, inputSize]</c>, <c>h[steps, batch, hiddenSize]</c>.
/// <see cref="Reverse"/> runs the recurrence from the last step to the first, as the second direction of a PyTorch
/// bidirectional layer: outputs stay at their own time positions, and the final state is that of step 0.
/// </summary>
public readonly record struct RecurrentGeometry(int InputSize, int HiddenSize, int Steps, bool Reverse = false)
{
    /// <summary>The time index processed at iteration <paramref name="iteration"/> (0 is the first step run).</summary>
    public int TimeAt(int iteration) => Reverse ? Steps - 1 - iteration : iteration;

    /// <summary>The time index whose output feeds step <paramref name="time"/>'s recurrence (only valid when that step is not the first run).</summary>
    public int PreviousTime(int time) => Reverse ? time + 1 : time - 1;

    /// <summary>Throws when a size is not positive, naming the offending size.</summary>
    public void Validate()
    {
        if (InputSize <= 0) throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, "InputSize must be positive.");
        if (HiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "HiddenSize must be positive.");
        if (Steps <= 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be positive.");
    }

    /// <summary>Elements of the input sequence for <paramref name="batch"/> examples: <c>steps·batch·inputSize</c>.</summary>
    public int InputLength(int batch) => Steps * batch * InputSize;

    /// <summary>Elements of the per-step outputs: <c>steps·batch·hiddenSize</c>.</summary>
    public int OutputLength(int batch) => Steps * batch * HiddenSize;

    /// <summary>Elements of one state (<c>h</c> or <c>c</c>) for <paramref name="batch"/> examples: <c>batch·hiddenSize</c>.</summary>
    public int StateLength(int batch) => batch * HiddenSize;
}

/// <summary>
/// Length checks shared by the recurrent kernels, so the messages read alike. Shapes are passed as numbers and
/// formatted only when a check fails: a successful call allocates nothing.
/// </summary>
internal static class RecurrentChecks
{
    public static void Batch(in RecurrentGeometry g, int batch)
    {
        g.Validate();
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive.");
    }

    /// <summary>Span must hold exactly the shape's element count.</summary>
    public static void Exact(int actual, string name, int d0, int d1 = 1, int d2 = 1, int rank = 1)
    {
        if (actual != d0 * d1 * d2)
            throw new ArgumentException($"{name} must have {d0 * d1 * d2} elements {Shape(d0, d1, d2, rank)} but has {actual}.", name);
    }

    /// <summary>Span may be empty (meaning zero, absent or not wanted) or hold exactly the shape's element count.</summary>
    public static void EmptyOr(int actual, string name, int d0, int d1 = 1, int d2 = 1, int rank = 1)
    {
        if (actual != 0 && actual != d0 * d1 * d2)
            throw new ArgumentException($"{name} must be empty or have {d0 * d1 * d2} elements {Shape(d0, d1, d2, rank)} but has {actual}.", name);
    }

    /// <summary>A workspace may be longer than needed (a slice of a larger arena).</summary>
    public static void AtLeast(int actual, int expected, string name)
    {
        if (actual < expected)
            throw new ArgumentException($"{name} must have at least {expected} elements but has {actual}.", name);
    }

    private static string Shape(int d0, int d1, int d2, int rank) => rank switch
    {
        1 => $"[{d0}]",
        2 => $"[{d0}, {d1}]",
        _ => $"[{d0}, {d1}, {d2}]",
    };

    /// <summary>Shapes of the four PyTorch parameters for a layer with <paramref name="gates"/> gate blocks (RNN 1, GRU 3, LSTM 4).</summary>
    public static void Parameters(in RecurrentGeometry g, int gates, int weightIh, int weightHh, int biasIh, int biasHh)
    {
        int rows = gates * g.HiddenSize;
        Exact(weightIh, "weightIh", rows, g.InputSize, rank: 2);
        Exact(weightHh, "weightHh", rows, g.HiddenSize, rank: 2);
        EmptyOr(biasIh, "biasIh", rows);
        EmptyOr(biasHh, "biasHh", rows);
    }

    /// <summary>The same shapes for the parameter gradients (weights required, biases may be empty to skip them).</summary>
    public static void ParameterGradients(in RecurrentGeometry g, int gates, int dWeightIh, int dWeightHh, int dBiasIh, int dBiasHh)
    {
        int rows = gates * g.HiddenSize;
        Exact(dWeightIh, "dWeightIh", rows, g.InputSize, rank: 2);
        Exact(dWeightHh, "dWeightHh", rows, g.HiddenSize, rank: 2);
        EmptyOr(dBiasIh, "dBiasIh", rows);
        EmptyOr(dBiasHh, "dBiasHh", rows);
    }

    /// <summary>Input sequence and per-step outputs (or their gradients).</summary>
    public static void Sequence(in RecurrentGeometry g, int batch, int x, string xName, int hAll, string hAllName)
    {
        Exact(x, xName, g.Steps, batch, g.InputSize, rank: 3);
        Exact(hAll, hAllName, g.Steps, batch, g.HiddenSize, rank: 3);
    }

    /// <summary>A state-shaped span (<c>[batch, hidden]</c>) that may be empty.</summary>
    public static void State(in RecurrentGeometry g, int batch, int length, string name)
        => EmptyOr(length, name, batch, g.HiddenSize, rank: 2);
}
