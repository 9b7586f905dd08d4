using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class SineSeriesTests
{
    [Fact]
    public void Series_is_a_sine_plus_gaussian_noise_of_the_requested_spread()
    {
        float[] x = SineSeries.Generate(seed: 1);
        Assert.Equal(1000, x.Length);
        double[] residual = x.Select((v, i) => v - Math.Sin(0.01 * (i + 1))).ToArray();
        double mean = residual.Average();
        double sd = Math.Sqrt(residual.Select(r => (r - mean) * (r - mean)).Sum() / (residual.Length - 1));
        // Standard errors: mean 0.2/√1000 ≈ 0.006, standard deviation 0.2/√2000 ≈ 0.0045; allow about four of each.
        Assert.InRange(mean, -0.025, 0.025);
        Assert.InRange(sd, 0.18, 0.22);
        Assert.Equal(x, SineSeries.Generate(seed: 1));
        Assert.NotEqual(x, SineSeries.Generate(seed: 2));
        float[] clean = SineSeries.Generate(10, noise: 0);
        Assert.Equal((float)Math.Sin(0.01), clean[0]);
        Assert.Equal((float)Math.Sin(0.1), clean[9]);
    }

    [Fact]
    public void Lag_features_hold_the_previous_tau_values_and_the_label_the_next()
    {
        float[] x = SineSeries.Generate(seed: 3);
        const int tau = SineSeries.DefaultTau;
        int rows = SineSeries.WindowCount(x.Length, tau);
        Assert.Equal(996, rows);
        var features = new float[rows * tau];
        var labels = new float[rows];
        SineSeries.LagFeatures(x, tau, features, labels);
        foreach (int i in new[] { 0, 1, 500, rows - 1 })
        {
            for (int j = 0; j < tau; j++) Assert.Equal(x[i + j], features[i * tau + j]);
            Assert.Equal(x[i + tau], labels[i]);
        }
        Assert.Throws<ArgumentException>(() => SineSeries.LagFeatures(x, tau, new float[rows * tau - 1], labels));
    }

    [Fact]
    public void K_step_table_is_exact_for_a_predictor_that_is_exact_on_a_clean_sine()
    {
        // sin(a(t+1)) = 2cos(a)·sin(at) − sin(a(t−1)), so this predictor continues a clean sine for ever.
        float[] x = SineSeries.Generate(noise: 0);
        const int tau = 4, maxSteps = 64;
        float twoCos = 2 * MathF.Cos(0.01f);
        int calls = 0;
        float[] table = SineSeries.KStepPredictions(x, tau, maxSteps, (windows, count, predictions) =>
        {
            calls++;
            for (int r = 0; r < count; r++)
                predictions[r] = twoCos * windows[r * tau + tau - 1] - windows[r * tau + tau - 2];
        });
        int rows = SineSeries.KStepRows(x.Length, tau, maxSteps);
        Assert.Equal(1000 - 4 - 64 + 1, rows);
        Assert.Equal(rows * (tau + maxSteps), table.Length);
        Assert.Equal(maxSteps, calls);
        for (int j = 0; j < tau; j++) Assert.Equal(x[100 + j], table[100 * (tau + maxSteps) + j]);
        foreach (int k in new[] { 1, 4, 16, 64 })
            Assert.True(SineSeries.KStepMeanSquaredError(x, table, tau, maxSteps, k) < 1e-8);
    }

    [Fact]
    public void K_step_error_grows_with_k_for_an_imperfect_predictor()
    {
        float[] x = SineSeries.Generate(seed: 4);
        const int tau = 4, maxSteps = 64;
        // Persistence: predict the last value seen. Fed its own predictions it stays put while the sine moves on.
        float[] table = SineSeries.KStepPredictions(x, tau, maxSteps, (windows, count, predictions) =>
        {
            for (int r = 0; r < count; r++) predictions[r] = windows[r * tau + tau - 1];
        });
        double[] errors = new[] { 1, 4, 16, 64 }.Select(k => SineSeries.KStepMeanSquaredError(x, table, tau, maxSteps, k)).ToArray();
        Assert.InRange(errors[0], 0.06, 0.10);   // two independent N(0, 0.04) noises
        for (int i = 1; i < errors.Length; i++) Assert.True(errors[i] > errors[i - 1], string.Join(", ", errors));
        Assert.True(errors[3] > 2 * errors[0], string.Join(", ", errors));
    }

    [Fact]
    public void Predicting_from_a_point_on_uses_observed_values_then_its_own()
    {
        float[] x = SineSeries.Generate(20, seed: 5);
        var seen = new List<float[]>();
        float[] result = SineSeries.PredictFrom(x, tau: 4, observed: 10, (windows, count, predictions) =>
        {
            Assert.Equal(1, count);
            seen.Add(windows.ToArray());
            predictions[0] = windows[3] + 1;   // last value plus one
        });
        Assert.Equal(x[..10], result[..10]);
        Assert.Equal(10, seen.Count);
        Assert.Equal(x[6..10], seen[0]);
        for (int t = 10; t < 20; t++) Assert.Equal(x[9] + (t - 9), result[t], 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => SineSeries.PredictFrom(x, 4, 3, (_, _, _) => { }));
    }
}
