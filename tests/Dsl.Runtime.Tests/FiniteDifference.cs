using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Gradient checks by central differences on the scalar objective <c>L = Σ r·y</c>, where r is a fixed random
/// weighting: its gradient with respect to y is r, so feeding r as dy to a backward kernel gives dL/dinput exactly.
/// </summary>
internal static class FiniteDifference
{
    /// <summary>Random values in [-scale, scale).</summary>
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    /// <summary>Random values whose magnitude is at least <paramref name="margin"/>, away from kinks at zero.</summary>
    public static float[] RandomAwayFromZero(int length, int seed, float margin)
    {
        var values = Random(length, seed);
        for (int i = 0; i < values.Length; i++)
            values[i] = MathF.CopySign(margin + MathF.Abs(values[i]), values[i]);
        return values;
    }

    /// <summary>Distinct values spaced by <paramref name="gap"/> in a random order, so no max-pool window has ties.</summary>
    public static float[] Distinct(int length, int seed, float gap)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (i - length / 2) * gap;
        new Random(seed).Shuffle(values);
        return values;
    }

    /// <summary>
    /// Numerical dL/d<paramref name="variable"/> for <c>L = Σ r·forward()</c>. <paramref name="forward"/> must read
    /// <paramref name="variable"/>, which is perturbed in place and restored.
    /// </summary>
    public static double[] Gradient(float[] variable, Func<float[]> forward, float[] r, float epsilon = 1e-2f)
    {
        var gradient = new double[variable.Length];
        for (int i = 0; i < variable.Length; i++)
        {
            float original = variable[i];
            float plus = original + epsilon, minus = original - epsilon;
            variable[i] = plus;
            double lossPlus = Objective(forward(), r);
            variable[i] = minus;
            double lossMinus = Objective(forward(), r);
            variable[i] = original;
            // The float steps are not exactly ±epsilon; divide by the step actually taken.
            gradient[i] = (lossPlus - lossMinus) / ((double)plus - minus);
        }
        return gradient;
    }

    public static double Objective(float[] y, float[] r)
    {
        Assert.Equal(r.Length, y.Length);
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)r[i] * y[i];
        return sum;
    }

    /// <summary>Relative comparison, with an absolute floor scaled to the largest gradient so near-zero entries don't dominate.</summary>
    public static void AssertClose(ReadOnlySpan<float> analytic, double[] numeric, string what, double relativeTolerance = 1e-2)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        double scale = 0;
        foreach (double v in numeric) scale = Math.Max(scale, Math.Abs(v));
        double floor = 1e-2 * scale + 1e-4;
        for (int i = 0; i < numeric.Length; i++)
        {
            double error = Math.Abs(analytic[i] - numeric[i]);
            double allowed = relativeTolerance * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric[i])) + floor * relativeTolerance * 10;
            Assert.True(error <= allowed,
                $"{what}[{i}]: analytic {analytic[i]:G6}, numeric {numeric[i]:G6}, error {error:G3} > {allowed:G3}.");
        }
    }

    /// <summary>Element-wise comparison with a reference computed by plain loops (summation order may differ).</summary>
    public static void AssertNear(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float allowed = tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= allowed || expected[i].Equals(actual[i]),
                $"{what}[{i}]: expected {expected[i]:G9}, actual {actual[i]:G9}.");
        }
    }
}
