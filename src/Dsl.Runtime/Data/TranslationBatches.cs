namespace Dsl.Runtime;

/// <summary>
/// Walks <see cref="TranslationArrays"/> in minibatches, in a new random order each epoch, copying each minibatch into
/// buffers allocated once at construction (as <see cref="MinibatchIterator"/> does for images).
/// </summary>
/// <remarks>
/// The spans are batch-major, <c>[CurrentBatchSize, Steps]</c> or <c>[CurrentBatchSize]</c>, and are overwritten by the
/// next <see cref="MoveNext"/>. <see cref="MoveNext"/> returns <see langword="false"/> once at the end of each epoch; the
/// next call starts a new epoch. The order depends only on the seed and the epoch number.
/// </remarks>
public sealed class TranslationBatches
{
    private readonly TranslationArrays _data;
    private readonly int[] _order;
    private readonly int[] _source, _sourceLengths, _decoderInputs, _labels, _labelLengths;
    private readonly bool _shuffle;
    private Rng _rng;
    private int _next = -1, _current;

    /// <summary>Creates an iterator over <paramref name="data"/>.</summary>
    /// <param name="data">The encoded pairs.</param>
    /// <param name="batchSize">Pairs per minibatch (the last of an epoch may hold fewer unless <paramref name="dropLast"/>).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <param name="shuffle">Whether to shuffle each epoch; if not, pairs come in order (for evaluation).</param>
    /// <param name="dropLast">Whether to skip a last, smaller minibatch.</param>
    public TranslationBatches(TranslationArrays data, int batchSize, ulong seed = 0, bool shuffle = true, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        Validate.Positive(batchSize, nameof(batchSize));
        if (dropLast && data.Count < batchSize)
            throw new ArgumentException($"With dropLast, {data.Count} pairs yield no minibatch of {batchSize}.", nameof(dropLast));
        _data = data;
        BatchSize = batchSize;
        DropLast = dropLast;
        _shuffle = shuffle;
        _rng = new Rng(seed);
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        int cells = checked(batchSize * data.Steps);
        _source = new int[cells];
        _decoderInputs = new int[cells];
        _labels = new int[cells];
        _sourceLengths = new int[batchSize];
        _labelLengths = new int[batchSize];
    }

    /// <summary>Largest number of pairs in a minibatch.</summary>
    public int BatchSize { get; }

    /// <summary>Tokens per row.</summary>
    public int Steps => _data.Steps;

    /// <summary>Whether a last, smaller minibatch of an epoch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Minibatches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? _data.Count / BatchSize : (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Number of epochs started so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>Pairs in the current minibatch.</summary>
    public int CurrentBatchSize => _current;

    /// <summary>Encoder input of the current minibatch.</summary>
    public ReadOnlySpan<int> Source => _source.AsSpan(0, _current * Steps);

    /// <summary>Valid source lengths of the current minibatch.</summary>
    public ReadOnlySpan<int> SourceValidLengths => _sourceLengths.AsSpan(0, _current);

    /// <summary>Decoder input (<c>&lt;bos&gt;</c>, then the target shifted right) of the current minibatch.</summary>
    public ReadOnlySpan<int> DecoderInputs => _decoderInputs.AsSpan(0, _current * Steps);

    /// <summary>Labels of the current minibatch.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _current * Steps);

    /// <summary>Valid label lengths of the current minibatch (for the masked loss).</summary>
    public ReadOnlySpan<int> LabelValidLengths => _labelLengths.AsSpan(0, _current);

    /// <summary>Indices into the data of the current minibatch's pairs.</summary>
    public ReadOnlySpan<int> Indices => _next < 0 ? default : _order.AsSpan(_next - _current, _current);

    /// <summary>Starts a new epoch (reshuffles and rewinds). <see cref="MoveNext"/> calls it when no epoch is in progress.</summary>
    public void BeginEpoch()
    {
        if (_shuffle)
            _rng.Shuffle(_order.AsSpan());
        _next = 0;
        _current = 0;
        Epoch++;
    }

    /// <summary>Fills the spans with the next minibatch and returns <see langword="true"/>, or returns <see langword="false"/> at the end of the epoch.</summary>
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
        int steps = Steps;
        for (int b = 0; b < _current; b++)
        {
            int pair = _order[_next + b];
            _data.Source.AsSpan(pair * steps, steps).CopyTo(_source.AsSpan(b * steps, steps));
            _data.DecoderInputs.AsSpan(pair * steps, steps).CopyTo(_decoderInputs.AsSpan(b * steps, steps));
            _data.Labels.AsSpan(pair * steps, steps).CopyTo(_labels.AsSpan(b * steps, steps));
            _sourceLengths[b] = _data.SourceValidLengths[pair];
            _labelLengths[b] = _data.LabelValidLengths[pair];
        }
        _next += _current;
        return true;
    }
}
