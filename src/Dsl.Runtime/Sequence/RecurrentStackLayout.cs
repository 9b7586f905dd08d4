namespace Dsl.Runtime;

/// <summary>
/// Where the parameters of a stack of recurrent layers sit in a model's parameter array: per layer <c>k</c>,
/// <c>{prefix}.weight_ih_l{k} [G·H, I_k]</c>, <c>weight_hh_l{k} [G·H, H]</c>, <c>bias_ih_l{k} [G·H]</c>, <c>bias_hh_l{k} [G·H]</c>,
/// PyTorch's names and shapes for a multi-layer <c>nn.LSTM</c>/<c>nn.GRU</c>/<c>nn.RNN</c> (I_0 is the input size, I_k = H above).
/// A bidirectional stack adds, after each layer's tensors, the reverse direction's with the suffix <c>_reverse</c>, and its
/// upper layers read both directions (I_k = 2H), as PyTorch's <c>bidirectional=True</c>.
/// </summary>
public sealed class RecurrentStackLayout
{
    private readonly int[] _weightIh, _weightHh, _biasIh, _biasHh;

    private RecurrentStackLayout(RecurrentCell cell, int inputSize, int hiddenSize, int layers, int directions)
    {
        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        Directions = directions;
        _weightIh = new int[layers * directions];
        _weightHh = new int[layers * directions];
        _biasIh = new int[layers * directions];
        _biasHh = new int[layers * directions];
    }

    /// <summary>The cell of every layer.</summary>
    public RecurrentCell Cell { get; }
    /// <summary>Features per step entering the first layer.</summary>
    public int InputSize { get; }
    /// <summary>Hidden units of every layer.</summary>
    public int HiddenSize { get; }
    /// <summary>Number of stacked layers.</summary>
    public int Layers { get; }
    /// <summary>1, or 2 for a bidirectional stack.</summary>
    public int Directions { get; }
    /// <summary>Features of a layer's output per step: <c>Directions · HiddenSize</c>.</summary>
    public int OutputSize => Directions * HiddenSize;
    /// <summary>Gate blocks per hidden unit (1, 4 or 3).</summary>
    public int Gates => RecurrentCellKernels.Gates(Cell);
    /// <summary>Whether the layers carry a cell state besides the hidden state (LSTM).</summary>
    public bool HasCellState => RecurrentCellKernels.HasCellState(Cell);

    /// <summary>Appends the stack's parameters to <paramref name="layout"/> under <paramref name="prefix"/> (e.g. <c>rnn</c>).</summary>
    public static RecurrentStackLayout Add(ParameterLayout layout, string prefix, RecurrentCell cell, int inputSize, int hiddenSize, int layers)
        => Add(layout, prefix, cell, inputSize, hiddenSize, layers, bidirectional: false);

    /// <summary>Appends a stack that is bidirectional when <paramref name="bidirectional"/> is set (the <c>_reverse</c> tensors after each layer's).</summary>
    public static RecurrentStackLayout Add(ParameterLayout layout, string prefix, RecurrentCell cell, int inputSize, int hiddenSize, int layers, bool bidirectional)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Validate.Positive(inputSize, nameof(inputSize));
        Validate.Positive(hiddenSize, nameof(hiddenSize));
        Validate.Positive(layers, nameof(layers));
        int directions = bidirectional ? 2 : 1;
        var stack = new RecurrentStackLayout(cell, inputSize, hiddenSize, layers, directions);
        int width = stack.Gates * hiddenSize;
        for (int k = 0; k < layers; k++)
        {
            for (int d = 0; d < directions; d++)
            {
                string suffix = d == 0 ? "" : "_reverse";
                int i = k * directions + d;
                stack._weightIh[i] = layout.Add($"{prefix}.weight_ih_l{k}{suffix}", width, stack.LayerInputSize(k));
                stack._weightHh[i] = layout.Add($"{prefix}.weight_hh_l{k}{suffix}", width, hiddenSize);
                stack._biasIh[i] = layout.Add($"{prefix}.bias_ih_l{k}{suffix}", width);
                stack._biasHh[i] = layout.Add($"{prefix}.bias_hh_l{k}{suffix}", width);
            }
        }
        return stack;
    }

    /// <summary>Features per step entering layer <paramref name="layer"/>.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : Directions * HiddenSize;

    internal int WeightIhLength(int layer) => Gates * HiddenSize * LayerInputSize(layer);
    internal int WeightHhLength => Gates * HiddenSize * HiddenSize;
    internal int BiasLength => Gates * HiddenSize;

    internal Span<float> WeightIh(Span<float> all, int layer, int direction = 0) => all.Slice(_weightIh[layer * Directions + direction], WeightIhLength(layer));
    internal Span<float> WeightHh(Span<float> all, int layer, int direction = 0) => all.Slice(_weightHh[layer * Directions + direction], WeightHhLength);
    internal Span<float> BiasIh(Span<float> all, int layer, int direction = 0) => all.Slice(_biasIh[layer * Directions + direction], BiasLength);
    internal Span<float> BiasHh(Span<float> all, int layer, int direction = 0) => all.Slice(_biasHh[layer * Directions + direction], BiasLength);
    internal ReadOnlySpan<float> WeightIh(ReadOnlySpan<float> all, int layer, int direction = 0) => all.Slice(_weightIh[layer * Directions + direction], WeightIhLength(layer));
    internal ReadOnlySpan<float> WeightHh(ReadOnlySpan<float> all, int layer, int direction = 0) => all.Slice(_weightHh[layer * Directions + direction], WeightHhLength);
    internal ReadOnlySpan<float> BiasIh(ReadOnlySpan<float> all, int layer, int direction = 0) => all.Slice(_biasIh[layer * Directions + direction], BiasLength);
    internal ReadOnlySpan<float> BiasHh(ReadOnlySpan<float> all, int layer, int direction = 0) => all.Slice(_biasHh[layer * Directions + direction], BiasLength);

    /// <summary>
    /// PyTorch's default initialisation of recurrent layers, U(−1/√H, 1/√H) for every weight and bias; with
    /// <paramref name="xavierWeights"/> the weight matrices are Xavier-uniform instead, as D2L's <c>init_seq2seq</c> does.
    /// </summary>
    public void Initialize(Span<float> parameters, ref Rng rng, bool xavierWeights = false)
    {
        float bound = 1f / MathF.Sqrt(HiddenSize);
        for (int k = 0; k < Layers; k++)
        {
            for (int d = 0; d < Directions; d++)
            {
                if (xavierWeights)
                {
                    Initializers.Xavier(WeightIh(parameters, k, d), LayerInputSize(k), Gates * HiddenSize, ref rng);
                    Initializers.Xavier(WeightHh(parameters, k, d), HiddenSize, Gates * HiddenSize, ref rng);
                }
                else
                {
                    Uniform(WeightIh(parameters, k, d), bound, ref rng);
                    Uniform(WeightHh(parameters, k, d), bound, ref rng);
                }
                Uniform(BiasIh(parameters, k, d), bound, ref rng);
                Uniform(BiasHh(parameters, k, d), bound, ref rng);
            }
        }
    }

    internal static void Uniform(Span<float> values, float bound, ref Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (2f * rng.NextSingle() - 1f) * bound;
    }
}
