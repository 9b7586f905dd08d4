namespace Dsl.Runtime.Tests.Recurrent;

public enum CellKind { Rnn, Lstm, Gru }

/// <summary>Gradients from one backward call, one array per input or parameter (empty when not requested).</summary>
internal sealed record RecurrentGradients(float[] Dx, float[] Dh0, float[] Dc0,
    float[] DWeightIh, float[] DWeightHh, float[] DBiasIh, float[] DBiasHh);

/// <summary>
/// One recurrent layer with random inputs and parameters, run through the kernel under test with arrays, so the tests
/// can treat RNN, LSTM and GRU alike. Empty arrays stand for an absent initial state or bias.
/// </summary>
internal sealed class RecurrentCase
{
    public required CellKind Kind { get; init; }
    public required RecurrentGeometry Geometry { get; init; }
    public required int Batch { get; init; }
    public required float[] X { get; init; }
    public required float[] H0 { get; init; }
    public required float[] C0 { get; init; }
    public required float[] WeightIh { get; init; }
    public required float[] WeightHh { get; init; }
    public required float[] BiasIh { get; init; }
    public required float[] BiasHh { get; init; }
    public float[] Workspace { get; private set; } = [];

    public int Gates => GatesOf(Kind);
    public bool HasCell => Kind == CellKind.Lstm;
    public int StateLength => Batch * Geometry.HiddenSize;
    public int OutputLength => Geometry.Steps * Batch * Geometry.HiddenSize;

    public static int GatesOf(CellKind kind) => kind switch
    {
        CellKind.Rnn => RnnLayer.Gates,
        CellKind.Lstm => LstmLayer.Gates,
        _ => GruLayer.Gates,
    };

    public static int WorkspaceLength(CellKind kind, in RecurrentGeometry g, int batch) => kind switch
    {
        CellKind.Rnn => RnnLayer.WorkspaceLength(g, batch),
        CellKind.Lstm => LstmLayer.WorkspaceLength(g, batch),
        _ => GruLayer.WorkspaceLength(g, batch),
    };

    /// <summary>Uniform values in ±scale: small enough that no gate saturates, so finite differences stay accurate.</summary>
    public static float[] Uniform(Random random, int length, double scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public static RecurrentCase Create(CellKind kind, RecurrentGeometry g, int batch, bool initialState, bool bias, int seed)
    {
        var random = new Random(seed);
        int rows = GatesOf(kind) * g.HiddenSize;
        int state = batch * g.HiddenSize;
        double weightScale = 1.0 / Math.Sqrt(g.HiddenSize);
        return new RecurrentCase
        {
            Kind = kind,
            Geometry = g,
            Batch = batch,
            X = Uniform(random, g.InputLength(batch), 1.0),
            H0 = initialState ? Uniform(random, state, 0.8) : [],
            C0 = initialState && kind == CellKind.Lstm ? Uniform(random, state, 0.8) : [],
            WeightIh = Uniform(random, rows * g.InputSize, weightScale),
            WeightHh = Uniform(random, rows * g.HiddenSize, weightScale),
            BiasIh = bias ? Uniform(random, rows, 0.3) : [],
            BiasHh = bias ? Uniform(random, rows, 0.3) : [],
        };
    }

    /// <summary>Runs the forward kernel, keeping its workspace for <see cref="Backward"/>.</summary>
    public (float[] HAll, float[] HT, float[] CT) Forward()
    {
        var hAll = new float[OutputLength];
        var hT = new float[StateLength];
        var cT = HasCell ? new float[StateLength] : [];
        Workspace = new float[WorkspaceLength(Kind, Geometry, Batch)];
        switch (Kind)
        {
            case CellKind.Rnn:
                RnnLayer.Forward(Geometry, Batch, X, H0, WeightIh, WeightHh, BiasIh, BiasHh, hAll, hT, Workspace);
                break;
            case CellKind.Lstm:
                LstmLayer.Forward(Geometry, Batch, X, H0, C0, WeightIh, WeightHh, BiasIh, BiasHh, hAll, hT, cT, Workspace);
                break;
            default:
                GruLayer.Forward(Geometry, Batch, X, H0, WeightIh, WeightHh, BiasIh, BiasHh, hAll, hT, Workspace);
                break;
        }
        return (hAll, hT, cT);
    }

    /// <summary>Runs the backward kernel after <see cref="Forward"/>; <paramref name="wantInitialStateGradient"/> requests dh0/dc0.</summary>
    public RecurrentGradients Backward(float[] hAll, float[] dhAll, float[] dhT, float[] dcT, bool wantInitialStateGradient = true, bool wantInputGradient = true)
    {
        int rows = Gates * Geometry.HiddenSize;
        var g = new RecurrentGradients(
            wantInputGradient ? new float[X.Length] : [],
            wantInitialStateGradient ? new float[StateLength] : [],
            wantInitialStateGradient && HasCell ? new float[StateLength] : [],
            new float[WeightIh.Length], new float[WeightHh.Length],
            BiasIh.Length == 0 ? [] : new float[rows], BiasHh.Length == 0 ? [] : new float[rows]);
        // Garbage in the outputs proves they are overwritten, not accumulated.
        foreach (var array in new[] { g.Dx, g.Dh0, g.Dc0, g.DWeightIh, g.DWeightHh, g.DBiasIh, g.DBiasHh }) Array.Fill(array, 123f);
        switch (Kind)
        {
            case CellKind.Rnn:
                RnnLayer.Backward(Geometry, Batch, X, H0, WeightIh, WeightHh, hAll, dhAll, dhT,
                    g.Dx, g.Dh0, g.DWeightIh, g.DWeightHh, g.DBiasIh, g.DBiasHh, Workspace);
                break;
            case CellKind.Lstm:
                LstmLayer.Backward(Geometry, Batch, X, H0, C0, WeightIh, WeightHh, hAll, dhAll, dhT, dcT,
                    g.Dx, g.Dh0, g.Dc0, g.DWeightIh, g.DWeightHh, g.DBiasIh, g.DBiasHh, Workspace);
                break;
            default:
                GruLayer.Backward(Geometry, Batch, X, H0, WeightIh, WeightHh, hAll, dhAll, dhT,
                    g.Dx, g.Dh0, g.DWeightIh, g.DWeightHh, g.DBiasIh, g.DBiasHh, Workspace);
                break;
        }
        return g;
    }

    /// <summary>Every differentiable tensor with its analytic gradient, by PyTorch-like name.</summary>
    public IEnumerable<(string Name, float[] Values, float[] Gradient)> Tensors(RecurrentGradients g)
    {
        yield return ("x", X, g.Dx);
        if (H0.Length > 0) yield return ("h0", H0, g.Dh0);
        if (C0.Length > 0) yield return ("c0", C0, g.Dc0);
        yield return ("weight_ih", WeightIh, g.DWeightIh);
        yield return ("weight_hh", WeightHh, g.DWeightHh);
        if (BiasIh.Length > 0) yield return ("bias_ih", BiasIh, g.DBiasIh);
        if (BiasHh.Length > 0) yield return ("bias_hh", BiasHh, g.DBiasHh);
    }
}
