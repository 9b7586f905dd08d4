namespace Dsl.Runtime.Tests.Blocks;

/// <summary>
/// Plain double-precision references for the CNN block kernels, written the textbook way (chain rule through mean and
/// variance) rather than in the kernels' expanded forms, so an algebra slip in either shows up as a mismatch.
/// </summary>
internal static class BlockReference
{
    public static IEnumerable<object[]> Shapes()
    {
        foreach (int batch in new[] { 1, 2, 7 })
            foreach (int channels in new[] { 1, 3, 17 })
                foreach (int spatial in new[] { 1, 5, 49 })
                    yield return [batch, channels, spatial];
    }

    /// <summary>The shapes with more than one value per channel, which training-mode batch norm needs.</summary>
    public static IEnumerable<object[]> TrainableShapes() => Shapes().Where(s => (int)s[0] * (int)s[2] > 1);

    public static int Index(int n, int c, int s, int channels, int spatial) => (n * channels + c) * spatial + s;

    /// <summary>Per-channel mean, biased and unbiased variance over batch·spatial values.</summary>
    public static (double[] Mean, double[] Biased, double[] Unbiased) ChannelStatistics(float[] x, int batch, int channels, int spatial)
    {
        var mean = new double[channels];
        var biased = new double[channels];
        var unbiased = new double[channels];
        int m = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
                for (int s = 0; s < spatial; s++) sum += x[Index(n, c, s, channels, spatial)];
            mean[c] = sum / m;
            double squares = 0;
            for (int n = 0; n < batch; n++)
                for (int s = 0; s < spatial; s++)
                {
                    double d = x[Index(n, c, s, channels, spatial)] - mean[c];
                    squares += d * d;
                }
            biased[c] = squares / m;
            unbiased[c] = m > 1 ? squares / (m - 1) : double.NaN;
        }
        return (mean, biased, unbiased);
    }

    public static float[] BatchNormNormalise(float[] x, float[]? gamma, float[]? beta, double[] mean, double[] variance,
        int batch, int channels, int spatial, double eps)
    {
        var y = new float[x.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = Index(n, c, s, channels, spatial);
                    double xhat = (x[i] - mean[c]) / Math.Sqrt(variance[c] + eps);
                    y[i] = (float)(xhat * (gamma?[c] ?? 1.0) + (beta?[c] ?? 0.0));
                }
        return y;
    }

    /// <summary>Textbook batch-norm backward: dx̂ = dy·γ; dvar = Σ dx̂·(x−μ)·(−½)(var+ε)^(−3/2); dμ = Σ −dx̂/σ + dvar·Σ −2(x−μ)/M; dx = dx̂/σ + dvar·2(x−μ)/M + dμ/M.</summary>
    public static (float[] Dx, float[] DGamma, float[] DBeta) BatchNormBackward(float[] x, float[]? gamma, float[] dy,
        int batch, int channels, int spatial, double eps)
    {
        var (mean, variance, _) = ChannelStatistics(x, batch, channels, spatial);
        var dx = new float[x.Length];
        var dGamma = new float[channels];
        var dBeta = new float[channels];
        int m = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sigma = Math.Sqrt(variance[c] + eps), g = gamma?[c] ?? 1.0;
            double dVar = 0, dMean = 0, sumCentred = 0, dg = 0, db = 0;
            for (int n = 0; n < batch; n++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = Index(n, c, s, channels, spatial);
                    double centred = x[i] - mean[c], dxhat = dy[i] * g;
                    dVar += dxhat * centred * -0.5 * Math.Pow(variance[c] + eps, -1.5);
                    dMean += -dxhat / sigma;
                    sumCentred += -2 * centred;
                    dg += dy[i] * centred / sigma;
                    db += dy[i];
                }
            dMean += dVar * sumCentred / m;
            for (int n = 0; n < batch; n++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = Index(n, c, s, channels, spatial);
                    dx[i] = (float)(dy[i] * g / sigma + dVar * 2 * (x[i] - mean[c]) / m + dMean / m);
                }
            dGamma[c] = (float)dg;
            dBeta[c] = (float)db;
        }
        return (dx, dGamma, dBeta);
    }

    public static (float[] Y, float[] Mean, float[] InvStd) LayerNormForward(float[] x, float[]? gamma, float[]? beta, int rows, int features, double eps)
    {
        var y = new float[x.Length];
        var means = new float[rows];
        var invStds = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0;
            for (int f = 0; f < features; f++) mean += x[r * features + f];
            mean /= features;
            double variance = 0;
            for (int f = 0; f < features; f++) variance += Math.Pow(x[r * features + f] - mean, 2);
            variance /= features;
            double invStd = 1 / Math.Sqrt(variance + eps);
            for (int f = 0; f < features; f++)
                y[r * features + f] = (float)((x[r * features + f] - mean) * invStd * (gamma?[f] ?? 1.0) + (beta?[f] ?? 0.0));
            means[r] = (float)mean;
            invStds[r] = (float)invStd;
        }
        return (y, means, invStds);
    }

    /// <summary>Layer-norm backward by the same textbook chain rule, per row over features.</summary>
    public static (float[] Dx, float[] DGamma, float[] DBeta) LayerNormBackward(float[] x, float[]? gamma, float[] dy, int rows, int features, double eps)
    {
        var dx = new float[x.Length];
        var dGamma = new double[features];
        var dBeta = new double[features];
        for (int r = 0; r < rows; r++)
        {
            int o = r * features;
            double mean = 0;
            for (int f = 0; f < features; f++) mean += x[o + f];
            mean /= features;
            double variance = 0;
            for (int f = 0; f < features; f++) variance += Math.Pow(x[o + f] - mean, 2);
            variance /= features;
            double sigma = Math.Sqrt(variance + eps);
            double dVar = 0, dMean = 0, sumCentred = 0;
            for (int f = 0; f < features; f++)
            {
                double centred = x[o + f] - mean, dxhat = dy[o + f] * (gamma?[f] ?? 1.0);
                dVar += dxhat * centred * -0.5 * Math.Pow(variance + eps, -1.5);
                dMean += -dxhat / sigma;
                sumCentred += -2 * centred;
                dGamma[f] += dy[o + f] * centred / sigma;
                dBeta[f] += dy[o + f];
            }
            dMean += dVar * sumCentred / features;
            for (int f = 0; f < features; f++)
                dx[o + f] = (float)(dy[o + f] * (gamma?[f] ?? 1.0) / sigma + dVar * 2 * (x[o + f] - mean) / features + dMean / features);
        }
        return (dx, dGamma.Select(v => (float)v).ToArray(), dBeta.Select(v => (float)v).ToArray());
    }

    /// <summary>PyTorch's adaptive-pool bins, written from the formula in floating point rather than integer arithmetic.</summary>
    public static (int Start, int End) Bin(int index, int inSize, int outSize) =>
        ((int)Math.Floor((double)index * inSize / outSize), (int)Math.Ceiling((double)(index + 1) * inSize / outSize));

    public static float[] AdaptiveAvgPool(float[] x, int planes, int inH, int inW, int outH, int outW)
    {
        var y = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++)
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++)
                {
                    var (h0, h1) = Bin(oh, inH, outH);
                    var (w0, w1) = Bin(ow, inW, outW);
                    double sum = 0;
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++) sum += x[(p * inH + h) * inW + w];
                    y[(p * outH + oh) * outW + ow] = (float)(sum / ((h1 - h0) * (w1 - w0)));
                }
        return y;
    }

    public static float[] AdaptiveAvgPoolBackward(float[] dy, int planes, int inH, int inW, int outH, int outW)
    {
        var dx = new double[planes * inH * inW];
        for (int p = 0; p < planes; p++)
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++)
                {
                    var (h0, h1) = Bin(oh, inH, outH);
                    var (w0, w1) = Bin(ow, inW, outW);
                    double share = dy[(p * outH + oh) * outW + ow] / (double)((h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++) dx[(p * inH + h) * inW + w] += share;
                }
        return dx.Select(v => (float)v).ToArray();
    }
}
