namespace Dsl.Benchmarks;

/// <summary>
/// The sanity check the peer prints (loss before the first and after the last step on a fixed batch), made to fail:
/// a benchmark of a hand-composed step that does not train would measure the wrong thing.
/// </summary>
internal static class TrainingCheck
{
    /// <summary>Throws unless both losses are finite and the later one is lower; otherwise prints them to the benchmark log.</summary>
    public static void LossFalls(string workload, float first, float later)
    {
        if (!float.IsFinite(first) || !float.IsFinite(later) || later >= first)
            throw new InvalidOperationException(
                $"{workload}: expected the loss on a fixed batch to fall during warm-up, but it went from {first} to {later}.");
        Console.WriteLine($"// {workload}: loss {first:F4} at the first step, {later:F4} after warm-up (same fixed batch each step)");
    }
}
