using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Dsl.Runtime;

/// <summary>A unit of parallel work: <see cref="Execute"/> is called once for each part index in [0, parts).</summary>
public interface IParallelWork
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    void Execute(int part, int parts);
}

/// <summary>How many cores the kernels use, and the persistent workers that run their parts.</summary>
/// <remarks>
/// The pool keeps <c>MaxDegree - 1</c> dedicated background threads, created the first time they are needed; the
/// calling thread always takes part in the work itself. Parts are handed out through an atomic counter, so a call
/// may have more parts than threads. A call made from inside a part, or while another thread is using the pool,
/// runs inline on the calling thread instead of waiting, which keeps nesting and concurrent callers deadlock-free.
/// </remarks>
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
    /// <remarks>
    /// Parts run concurrently on a shared copy of <paramref name="work"/>, so they should only read its fields;
    /// the copy is written back to <paramref name="work"/> before returning. If parts throw, the first exception
    /// is rethrown here after every started part has finished.
    /// </remarks>
    public static void Run<TWork>(ref TWork work, int parts) where TWork : struct, IParallelWork
    {
        if (parts <= 0) return;
        int degree = Math.Min(s_maxDegree, parts);
        if (degree <= 1 || t_insidePool || !Monitor.TryEnter(s_dispatchLock))
        {
            RunInline(ref work, parts);
            return;
        }
        try
        {
            Pool.Dispatch(ref work, parts, degree);
        }
        finally
        {
            Monitor.Exit(s_dispatchLock);
        }
    }

    private static void RunInline<TWork>(ref TWork work, int parts) where TWork : struct, IParallelWork
    {
        for (int p = 0; p < parts; p++) work.Execute(p, parts);
    }

    // Only one caller at a time owns the workers; others (rare) run inline rather than queue behind it.
    private static readonly object s_dispatchLock = new();

    // Set on worker threads for their lifetime and on the caller while it dispatches, so nested calls run inline.
    [ThreadStatic] private static bool t_insidePool;

    /// <summary>
    /// Holds the job currently being dispatched. Workers cannot be handed a generic <c>ref TWork</c>, so the work is
    /// copied into a static slot of its own type (the dispatch lock makes it single-owner) and workers call a
    /// function pointer to that slot's <see cref="Slot{TWork}.Execute"/>: no delegate, closure or boxing per call.
    /// </summary>
    private static class Slot<TWork> where TWork : struct, IParallelWork
    {
        public static TWork Value;

        public static void Execute(int part, int parts) => Value.Execute(part, parts);
    }

    private sealed class Worker
    {
        // Job hand-off state: Idle → Assigned (dispatcher) → Running (worker claims it) → Idle (worker done).
        // The dispatcher may take an unclaimed job back (Assigned → Idle) once it has run all parts itself, so a
        // worker that the OS has not scheduled yet does not delay the caller.
        public int State;
        // 1 while the worker is (about to be) blocked on Wake, so the dispatcher knows it must signal.
        public int Sleeping;
        public readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
    }

    private static unsafe class Pool
    {
        // About 100 µs of spinning (Thread.SpinWait(8) is ~0.3 µs here): long enough that back-to-back kernel calls in a
        // training step hand off without a kernel wait, short enough not to steal much from other processes when idle.
        private const int SpinIterations = 300;
        private const int Idle = 0, Assigned = 1, Running = 2;

        private static Worker[] s_workers = [];
        private static delegate* managed<int, int, void> s_execute;
        private static int s_parts;
        private static int s_nextPart;
        private static Exception? s_firstException;

        public static void Dispatch<TWork>(ref TWork work, int parts, int degree) where TWork : struct, IParallelWork
        {
            EnsureWorkers(degree - 1);
            Slot<TWork>.Value = work;
            s_execute = &Slot<TWork>.Execute;
            s_parts = parts;
            s_nextPart = 0;
            s_firstException = null;
            t_insidePool = true;
            try
            {
                Worker[] workers = s_workers;
                for (int w = 0; w < degree - 1; w++)
                {
                    Worker worker = workers[w];
                    // The full fence of Exchange orders the job fields before State and State before the Sleeping read;
                    // the worker does the mirror image (Sleeping, fence, State), so either it sees the job or we see it asleep.
                    Interlocked.Exchange(ref worker.State, Assigned);
                    if (Volatile.Read(ref worker.Sleeping) == 1) worker.Wake.Set();
                }

                RunParts();

                for (int w = 0; w < degree - 1; w++)
                {
                    Worker worker = workers[w];
                    if (Interlocked.CompareExchange(ref worker.State, Idle, Assigned) == Assigned) continue;
                    SpinWait spinner = default;
                    while (Volatile.Read(ref worker.State) != Idle) spinner.SpinOnce(sleep1Threshold: -1);
                }
            }
            finally
            {
                t_insidePool = false;
                work = Slot<TWork>.Value;
                // Drop references the work may hold so the slot does not keep them alive.
                Slot<TWork>.Value = default;
            }

            Exception? failure = s_firstException;
            if (failure is not null)
            {
                s_firstException = null;
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }

        private static void RunParts()
        {
            delegate* managed<int, int, void> execute = s_execute;
            int parts = s_parts;
            int part;
            while ((part = Interlocked.Increment(ref s_nextPart) - 1) < parts)
            {
                try
                {
                    execute(part, parts);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref s_firstException, ex, null);
                    // Stop handing out further parts; the caller is going to throw anyway.
                    Volatile.Write(ref s_nextPart, parts);
                }
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void EnsureWorkers(int count)
        {
            if (s_workers.Length >= count) return;
            var grown = new Worker[count];
            Array.Copy(s_workers, grown, s_workers.Length);
            for (int i = s_workers.Length; i < count; i++)
            {
                var worker = new Worker();
                grown[i] = worker;
                var thread = new Thread(WorkerLoop, maxStackSize: 0)
                {
                    IsBackground = true,
                    Name = $"Dsl.Runtime worker {i + 1}",
                };
                thread.Start(worker);
            }
            s_workers = grown;
        }

        private static void WorkerLoop(object? state)
        {
            var worker = (Worker)state!;
            t_insidePool = true;
            while (true)
            {
                WaitForJob(worker);
                if (Interlocked.CompareExchange(ref worker.State, Running, Assigned) != Assigned) continue;
                RunParts();
                Volatile.Write(ref worker.State, Idle);
            }
        }

        private static void WaitForJob(Worker worker)
        {
            for (int i = 0; i < SpinIterations; i++)
            {
                if (Volatile.Read(ref worker.State) == Assigned) return;
                Thread.SpinWait(8);
            }
            while (true)
            {
                worker.Wake.Reset();
                Interlocked.Exchange(ref worker.Sleeping, 1);
                if (Volatile.Read(ref worker.State) != Assigned) worker.Wake.Wait();
                Volatile.Write(ref worker.Sleeping, 0);
                // A wake-up may be stale (signalled for a job we already finished), so check again.
                if (Volatile.Read(ref worker.State) == Assigned) return;
            }
        }
    }
}
