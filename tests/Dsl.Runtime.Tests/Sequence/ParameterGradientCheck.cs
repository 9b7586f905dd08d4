using Xunit;

namespace Dsl.Runtime.Tests.Sequence;

/// <summary>
/// Central differences over every entry of a composed model's parameter array, compared with the model's analytic
/// gradient and reported by parameter name, so a failure says which tensor of which layer is wrong.
/// </summary>
internal static class ParameterGradientCheck
{
    /// <summary>
    /// Perturbs each parameter by ±<paramref name="epsilon"/>, calls <paramref name="loss"/> (which must leave no other state
    /// behind that changes the next call) and compares <c>(L⁺ − L⁻) / 2ε</c> with <paramref name="analytic"/>.
    /// Returns the numeric gradient.
    /// </summary>
    public static double[] AssertMatches(Span<float> parameters, ReadOnlySpan<float> analytic, IReadOnlyList<ParameterInfo> infos,
        Func<double> loss, float epsilon = 5e-3f, double relative = 2e-2, double absolute = 2e-4)
    {
        Assert.Equal(parameters.Length, analytic.Length);
        var numeric = Numeric(parameters, loss, epsilon);
        for (int i = 0; i < parameters.Length; i++)
        {
            double error = Math.Abs(numeric[i] - analytic[i]);
            double allowed = relative * Math.Max(Math.Abs(numeric[i]), Math.Abs(analytic[i])) + absolute;
            Assert.True(error <= allowed, $"{NameOf(infos, i)}: analytic {analytic[i]:G6}, numeric {numeric[i]:G6}, error {error:G3} > allowed {allowed:G3}");
        }
        return numeric;
    }

    /// <summary>The central-difference gradient of <paramref name="loss"/> with respect to every parameter.</summary>
    public static double[] Numeric(Span<float> parameters, Func<double> loss, float epsilon = 5e-3f)
    {
        var numeric = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            float original = parameters[i];
            parameters[i] = original + epsilon;
            double plus = loss();
            parameters[i] = original - epsilon;
            double minus = loss();
            parameters[i] = original;
            // The step actually taken in float, not the nominal one.
            numeric[i] = (plus - minus) / ((double)(original + epsilon) - (original - epsilon));
        }
        return numeric;
    }

    /// <summary>"rnn.weight_hh_l1[7]" for flat index <paramref name="index"/>.</summary>
    public static string NameOf(IReadOnlyList<ParameterInfo> infos, int index)
    {
        foreach (var info in infos)
            if (index >= info.Offset && index < info.Offset + info.Length) return $"{info.Name}[{index - info.Offset}]";
        return $"parameter[{index}]";
    }

    /// <summary>Token rows drawn uniformly from [0, vocabulary).</summary>
    public static int[] Tokens(int count, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = random.Next(vocabulary);
        return tokens;
    }
}
