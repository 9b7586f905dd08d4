using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>A parameter tensor's place inside a <see cref="ParameterStore"/>.</summary>
internal readonly record struct Segment(int Offset, int Length)
{
    /// <summary>This tensor's elements inside <paramref name="array"/> (the values or the gradients).</summary>
    public Span<float> In(float[] array) => array.AsSpan(Offset, Length);
}

/// <summary>
/// All of a hand-composed network's parameters in one array and their gradients in another of the same layout, as a
/// generated network keeps them, so that one <see cref="Optimizer.Step"/> updates everything (the peer's optimiser
/// also walks every parameter once per step).
/// </summary>
internal sealed class ParameterStore
{
    private readonly Segment[] _segments;

    /// <summary>
    /// Lays out tensors of the given lengths one after the other and fills each with U(−bound, bound), PyTorch's default
    /// initialisation for <c>nn.LSTM</c>/<c>nn.GRU</c> (bound 1/√hidden) and <c>nn.Linear</c> (bound 1/√in).
    /// </summary>
    public ParameterStore(ReadOnlySpan<int> lengths, ReadOnlySpan<float> bounds, ulong seed)
    {
        if (lengths.Length != bounds.Length)
            throw new ArgumentException($"Expected one bound per tensor ({lengths.Length}) but got {bounds.Length}.", nameof(bounds));
        _segments = new Segment[lengths.Length];
        int offset = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            _segments[i] = new Segment(offset, lengths[i]);
            offset += lengths[i];
        }
        Values = new float[offset];
        Gradients = new float[offset];
        var rng = new Rng(seed);
        for (int i = 0; i < lengths.Length; i++)
        {
            Span<float> tensor = _segments[i].In(Values);
            for (int j = 0; j < tensor.Length; j++) tensor[j] = (2f * rng.NextSingle() - 1f) * bounds[i];
        }
    }

    /// <summary>Every parameter, contiguous.</summary>
    public float[] Values { get; }

    /// <summary>Every gradient, laid out like <see cref="Values"/>; backward kernels overwrite them.</summary>
    public float[] Gradients { get; }

    /// <summary>Where tensor <paramref name="index"/> (in constructor order) lives.</summary>
    public Segment this[int index] => _segments[index];
}
