using Dsl.Runtime;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Tests that change the process-wide <see cref="Parallelism.MaxDegree"/> run in this collection, alone.</summary>
[CollectionDefinition(nameof(ParallelismCollection), DisableParallelization = true)]
public sealed class ParallelismCollection;

[Collection(nameof(ParallelismCollection))]
public class ParallelismTests
{
    private struct CountParts : IParallelWork
    {
        public int[] Counts;
        public int[] Threads;

        public readonly void Execute(int part, int parts)
        {
            Interlocked.Increment(ref Counts[part]);
            Threads[part] = Environment.CurrentManagedThreadId;
            // Give the other threads a chance to take parts, so the test sees real concurrency.
            Thread.SpinWait(2000);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 37)]
    [InlineData(4, 100)]
    public void EveryPartRunsExactlyOnce(int degree, int parts)
    {
        GemmTests.WithDegree(degree, () =>
        {
            for (int round = 0; round < 50; round++)
            {
                var work = new CountParts { Counts = new int[parts], Threads = new int[parts] };
                Parallelism.Run(ref work, parts);
                Assert.All(work.Counts, count => Assert.Equal(1, count));
            }
        });
    }

    [Fact]
    public void DegreeOne_RunsOnCallingThread()
    {
        GemmTests.WithDegree(1, () =>
        {
            var work = new CountParts { Counts = new int[8], Threads = new int[8] };
            Parallelism.Run(ref work, 8);
            Assert.All(work.Threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
        });
    }

    private struct Throwing : IParallelWork
    {
        public int[] Ran;

        public readonly void Execute(int part, int parts)
        {
            Interlocked.Increment(ref Ran[0]);
            if (part == 3) throw new InvalidOperationException($"part {part} failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ExceptionInPart_PropagatesToCaller(int degree)
    {
        GemmTests.WithDegree(degree, () =>
        {
            var work = new Throwing { Ran = new int[1] };
            var ex = Assert.Throws<InvalidOperationException>(() => Parallelism.Run(ref work, 8));
            Assert.Equal("part 3 failed", ex.Message);

            // The pool must still work after a failure.
            var counting = new CountParts { Counts = new int[5], Threads = new int[5] };
            Parallelism.Run(ref counting, 5);
            Assert.All(counting.Counts, count => Assert.Equal(1, count));
        });
    }

    private struct Nested : IParallelWork
    {
        public int[] Counts;

        public readonly void Execute(int part, int parts)
        {
            var inner = new CountParts { Counts = new int[4], Threads = new int[4] };
            Parallelism.Run(ref inner, 4);
            foreach (int count in inner.Counts) Interlocked.Add(ref Counts[part], count);
        }
    }

    [Fact]
    public void NestedRun_CompletesInline()
    {
        GemmTests.WithDegree(2, () =>
        {
            var work = new Nested { Counts = new int[6] };
            Parallelism.Run(ref work, 6);
            Assert.All(work.Counts, count => Assert.Equal(4, count));
        });
    }

    /// <summary>Records the worker thread's own allocation counter, the only precise view of what the pool allocates there.</summary>
    private struct AllocationProbe : IParallelWork
    {
        public int CallerThread;
        public long[] WorkerBytes; // [first seen, last seen], -1 until the worker runs a part

        public readonly void Execute(int part, int parts)
        {
            Thread.SpinWait(200);
            if (Environment.CurrentManagedThreadId == CallerThread) return;
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            Interlocked.CompareExchange(ref WorkerBytes[0], bytes, -1);
            Volatile.Write(ref WorkerBytes[1], bytes);
        }
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        GemmTests.WithDegree(2, () =>
        {
            var work = new AllocationProbe { CallerThread = Environment.CurrentManagedThreadId, WorkerBytes = [-1, -1] };
            for (int i = 0; i < 200; i++) Parallelism.Run(ref work, 16);
            work.WorkerBytes[0] = -1;
            long callerBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++) Parallelism.Run(ref work, 16);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - callerBefore);
            Assert.NotEqual(-1, work.WorkerBytes[0]);
            Assert.Equal(0, work.WorkerBytes[1] - work.WorkerBytes[0]);
        });
    }

    /// <summary>
    /// Asserts that <paramref name="action"/> allocates nothing on the calling thread once warm. (The process-wide counter
    /// would also see the test host's own threads, which allocate unpredictably while results are reported.)
    /// </summary>
    internal static void AssertNoAllocationOnThread(Action action)
    {
        // Warm up long enough for tiered compilation to finish promoting everything involved.
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 300) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        GemmTests.WithDegree(2, () =>
        {
            var callers = new Thread[3];
            var failures = new List<Exception>();
            for (int t = 0; t < callers.Length; t++)
            {
                callers[t] = new Thread(() =>
                {
                    try
                    {
                        for (int round = 0; round < 200; round++)
                        {
                            var work = new CountParts { Counts = new int[3], Threads = new int[3] };
                            Parallelism.Run(ref work, 3);
                            Assert.All(work.Counts, count => Assert.Equal(1, count));
                        }
                    }
                    catch (Exception ex)
                    {
                        lock (failures) failures.Add(ex);
                    }
                });
                callers[t].Start();
            }
            foreach (Thread caller in callers) caller.Join();
            Assert.Empty(failures);
        });
    }

    [Fact]
    public void MaxDegree_RejectsLessThanOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxDegree = 0);
    }
}
