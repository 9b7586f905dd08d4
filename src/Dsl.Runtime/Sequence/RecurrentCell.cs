namespace Dsl.Runtime;

/// <summary>The recurrent cell of a layer: PyTorch's <c>nn.RNN</c> (tanh), <c>nn.LSTM</c> or <c>nn.GRU</c>.</summary>
public enum RecurrentCell
{
    /// <summary>Elman RNN with tanh, one gate block.</summary>
    Rnn,
    /// <summary>Long short-term memory, four gate blocks and a cell state.</summary>
    Lstm,
    /// <summary>Gated recurrent unit, three gate blocks.</summary>
    Gru,
}

/// <summary>
/// Calls the layer kernel of a <see cref="RecurrentCell"/> with one argument list, so the composed models treat the three
/// cells alike. The cell state arguments are ignored by RNN and GRU.
/// </summary>
internal static class RecurrentCellKernels
{
    public static int Gates(RecurrentCell cell) => cell switch
    {
        RecurrentCell.Rnn => RnnLayer.Gates,
        RecurrentCell.Lstm => LstmLayer.Gates,
        RecurrentCell.Gru => GruLayer.Gates,
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Expected Rnn, Lstm or Gru."),
    };

    public static bool HasCellState(RecurrentCell cell) => cell == RecurrentCell.Lstm;

    public static int WorkspaceLength(RecurrentCell cell, in RecurrentGeometry g, int batch) => cell switch
    {
        RecurrentCell.Rnn => RnnLayer.WorkspaceLength(g, batch),
        RecurrentCell.Lstm => LstmLayer.WorkspaceLength(g, batch),
        _ => GruLayer.WorkspaceLength(g, batch),
    };

    public static void Forward(RecurrentCell cell, in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> hAll, Span<float> hT, Span<float> cT, Span<float> workspace)
    {
        switch (cell)
        {
            case RecurrentCell.Rnn: RnnLayer.Forward(g, batch, x, h0, weightIh, weightHh, biasIh, biasHh, hAll, hT, workspace); break;
            case RecurrentCell.Lstm: LstmLayer.Forward(g, batch, x, h0, c0, weightIh, weightHh, biasIh, biasHh, hAll, hT, cT, workspace); break;
            default: GruLayer.Forward(g, batch, x, h0, weightIh, weightHh, biasIh, biasHh, hAll, hT, workspace); break;
        }
    }

    public static void Backward(RecurrentCell cell, in RecurrentGeometry g, int batch,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> hAll,
        ReadOnlySpan<float> dhAll, ReadOnlySpan<float> dhT, ReadOnlySpan<float> dcT,
        Span<float> dx, Span<float> dh0, Span<float> dc0,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace)
    {
        switch (cell)
        {
            case RecurrentCell.Rnn:
                RnnLayer.Backward(g, batch, x, h0, weightIh, weightHh, hAll, dhAll, dhT, dx, dh0, dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace);
                break;
            case RecurrentCell.Lstm:
                LstmLayer.Backward(g, batch, x, h0, c0, weightIh, weightHh, hAll, dhAll, dhT, dcT, dx, dh0, dc0,
                    dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace);
                break;
            default:
                GruLayer.Backward(g, batch, x, h0, weightIh, weightHh, hAll, dhAll, dhT, dx, dh0, dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace);
                break;
        }
    }
}
