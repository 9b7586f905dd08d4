using System.Globalization;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// <c>sine</c>: D2L 9.1. An MLP on lag-4 windows of <c>sin(0.01 t) + N(0, 0.2²)</c>, trained on the first 600 windows, then
/// k-step-ahead predictions, where every step past the first feeds the model its own outputs, so the error grows with k.
/// </summary>
internal static class SineCommand
{
    private static readonly string[] Known = ["--epochs", "--seed", "--threads", "--lr"];
    private static readonly int[] Horizons = [1, 4, 16, 64];

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new SequenceArguments(args, 1, Known);
        if (a.Help) { Console.Write(SequenceCommands.Usage); return 0; }
        SequenceCommands.ApplyThreads(a);
        int epochs = a.Int("--epochs", 20), seed = a.Int("--seed", 0, min: 0);
        float lr = a.Float("--lr", 0.01f, 0f, inclusive: false);
        const int tau = SineSeries.DefaultTau, batch = 16, trainCount = SineSeries.DefaultTrainCount;

        float[] series = SineSeries.Generate(seed: (ulong)seed);
        int windows = SineSeries.WindowCount(series.Length, tau);
        var features = new float[windows * tau];
        var labels = new float[windows];
        SineSeries.LagFeatures(series, tau, features, labels);

        var model = new LagRegression(tau, hidden: 10, seed: (ulong)seed);
        var adam = new Adam(lr);
        var order = Enumerable.Range(0, trainCount).ToArray();
        var x = new float[batch * tau];
        var y = new float[batch];
        var random = new Random(seed);
        Console.WriteLine(Invariant($"sine: {series.Length} points, noise 0.2, lag {tau}, MLP {tau}-10-1 (ReLU), Adam lr {lr}, batch {batch}, {epochs} epochs on the first {trainCount} windows"));
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            random.Shuffle(order);
            double total = 0;
            int count = 0;
            for (int start = 0; start + batch <= trainCount; start += batch)
            {
                for (int i = 0; i < batch; i++)
                {
                    features.AsSpan(order[start + i] * tau, tau).CopyTo(x.AsSpan(i * tau, tau));
                    y[i] = labels[order[start + i]];
                }
                total += model.TrainStep(x, y, adam) * batch;
                count += batch;
            }
            if (epoch == 1 || epoch == epochs || epoch % 5 == 0)
                Console.WriteLine(Invariant($"epoch {epoch,3}: training MSE {total / count:F5}"));
        }

        int maxSteps = Horizons[^1];
        float[] table = SineSeries.KStepPredictions(series, tau, maxSteps, model.Predict);
        Console.WriteLine(Invariant($"k-step-ahead mean squared error over {SineSeries.KStepRows(series.Length, tau, maxSteps)} start points (noise variance 0.04):"));
        foreach (int k in Horizons)
            Console.WriteLine(Invariant($"  k = {k,2}: {SineSeries.KStepMeanSquaredError(series, table, tau, maxSteps, k):F4}"));
        return 0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
