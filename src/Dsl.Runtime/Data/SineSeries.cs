namespace Dsl.Runtime;

/// <summary>
/// Predicts the next value of a series from windows of the previous <c>tau</c> values: <paramref name="windows"/> holds
/// <paramref name="count"/> rows of <c>tau</c> floats, one prediction per row goes to <paramref name="predictions"/>.
/// </summary>
public delegate void OneStepPredictor(ReadOnlySpan<float> windows, int count, Span<float> predictions);

/// <summary>
/// The noisy sine wave of D2L 9.1: <c>x_t = sin(0.01 t) + ε_t</c>, <c>ε_t ~ N(0, 0.2²)</c> for <c>t = 1 … T</c>, with
/// autoregressive features of lag <c>tau</c> and the k-step-ahead predictions that show error growing with k.
/// </summary>
public static class SineSeries
{
    /// <summary>D2L's length <c>T</c>.</summary>
    public const int DefaultLength = 1000;

    /// <summary>D2L's lag.</summary>
    public const int DefaultTau = 4;

    /// <summary>D2L's training examples: the first 600 windows.</summary>
    public const int DefaultTrainCount = 600;

    /// <summary>The series <c>x_1 … x_T</c> (index <c>i</c> holds <c>x_{i+1}</c>), deterministic for a seed.</summary>
    public static float[] Generate(int length = DefaultLength, float noise = 0.2f, ulong seed = 0)
    {
        Validate.Positive(length, nameof(length));
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var rng = new Rng(seed);
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)Math.Sin(0.01 * (i + 1)) + noise * rng.NextGaussian();
        return x;
    }

    /// <summary>Number of lag windows a series of <paramref name="length"/> values gives: <c>T − tau</c>.</summary>
    public static int WindowCount(int length, int tau) => length - tau;

    /// <summary>
    /// D2L's features and labels: row <c>i</c> of <paramref name="features"/> (<c>[T − tau, tau]</c>) is
    /// <c>x[i … i + tau)</c> and <paramref name="labels"/>[i] is <c>x[i + tau]</c>.
    /// </summary>
    public static void LagFeatures(ReadOnlySpan<float> series, int tau, Span<float> features, Span<float> labels)
    {
        Validate.Positive(tau, nameof(tau));
        int rows = series.Length - tau;
        if (rows <= 0)
            throw new ArgumentException($"A series of {series.Length} values has no windows of lag {tau}; it needs at least {tau + 1}.", nameof(series));
        Validate.Length(features.Length, (long)rows * tau, nameof(features));
        Validate.Length(labels.Length, rows, nameof(labels));
        for (int i = 0; i < rows; i++)
            series.Slice(i, tau).CopyTo(features.Slice(i * tau, tau));
        series[tau..].CopyTo(labels);
    }

    /// <summary>Rows of the k-step table: <c>T − tau − maxSteps + 1</c>.</summary>
    public static int KStepRows(int length, int tau, int maxSteps) => length - tau - maxSteps + 1;

    /// <summary>
    /// D2L 9.1's k-step-ahead predictions. Row <c>r</c> of the returned table <c>[rows, tau + maxSteps]</c>
    /// (<see cref="KStepRows"/> rows) starts with the observed <c>x[r … r + tau)</c>; each further column
    /// <c>c</c> is predicted from columns <c>[c − tau, c)</c>, which from <c>c = tau + 1</c> on include earlier
    /// predictions. Column <c>tau + k − 1</c> is therefore the k-step-ahead prediction of <c>x[r + tau + k − 1]</c>.
    /// </summary>
    /// <remarks>Calls <paramref name="predictor"/> once per predicted column with all rows at once.</remarks>
    public static float[] KStepPredictions(ReadOnlySpan<float> series, int tau, int maxSteps, OneStepPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        Validate.Positive(tau, nameof(tau));
        Validate.Positive(maxSteps, nameof(maxSteps));
        int rows = KStepRows(series.Length, tau, maxSteps);
        if (rows <= 0)
            throw new ArgumentException($"A series of {series.Length} values is too short for {maxSteps}-step predictions with lag {tau}; it needs at least {tau + maxSteps}.", nameof(series));
        int width = tau + maxSteps;
        var table = new float[rows * width];
        var windows = new float[rows * tau];
        var predictions = new float[rows];
        for (int r = 0; r < rows; r++)
            series.Slice(r, tau).CopyTo(table.AsSpan(r * width, tau));
        for (int c = tau; c < width; c++)
        {
            for (int r = 0; r < rows; r++)
                table.AsSpan(r * width + c - tau, tau).CopyTo(windows.AsSpan(r * tau, tau));
            predictor(windows, rows, predictions);
            for (int r = 0; r < rows; r++) table[r * width + c] = predictions[r];
        }
        return table;
    }

    /// <summary>
    /// Mean squared error of the <paramref name="k"/>-step-ahead column of a <see cref="KStepPredictions"/> table against
    /// the series it was computed from.
    /// </summary>
    public static double KStepMeanSquaredError(ReadOnlySpan<float> series, ReadOnlySpan<float> table, int tau, int maxSteps, int k)
    {
        if (k < 1 || k > maxSteps)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must lie between 1 and maxSteps = {maxSteps}.");
        int rows = KStepRows(series.Length, tau, maxSteps);
        int width = tau + maxSteps;
        Validate.Length(table.Length, (long)rows * width, nameof(table));
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            double error = table[r * width + tau + k - 1] - series[r + tau + k - 1];
            sum += error * error;
        }
        return sum / rows;
    }

    /// <summary>
    /// D2L 9.1's multi-step prediction: the first <paramref name="observed"/> values are copied from the series, every
    /// later one is predicted from the <c>tau</c> values before it, which soon are all predictions. Returns a series as
    /// long as the input; compare it with the input to see the prediction decay.
    /// </summary>
    public static float[] PredictFrom(ReadOnlySpan<float> series, int tau, int observed, OneStepPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        Validate.Positive(tau, nameof(tau));
        if (observed < tau || observed > series.Length)
            throw new ArgumentOutOfRangeException(nameof(observed), observed, $"Expected between tau = {tau} and the series length {series.Length} observed values.");
        var result = new float[series.Length];
        series[..observed].CopyTo(result);
        Span<float> prediction = stackalloc float[1];
        for (int t = observed; t < result.Length; t++)
        {
            predictor(result.AsSpan(t - tau, tau), 1, prediction);
            result[t] = prediction[0];
        }
        return result;
    }
}
