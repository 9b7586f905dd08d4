namespace Dsl.Runtime;

/// <summary>
/// Where the parameters of a stack of recurrent layers sit in a model's parameter array: per layer <c>k</c>,
/// <c>{prefix}.weight_ih_l{k} [G·H, I_k]</c>, <c>weight_hh_l{k} [G·H, H]</c>, <c>bias_ih_l{k} [G·H]</c>, <c>bias_hh_l{k} [G·H]</c>,
/// PyTorch's names and shapes for a multi-layer <c>nn.LSTM</c>/<c>nn.GRU</c>/<c>nn.RNN</c> (I_0 is the input size, I_k = H above).
/// </summary>
public sealed class RecurrentStackLayout
{
    private readonly int[] _weightIh, _weightHh, _biasIh, _biasHh;

    private RecurrentStackLayout(RecurrentCell cell, int inputSize, int hiddenSize, int layers)
    {
        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        _weightIh = new int[layers];
        _weightHh = new int[layers];
        _biasIh = new int[layers];
        _biasHh = new int[layers];
    }

    /// <summary>The cell of every layer.</summary>
    public RecurrentCell Cell { get; }
    /// <summary>Features per step entering the first layer.</summary>
    public int InputSize { get; }
    /// <summary>Hidden units of every layer.</summary>
    public int HiddenSize { get; }
    /// <summary>Number of stacked layers.</summary>
    public int Layers { get; }
    /// <summary>Gate blocks per hidden unit (1, 4 or 3).</summary>
    public int Gates => RecurrentCellKernels.Gates(Cell);
    /// <summary>Whether the layers carry a cell state besides the hidden state (LSTM).</summary>
    public bool HasCellState => RecurrentCellKernels.HasCellState(Cell);

    /// <summary>Appends the stack's parameters to <paramref name="layout"/> under <paramref name="prefix"/> (e.g. <c>rnn</c>).</summary>
    public static RecurrentStackLayout Add(ParameterLayout layout, string prefix, RecurrentCell cell, int inputSize, int hiddenSize, int layers)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Validate.Positive(inputSize, nameof(inputSize));
        Validate.Positive(hiddenSize, nameof(hiddenSize));
        Validate.Positive(layers, nameof(layers));
        var stack = new RecurrentStackLayout(cell, inputSize, hiddenSize, layers);
        int width = stack.Gates * hiddenSize;
        for (int k = 0; k < layers; k++)
        {
            stack._weightIh[k] = layout.Add($"{prefix}.weight_ih_l{k}", width, k == 0 ? inputSize : hiddenSize);
            stack._weightHh[k] = layout.Add($"{prefix}.weight_hh_l{k}", width, hiddenSize);
            stack._biasIh[k] = layout.Add($"{prefix}.bias_ih_l{k}", width);
            stack._biasHh[k] = layout.Add($"{prefix}.bias_hh_l{k}", width);
        }
        return stack;
    }

    /// <summary>Features per step entering layer <paramref name="layer"/>.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : HiddenSize;

    internal int WeightIhLength(int layer) => Gates * HiddenSize * LayerInputSize(layer);
    internal int WeightHhLength => Gates * HiddenSize * HiddenSize;
    internal int BiasLength => Gates * HiddenSize;

    internal Span<float> WeightIh(Span<float> all, int layer) => all.Slice(_weightIh[layer], WeightIhLength(layer));
    internal Span<float> WeightHh(Span<float> all, int layer) => all.Slice(_weightHh[layer], WeightHhLength);
    internal Span<float> BiasIh(Span<float> all, int layer) => all.Slice(_biasIh[layer], BiasLength);
    internal Span<float> BiasHh(Span<float> all, int layer) => all.Slice(_biasHh[layer], BiasLength);
    internal ReadOnlySpan<float> WeightIh(ReadOnlySpan<float> all, int layer) => all.Slice(_weightIh[layer], WeightIhLength(layer));
    internal ReadOnlySpan<float> WeightHh(ReadOnlySpan<float> all, int layer) => all.Slice(_weightHh[layer], WeightHhLength);
    internal ReadOnlySpan<float> BiasIh(ReadOnlySpan<float> all, int layer) => all.Slice(_biasIh[layer], BiasLength);
    internal ReadOnlySpan<float> BiasHh(ReadOnlySpan<float> all, int layer) => all.Slice(_biasHh[layer], BiasLength);

    /// <summary>
    /// PyTorch's default initialisation of recurrent layers, U(−1/√H, 1/√H) for every weight and bias; with
    /// <paramref name="xavierWeights"/> the weight matrices are Xavier-uniform instead, as D2L's <c>init_seq2seq</c> does.
    /// </summary>
    public void Initialize(Span<float> parameters, ref Rng rng, bool xavierWeights = false)
    {
        float bound = 1f / MathF.Sqrt(HiddenSize);
        for (int k = 0; k < Layers; k++)
        {
            if (xavierWeights)
            {
                Initializers.Xavier(WeightIh(parameters, k), LayerInputSize(k), Gates * HiddenSize, ref rng);
                Initializers.Xavier(WeightHh(parameters, k), HiddenSize, Gates * HiddenSize, ref rng);
            }
            else
            {
                Uniform(WeightIh(parameters, k), bound, ref rng);
                Uniform(WeightHh(parameters, k), bound, ref rng);
            }
            Uniform(BiasIh(parameters, k), bound, ref rng);
            Uniform(BiasHh(parameters, k), bound, ref rng);
        }
    }

    internal static void Uniform(Span<float> values, float bound, ref Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (2f * rng.NextSingle() - 1f) * bound;
    }
}
