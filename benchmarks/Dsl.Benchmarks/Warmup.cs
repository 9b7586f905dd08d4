using System.Diagnostics;

namespace Dsl.Benchmarks;

/// <summary>
/// Warm-up run in <c>[GlobalSetup]</c>, before BenchmarkDotNet's own. Tiered compilation recompiles a method with full
/// optimisation (and dynamic PGO) only after 30 calls; a benchmark whose operation takes tens of milliseconds makes
/// few calls per BenchmarkDotNet iteration, so without this its first measured iterations could still run tier-0 code.
/// </summary>
internal static class Warmup
{
    /// <summary>More than tiered compilation's 30-call threshold, with margin for the background recompilation to land.</summary>
    public const int Calls = 40;

    /// <summary>
    /// Calls every operation <see cref="Calls"/> times (round-robin, so each thread count and measurement gets warm), or
    /// fewer if <paramref name="budget"/> runs out first: a slow workload's kernels are called many times per step
    /// anyway, so its per-step methods matter little.
    /// </summary>
    public static void Run(TimeSpan budget, params Func<float>[] operations)
    {
        var clock = Stopwatch.StartNew();
        for (int call = 0; call < Calls && clock.Elapsed < budget; call++)
            foreach (Func<float> operation in operations)
                operation();
    }

    /// <summary>Warm-up with a budget of a minute, which only very slow workloads reach.</summary>
    public static void Run(params Func<float>[] operations) => Run(TimeSpan.FromMinutes(1), operations);
}
