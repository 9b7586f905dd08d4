namespace Dsl.Runtime.Tests.Recurrent;

/// <summary>
/// PyTorch's RNN/LSTM/GRU equations written out one scalar at a time in double, as in the PyTorch documentation,
/// with no sharing of code or layout tricks with the kernels.
/// </summary>
internal static class ReferenceRecurrent
{
    public static (double[] HAll, double[] HT, double[] CT) Forward(RecurrentCase c)
    {
        int steps = c.Geometry.Steps, batch = c.Batch, inputs = c.Geometry.InputSize, hidden = c.Geometry.HiddenSize;
        var hAll = new double[steps * batch * hidden];
        var h = new double[batch, hidden];
        var cell = new double[batch, hidden];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hidden; j++)
            {
                h[b, j] = c.H0.Length > 0 ? c.H0[b * hidden + j] : 0;
                cell[b, j] = c.C0.Length > 0 ? c.C0[b * hidden + j] : 0;
            }

        // W_i· x + b_i· and W_h· h + b_h· for gate block k, hidden unit j.
        double InputTerm(int t, int b, int k, int j)
        {
            int row = k * hidden + j;
            double s = c.BiasIh.Length > 0 ? c.BiasIh[row] : 0;
            for (int i = 0; i < inputs; i++) s += c.WeightIh[row * inputs + i] * c.X[(t * batch + b) * inputs + i];
            return s;
        }
        double HiddenTerm(double[,] hPrev, int b, int k, int j)
        {
            int row = k * hidden + j;
            double s = c.BiasHh.Length > 0 ? c.BiasHh[row] : 0;
            for (int i = 0; i < hidden; i++) s += c.WeightHh[row * hidden + i] * hPrev[b, i];
            return s;
        }
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

        for (int s = 0; s < steps; s++)
        {
            int t = c.Geometry.Reverse ? steps - 1 - s : s;
            var next = new double[batch, hidden];
            var nextCell = new double[batch, hidden];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    switch (c.Kind)
                    {
                        case CellKind.Rnn:
                            next[b, j] = Math.Tanh(InputTerm(t, b, 0, j) + HiddenTerm(h, b, 0, j));
                            break;
                        case CellKind.Lstm:
                        {
                            double i = Sigmoid(InputTerm(t, b, 0, j) + HiddenTerm(h, b, 0, j));
                            double f = Sigmoid(InputTerm(t, b, 1, j) + HiddenTerm(h, b, 1, j));
                            double g = Math.Tanh(InputTerm(t, b, 2, j) + HiddenTerm(h, b, 2, j));
                            double o = Sigmoid(InputTerm(t, b, 3, j) + HiddenTerm(h, b, 3, j));
                            nextCell[b, j] = f * cell[b, j] + i * g;
                            next[b, j] = o * Math.Tanh(nextCell[b, j]);
                            break;
                        }
                        default:
                        {
                            double r = Sigmoid(InputTerm(t, b, 0, j) + HiddenTerm(h, b, 0, j));
                            double z = Sigmoid(InputTerm(t, b, 1, j) + HiddenTerm(h, b, 1, j));
                            double n = Math.Tanh(InputTerm(t, b, 2, j) + r * HiddenTerm(h, b, 2, j));
                            next[b, j] = (1 - z) * n + z * h[b, j];
                            break;
                        }
                    }
                    hAll[(t * batch + b) * hidden + j] = next[b, j];
                }
            h = next;
            cell = nextCell;
        }

        var hT = new double[batch * hidden];
        var cT = new double[c.HasCell ? batch * hidden : 0];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hidden; j++)
            {
                hT[b * hidden + j] = h[b, j];
                if (c.HasCell) cT[b * hidden + j] = cell[b, j];
            }
        return (hAll, hT, cT);
    }
}
