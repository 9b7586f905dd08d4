namespace Dsl.Runtime;

/// <summary>
/// Joins the two directions of a bidirectional layer as PyTorch lays them out: run one layer with
/// <see cref="RecurrentGeometry.Reverse"/> false and one with it true over the same input, then concatenate their outputs per
/// position into <c>[steps, batch, 2H]</c> (forward features first). Backward splits the output gradient the same way and the
/// caller adds the two directions' <c>dx</c>.
/// </summary>
public static class Bidirectional
{
    /// <summary><c>output[r] = (forward[r], backward[r])</c> for each of <paramref name="rows"/> = steps·batch rows.</summary>
    public static void Concatenate(ReadOnlySpan<float> forward, ReadOnlySpan<float> backward, Span<float> output, int rows, int hidden)
    {
        Check(forward.Length, backward.Length, output.Length, rows, hidden, nameof(output));
        for (int r = 0; r < rows; r++)
        {
            forward.Slice(r * hidden, hidden).CopyTo(output.Slice(2 * r * hidden, hidden));
            backward.Slice(r * hidden, hidden).CopyTo(output.Slice((2 * r + 1) * hidden, hidden));
        }
    }

    /// <summary>The inverse of <see cref="Concatenate"/>, for the output gradient.</summary>
    public static void Split(ReadOnlySpan<float> dOutput, Span<float> dForward, Span<float> dBackward, int rows, int hidden)
    {
        Check(dForward.Length, dBackward.Length, dOutput.Length, rows, hidden, nameof(dOutput));
        for (int r = 0; r < rows; r++)
        {
            dOutput.Slice(2 * r * hidden, hidden).CopyTo(dForward.Slice(r * hidden, hidden));
            dOutput.Slice((2 * r + 1) * hidden, hidden).CopyTo(dBackward.Slice(r * hidden, hidden));
        }
    }

    private static void Check(int forward, int backward, int joined, int rows, int hidden, string joinedName)
    {
        if (forward != rows * hidden || backward != rows * hidden)
            throw new ArgumentException($"Each direction must have {rows * hidden} elements [{rows}, {hidden}] but has {forward} and {backward}.");
        if (joined != 2 * rows * hidden)
            throw new ArgumentException($"{joinedName} must have {2 * rows * hidden} elements [{rows}, {2 * hidden}] but has {joined}.", joinedName);
    }
}
