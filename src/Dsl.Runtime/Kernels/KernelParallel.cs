using System.Runtime.CompilerServices;

namespace Dsl.Runtime;

/// <summary>How kernels split independent units (examples, planes) over <see cref="Parallelism"/>.</summary>
internal static class KernelParallel
{
    /// <summary>Below this many floats touched, waking workers costs more than it saves.</summary>
    private const long MinimumFloatsPerPart = 16 * 1024;

    /// <summary>Runs <paramref name="work"/> over <paramref name="units"/> units of about <paramref name="floatsPerUnit"/> floats each.</summary>
    public static void Run<TWork>(ref TWork work, int units, long floatsPerUnit) where TWork : struct, IParallelWork
    {
        long byVolume = Math.Max(1, units * floatsPerUnit / MinimumFloatsPerPart);
        int parts = (int)Math.Min(Math.Min(Parallelism.MaxDegree, units), byVolume);
        if (parts <= 1)
            work.Execute(0, 1);
        else
            Parallelism.Run(ref work, parts);
    }

    /// <summary>The contiguous range of units that part <paramref name="part"/> of <paramref name="parts"/> owns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Begin, int End) Range(int units, int part, int parts) =>
        ((int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));
}
