namespace Dsl.Runtime;

/// <summary>How <see cref="LanguageModelBatches"/> cuts a token stream into minibatches (D2L 9.3).</summary>
public enum Partitioning
{
    /// <summary>
    /// Row <c>b</c> of consecutive minibatches continues the same stretch of text, so the hidden state at the end of one
    /// minibatch is the right initial state for the next (carry it, detached). A random offset starts each epoch.
    /// </summary>
    Sequential,

    /// <summary>Non-overlapping subsequences in a random order each epoch; adjacent rows are unrelated, so start each minibatch from a fresh state.</summary>
    Random,
}

/// <summary>
/// Language-model minibatches from one long token stream, exactly as D2L 9.3's <c>seq_data_iter_sequential</c> and
/// <c>seq_data_iter_random</c>: inputs <c>X</c> and targets <c>Y</c>, where <c>Y[b, t]</c> is the token after <c>X[b, t]</c>.
/// </summary>
/// <remarks>
/// <para>Layout: both are batch-major <c>[batch, steps]</c> int rows, element <c>[b, t]</c> at <c>b * steps + t</c>, as D2L
/// yields them. The recurrent kernels are time-major; convert with <see cref="TimeMajor.FromBatchMajor{T}"/>.</para>
/// <para><b>Sequential</b>: an epoch picks an offset <c>o</c> uniform in [0, steps] (D2L's <c>randint(0, num_steps)</c>), keeps
/// <c>L = ⌊(n − o − 1) / batch⌋</c> tokens per row, row <c>b</c> being <c>corpus[o + b·L …]</c>; minibatch <c>i</c> is
/// columns <c>[i·steps, (i + 1)·steps)</c> of every row, for <c>⌊L / steps⌋</c> minibatches.</para>
/// <para><b>Random</b>: an epoch drops a random prefix of <c>o ∈ [0, steps)</c> tokens, cuts the rest into
/// <c>m = ⌊(n − o − 1) / steps⌋</c> subsequences starting at <c>o + j·steps</c>, shuffles them, and serves
/// <c>⌊m / batch⌋</c> full minibatches.</para>
/// <para>Typical use:</para>
/// <code>
/// var batches = new LanguageModelBatches(corpus, batchSize: 32, steps: 35, Partitioning.Sequential, seed: 1);
/// var x = new int[32 * 35]; var y = new int[32 * 35];
/// for (int epoch = 0; epoch &lt; 100; epoch++)
///     while (batches.MoveNext(x, y)) { /* train; with Sequential, carry hT into the next h0 */ }
/// </code>
/// <para><see cref="MoveNext"/> returns <see langword="false"/> once at the end of each epoch; the next call starts a
/// new one. Offsets and orders depend only on the seed and the epoch number. Nothing is allocated after construction.</para>
/// </remarks>
public sealed class LanguageModelBatches
{
    private readonly int[] _corpus;
    private readonly int[] _starts;   // Random: shuffled subsequence starts of this epoch
    private Rng _rng;
    private int _offset, _rowLength, _subsequences, _next = -1;

    /// <summary>Creates an iterator over <paramref name="corpus"/> (not copied; do not change it while iterating).</summary>
    /// <exception cref="ArgumentException">The corpus is too short to give one minibatch whatever the offset.</exception>
    public LanguageModelBatches(int[] corpus, int batchSize, int steps, Partitioning partitioning, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        Validate.Positive(batchSize, nameof(batchSize));
        Validate.Positive(steps, nameof(steps));
        if (partitioning is not (Partitioning.Sequential or Partitioning.Random))
            throw new ArgumentOutOfRangeException(nameof(partitioning), partitioning, "Expected Sequential or Random.");
        _corpus = corpus;
        BatchSize = batchSize;
        Steps = steps;
        Partitioning = partitioning;
        _rng = new Rng(seed);

        // The largest offset gives the fewest minibatches; require at least one even then.
        int worstOffset = partitioning == Partitioning.Sequential ? steps : steps - 1;
        long needed = (long)batchSize * steps + worstOffset + 1;
        if (corpus.Length < needed)
            throw new ArgumentException(
                $"A corpus of {corpus.Length} tokens is too short for {partitioning} minibatches of {batchSize} × {steps}: at least {needed} tokens are needed.",
                nameof(corpus));
        _starts = partitioning == Partitioning.Random ? new int[(corpus.Length - 1) / steps] : [];
    }

    /// <summary>Rows per minibatch.</summary>
    public int BatchSize { get; }

    /// <summary>Time steps per row.</summary>
    public int Steps { get; }

    /// <summary>Sequential or random partitioning.</summary>
    public Partitioning Partitioning { get; }

    /// <summary>Elements each of the input and target buffers must hold: <c>BatchSize · Steps</c>.</summary>
    public int BufferLength => BatchSize * Steps;

    /// <summary>Number of epochs started so far (1 during the first epoch).</summary>
    public int Epoch { get; private set; }

    /// <summary>The random offset of the current epoch (tokens skipped at the start of the corpus).</summary>
    public int Offset => _offset;

    /// <summary>Minibatches in the current epoch (it depends on the epoch's offset by at most one or two).</summary>
    public int BatchesInEpoch => Partitioning == Partitioning.Sequential ? _rowLength / Steps : _subsequences / BatchSize;

    /// <summary>Minibatches of the current epoch handed out so far.</summary>
    public int BatchIndex { get; private set; }

    /// <summary>Starts a new epoch: draws the offset (and, for random partitioning, the order). <see cref="MoveNext"/> calls it when no epoch is in progress.</summary>
    public void BeginEpoch()
    {
        int n = _corpus.Length;
        if (Partitioning == Partitioning.Sequential)
        {
            _offset = _rng.NextInt(Steps + 1);
            _rowLength = (n - _offset - 1) / BatchSize;
        }
        else
        {
            _offset = _rng.NextInt(Steps);
            _subsequences = (n - _offset - 1) / Steps;
            for (int j = 0; j < _subsequences; j++) _starts[j] = _offset + j * Steps;
            _rng.Shuffle(_starts.AsSpan(0, _subsequences));
        }
        _next = 0;
        BatchIndex = 0;
        Epoch++;
    }

    /// <summary>
    /// Writes the next minibatch into <paramref name="inputs"/> and <paramref name="targets"/> (each <see cref="BufferLength"/>
    /// ints, batch-major) and returns <see langword="true"/>, or returns <see langword="false"/> at the end of the epoch.
    /// </summary>
    public bool MoveNext(Span<int> inputs, Span<int> targets)
    {
        Validate.Length(inputs.Length, BufferLength, nameof(inputs));
        Validate.Length(targets.Length, BufferLength, nameof(targets));
        if (_next < 0) BeginEpoch();
        if (BatchIndex == BatchesInEpoch)
        {
            _next = -1;
            return false;
        }

        ReadOnlySpan<int> corpus = _corpus;
        int steps = Steps;
        for (int b = 0; b < BatchSize; b++)
        {
            int start = Partitioning == Partitioning.Sequential
                ? _offset + b * _rowLength + BatchIndex * steps
                : _starts[BatchIndex * BatchSize + b];
            corpus.Slice(start, steps).CopyTo(inputs.Slice(b * steps, steps));
            corpus.Slice(start + 1, steps).CopyTo(targets.Slice(b * steps, steps));
        }
        BatchIndex++;
        return true;
    }
}
