// Allocation tests read the process-wide allocation counter, and several tests set Parallelism.MaxDegree:
// both need the tests of this assembly to run one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
