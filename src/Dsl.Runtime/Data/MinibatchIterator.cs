namespace Dsl.Runtime;

/// <summary>
/// Walks a <see cref="Dataset"/> in minibatches, in a new random order each epoch, copying each batch into buffers
/// allocated once at construction, so that a training loop allocates nothing per batch.
/// </summary>
/// <remarks>
/// <para>Typical use, one epoch per <c>while</c> loop:</para>
/// <code>
/// var batches = new MinibatchIterator(train, batchSize: 256, seed: 1);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     while (batches.MoveNext())
///         net.TrainStep(batches.Features, batches.Labels, sgd);
/// </code>
/// <para><see cref="MoveNext"/> returns <see langword="false"/> once at the end of each epoch; the call after that
/// starts the next epoch with a fresh shuffle. The order depends only on the seed and the epoch number.</para>
/// </remarks>
public sealed class MinibatchIterator
{
    private readonly Dataset _data;
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly bool _shuffle;
    private Rng _rng;
    private int _next = -1;   // index into _order of the next batch's first example; -1 = no epoch in progress
    private int _current;     // examples in the current batch

    /// <summary>Creates an iterator over <paramref name="data"/>.</summary>
    /// <param name="data">The examples.</param>
    /// <param name="batchSize">Examples per batch (the last batch of an epoch may hold fewer, see <paramref name="dropLast"/>).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <param name="shuffle">Whether to shuffle each epoch; if not, examples come in data-set order.</param>
    /// <param name="dropLast">Whether to skip the last batch of an epoch when it would hold fewer than <paramref name="batchSize"/> examples.</param>
    public MinibatchIterator(Dataset data, int batchSize, ulong seed = 0, bool shuffle = true, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (dropLast && data.Count < batchSize)
            throw new ArgumentException(
                $"With dropLast, a data set of {data.Count} examples yields no batch of {batchSize}; use a smaller batch or keep the last partial batch.",
                nameof(dropLast));
        _data = data;
        BatchSize = batchSize;
        DropLast = dropLast;
        _shuffle = shuffle;
        _rng = new Rng(seed);
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _features = new float[checked(batchSize * data.FeatureSize)];
        _labels = new int[batchSize];
    }

    /// <summary>Largest number of examples in a batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a last, smaller batch of an epoch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? _data.Count / BatchSize : (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Examples visited per epoch (fewer than the data set holds when <see cref="DropLast"/> drops a partial batch).</summary>
    public int ExamplesPerEpoch => DropLast ? BatchesPerEpoch * BatchSize : _data.Count;

    /// <summary>Number of epochs started so far (1 during the first epoch).</summary>
    public int Epoch { get; private set; }

    /// <summary>Examples in the current batch.</summary>
    public int CurrentBatchSize => _current;

    /// <summary>Examples of the current epoch handed out so far, the current batch included.</summary>
    public int Position => _next < 0 ? 0 : _next;

    /// <summary>Features of the current batch, <c>[CurrentBatchSize, FeatureSize]</c>. Overwritten by the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<float> Features => _features.AsSpan(0, _current * _data.FeatureSize);

    /// <summary>Labels of the current batch. Overwritten by the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _current);

    /// <summary>Indices into the data set of the current batch's examples.</summary>
    public ReadOnlySpan<int> Indices => _next < 0 ? default : _order.AsSpan(_next - _current, _current);

    /// <summary>Starts a new epoch: reshuffles and rewinds. <see cref="MoveNext"/> calls it when no epoch is in progress.</summary>
    public void BeginEpoch()
    {
        // Shuffling the previous epoch's order still gives a uniform permutation, and needs no reset pass.
        if (_shuffle)
            _rng.Shuffle(_order.AsSpan());
        _next = 0;
        _current = 0;
        Epoch++;
    }

    /// <summary>
    /// Fills <see cref="Features"/> and <see cref="Labels"/> with the next batch and returns <see langword="true"/>,
    /// or returns <see langword="false"/> at the end of the epoch (after which the next call starts a new epoch).
    /// </summary>
    public bool MoveNext()
    {
        if (_next < 0) BeginEpoch();
        int remaining = _order.Length - _next;
        if (remaining == 0 || (DropLast && remaining < BatchSize))
        {
            _next = -1;
            _current = 0;
            return false;
        }

        _current = Math.Min(BatchSize, remaining);
        int featureSize = _data.FeatureSize;
        float[] source = _data.Features;
        int[] labels = _data.Labels;
        for (int b = 0; b < _current; b++)
        {
            int example = _order[_next + b];
            source.AsSpan(example * featureSize, featureSize).CopyTo(_features.AsSpan(b * featureSize, featureSize));
            _labels[b] = labels[example];
        }
        _next += _current;
        return true;
    }
}
