namespace Dsl.Runtime;

/// <summary>A unit of parallel work: <see cref="Execute"/> is called once for each part index in [0, parts).</summary>
public interface IParallelWork
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    void Execute(int part, int parts);
}

/// <summary>How many cores the kernels use, and the persistent workers that run their parts.</summary>
public static class Parallelism
{
    private static int s_maxDegree = Environment.ProcessorCount;

    /// <summary>Largest number of threads a kernel uses (default: the processor count). 1 gives deterministic, single-threaded results.</summary>
    public static int MaxDegree
    {
        get => s_maxDegree;
        set => s_maxDegree = value < 1 ? throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegree must be at least 1.") : value;
    }

    /// <summary>Runs every part of <paramref name="work"/> and returns when all are done. Allocates nothing.</summary>
    public static void Run<TWork>(ref TWork work, int parts) where TWork : struct, IParallelWork
    {
        // Placeholder sequential implementation; the worker pool replaces it.
        for (int p = 0; p < parts; p++) work.Execute(p, parts);
    }
}
