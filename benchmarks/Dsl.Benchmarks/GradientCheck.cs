using Dsl.Runtime;

namespace Dsl.Benchmarks;

/// <summary>
/// Checks the hand-composed recurrent steps before they are timed (<c>-- --check</c>, run by compare.sh): along a random
/// direction v, the gradient's projection g·v must match the central difference (L(p + εv) − L(p − εv)) / 2ε of the
/// loss. The kernels have their own tests; this catches a wrong composition (a gradient routed to the wrong buffer).
/// </summary>
internal static class GradientCheck
{
    // Float32 losses over thousands of terms: a correct composition lands near 1e-3, a wrong one far above.
    private const double Tolerance = 1e-2;

    /// <summary>Runs the check for lstm, gru and lstm-lm; prints one line each and returns the number of failures.</summary>
    public static int Run()
    {
        int previous = Parallelism.MaxDegree;
        Parallelism.MaxDegree = 1;
        var rng = new Rng(7);
        int failures = 0;
        foreach (RecurrentCell cell in new[] { RecurrentCell.Lstm, RecurrentCell.Gru })
        {
            var net = new RecurrentClassifier(cell, seed: 42);
            float[] x = TrainingStepBenchmarks.RandomInputs(RecurrentClassifier.Batch * RecurrentClassifier.Steps * RecurrentClassifier.InputSize, seed: 3);
            int[] y = TrainingStepBenchmarks.RandomLabels(RecurrentClassifier.Batch, seed: 4);
            failures += Check(cell.ToString().ToLowerInvariant(), net.Parameters, ref rng,
                () => net.ForwardBackward(x, y),
                () => SoftmaxCrossEntropy.Loss(net.Forward(x), y, RecurrentClassifier.Batch, RecurrentClassifier.Classes));
        }
        {
            var net = new CharLstmLanguageModel(seed: 42);
            int[] tokens = new int[CharLstmLanguageModel.Positions], targets = new int[CharLstmLanguageModel.Positions];
            for (int i = 0; i < tokens.Length; i++) { tokens[i] = rng.NextInt(CharLstmLanguageModel.Vocab); targets[i] = rng.NextInt(CharLstmLanguageModel.Vocab); }
            var frozen = new Sgd(0f); // learning rate 0: TrainStep fills the gradients and leaves the parameters as they were
            failures += Check("lstm-lm", net.Parameters, ref rng,
                () => net.TrainStep(tokens, targets, frozen),
                () => SequenceCrossEntropy.ForwardBackward(net.Forward(tokens), targets, ReadOnlySpan<bool>.Empty, Span<float>.Empty,
                    CharLstmLanguageModel.Positions, CharLstmLanguageModel.Vocab));
        }
        Parallelism.MaxDegree = previous;
        return failures;
    }

    private static int Check(string workload, ParameterStore store, ref Rng rng, Func<float> forwardBackward, Func<float> loss)
    {
        float[] p = store.Values;
        forwardBackward();
        float[] gradient = (float[])store.Gradients.Clone();
        float[] original = (float[])p.Clone();
        var direction = new float[p.Length];
        double projected = 0;
        for (int i = 0; i < direction.Length; i++)
        {
            direction[i] = rng.NextGaussian();
            projected += (double)gradient[i] * direction[i];
        }
        const float epsilon = 1e-3f;
        for (int i = 0; i < p.Length; i++) p[i] = original[i] + epsilon * direction[i];
        double plus = loss();
        for (int i = 0; i < p.Length; i++) p[i] = original[i] - epsilon * direction[i];
        double minus = loss();
        original.CopyTo(p, 0);
        double difference = (plus - minus) / (2 * epsilon);
        double error = Math.Abs(projected - difference) / Math.Max(Math.Abs(difference), 1e-6);
        bool ok = error <= Tolerance;
        Console.WriteLine($"{workload}: g·v = {projected:F5}, finite difference = {difference:F5}, relative error = {error:E1} " +
                          (ok ? "ok" : $"FAILED (expected at most {Tolerance:E0})"));
        return ok ? 0 : 1;
    }
}
