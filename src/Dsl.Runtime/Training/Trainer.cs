using System.Diagnostics;
using System.Globalization;

namespace Dsl.Runtime;

/// <summary>How <see cref="Trainer.Fit"/> trains.</summary>
public sealed record TrainOptions
{
    /// <summary>Most epochs to run.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per training step.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Seed of the minibatch shuffle.</summary>
    public ulong Seed { get; init; }

    /// <summary>Skip the last batch of an epoch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLastBatch { get; init; }

    /// <summary>Stop after this many epochs without a better monitored accuracy (validation if given, else test); 0 = never stop early.</summary>
    public int Patience { get; init; }

    /// <summary>How much the monitored accuracy must rise to count as better.</summary>
    public float MinDelta { get; init; }

    /// <summary>With early stopping, put back the parameters of the best monitored epoch when training ends.</summary>
    public bool RestoreBestParameters { get; init; } = true;

    /// <summary>Progress lines per epoch while training (0 = none; only the per-epoch line).</summary>
    public int ProgressReportsPerEpoch { get; init; } = 5;

    /// <summary>
    /// Training accuracy is measured after each epoch, in inference mode, on this many training examples (the first ones),
    /// because a training step reports only its loss; a sample keeps the cost to a few percent of an epoch. 0 skips it.
    /// </summary>
    public int TrainAccuracyExamples { get; init; } = 10_000;

    /// <summary>Examples per forward pass when evaluating; 0 (the default) uses <see cref="BatchSize"/>, so that the
    /// network's activation arena, sized for the largest batch it has seen, does not grow beyond what training needs.</summary>
    public int EvaluationBatchSize { get; init; }
}

/// <summary>Accuracy and mean softmax cross-entropy of a network on a data set.</summary>
public readonly record struct Evaluation(float Accuracy, float Loss, int Correct, int Count);

/// <summary>What happened in one epoch. Accuracies are fractions in [0, 1]; NaN when not measured.</summary>
public sealed record EpochResult(
    int Epoch,
    float TrainLoss,
    float TrainAccuracy,
    float ValidationAccuracy,
    float TestAccuracy,
    float TestLoss,
    double TrainSeconds,
    double EvaluationSeconds,
    double ExamplesPerSecond);

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
/// <param name="History">One entry per epoch run.</param>
/// <param name="BestTestAccuracy">Highest test accuracy of any epoch. Without a validation set, early stopping selects on the test set,
/// so this figure is optimistic; <paramref name="FinalTestAccuracy"/> is the honest one when a validation set is given.</param>
/// <param name="BestTestEpoch">Epoch (from 1) of <paramref name="BestTestAccuracy"/>.</param>
/// <param name="FinalTestAccuracy">Test accuracy of the parameters the network holds when <see cref="Trainer.Fit"/> returns.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before the last epoch.</param>
/// <param name="RestoredEpoch">Epoch whose parameters were put back, or 0 if the network keeps its last parameters.</param>
/// <param name="Diverged">Whether training stopped because the loss became NaN or infinite.</param>
/// <param name="Cancelled">Whether training stopped because the cancellation token was signalled.</param>
public sealed record TrainResult(
    IReadOnlyList<EpochResult> History,
    float BestTestAccuracy,
    int BestTestEpoch,
    float FinalTestAccuracy,
    bool StoppedEarly,
    int RestoredEpoch,
    bool Diverged,
    bool Cancelled = false);

/// <summary>A plain training loop for any <see cref="INetwork"/> classifier: minibatch SGD epochs, evaluation, early stopping.</summary>
public static class Trainer
{
    /// <summary>Fraction of <paramref name="data"/> that <paramref name="net"/> classifies correctly (inference mode).</summary>
    public static float Accuracy(INetwork net, Dataset data, int batchSize = 256) => Evaluate(net, data, batchSize).Accuracy;

    /// <summary>Accuracy and mean softmax cross-entropy of <paramref name="net"/> on <paramref name="data"/>, in chunks of
    /// <paramref name="batchSize"/> examples.</summary>
    public static Evaluation Evaluate(INetwork net, Dataset data, int batchSize = 256) => Evaluate(net, data, data.Count, batchSize);

    /// <summary>Like <see cref="Evaluate(INetwork, Dataset, int)"/> on the first <paramref name="count"/> examples only.</summary>
    public static Evaluation Evaluate(INetwork net, Dataset data, int count, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (count < 0 || count > data.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The data set holds {data.Count} examples.");
        CheckCompatible(net, data);
        int classes = net.OutputSize;
        int correct = 0;
        double lossSum = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            ReadOnlySpan<float> logits = net.Forward(data.Examples(start, n));
            ReadOnlySpan<int> labels = data.Labels.AsSpan(start, n);
            for (int i = 0; i < n; i++)
                lossSum += ScoreRow(logits.Slice(i * classes, classes), labels[i], start + i, ref correct);
        }
        return count == 0
            ? new Evaluation(float.NaN, float.NaN, 0, 0)
            : new Evaluation((float)correct / count, (float)(lossSum / count), correct, count);
    }

    // Arg-max and cross-entropy share the row maximum, so one pass gives both (Metrics.CountCorrect would need a second).
    private static double ScoreRow(ReadOnlySpan<float> row, int label, int example, ref int correct)
    {
        if ((uint)label >= (uint)row.Length)
            throw new ArgumentOutOfRangeException(nameof(label), $"Example {example} has label {label}, outside the network's {row.Length} classes.");
        int argMax = 0;
        float max = row[0];
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > max) { max = row[c]; argMax = c; }
        }
        double sum = 0;
        for (int c = 0; c < row.Length; c++) sum += Math.Exp(row[c] - max);
        if (argMax == label) correct++;
        return Math.Log(sum) + max - row[label];
    }

    /// <summary>
    /// Trains <paramref name="net"/> on <paramref name="train"/> for up to <see cref="TrainOptions.Epochs"/> epochs, one
    /// <see cref="INetwork.TrainStep"/> per shuffled minibatch, and evaluates on <paramref name="test"/> (and
    /// <paramref name="validation"/>, if given) after each epoch. Writes progress to <paramref name="log"/>.
    /// </summary>
    /// <remarks>Early stopping (<see cref="TrainOptions.Patience"/>) monitors validation accuracy when a validation set is given,
    /// otherwise test accuracy, as the D2L book's plots do. Signalling <paramref name="cancellation"/> stops training after the
    /// current step; the unfinished epoch is not recorded, and the result describes the parameters as they are.</remarks>
    public static TrainResult Fit(INetwork net, Dataset train, Dataset test, Optimizer optimizer, TrainOptions options,
        TextWriter? log = null, Dataset? validation = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Patience);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ProgressReportsPerEpoch);
        ArgumentOutOfRangeException.ThrowIfNegative(options.TrainAccuracyExamples);
        ArgumentOutOfRangeException.ThrowIfNegative(options.EvaluationBatchSize);
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        CheckCompatible(net, train);
        CheckCompatible(net, test);
        if (validation is not null) CheckCompatible(net, validation);
        log ??= TextWriter.Null;

        var batches = new MinibatchIterator(train, options.BatchSize, options.Seed, shuffle: true, dropLast: options.DropLastBatch);
        var stopper = options.Patience > 0 ? new EarlyStopping(options.Patience, higherIsBetter: true, options.MinDelta) : null;
        float[]? bestParameters = stopper is not null && options.RestoreBestParameters ? new float[net.Parameters.Length] : null;
        int trainAccuracyCount = Math.Min(options.TrainAccuracyExamples, train.Count);
        int epochExamples = batches.ExamplesPerEpoch;
        int countWidth = epochExamples.ToString(CultureInfo.InvariantCulture).Length;
        int evaluationBatch = options.EvaluationBatchSize > 0 ? options.EvaluationBatchSize : options.BatchSize;

        var history = new List<EpochResult>();
        bool stoppedEarly = false, diverged = false, cancelled = false;
        for (int epoch = 1; epoch <= options.Epochs && !stoppedEarly; epoch++)
        {
            long started = Stopwatch.GetTimestamp();
            double lossSum = 0;
            int seen = 0, reportsDone = 0;
            while (batches.MoveNext())
            {
                float loss = net.TrainStep(batches.Features, batches.Labels, optimizer);
                int n = batches.CurrentBatchSize;
                if (!float.IsFinite(loss))
                {
                    log.WriteLine($"epoch {epoch}  [{(seen + n).ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)}/{epochExamples}]  " +
                        $"loss is {loss.ToString(CultureInfo.InvariantCulture)}: training diverged; try a smaller learning rate.");
                    diverged = true;
                    break;
                }
                lossSum += (double)loss * n;
                seen += n;
                if (cancellation.IsCancellationRequested)
                {
                    log.WriteLine($"epoch {epoch}  [{seen.ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)}/{epochExamples}]  cancelled");
                    cancelled = true;
                    break;
                }
                // Report at each fifth (by default) of the epoch, but not at its very end, which the epoch line covers.
                if (options.ProgressReportsPerEpoch > 0 && seen < epochExamples
                    && seen >= NextReportAt(epochExamples, reportsDone, options.ProgressReportsPerEpoch))
                {
                    while (seen >= NextReportAt(epochExamples, reportsDone, options.ProgressReportsPerEpoch)) reportsDone++;
                    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {epoch}  [{seen.ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)}/{epochExamples}]  loss {lossSum / seen:F4}  {FormatRate(seen / seconds)}"));
                }
            }
            if (diverged || cancelled) break;
            double trainSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

            long evaluationStarted = Stopwatch.GetTimestamp();
            float trainAccuracy = trainAccuracyCount > 0
                ? Evaluate(net, train, trainAccuracyCount, evaluationBatch).Accuracy
                : float.NaN;
            float validationAccuracy = validation is not null ? Evaluate(net, validation, evaluationBatch).Accuracy : float.NaN;
            var testEvaluation = Evaluate(net, test, evaluationBatch);
            double evaluationSeconds = Stopwatch.GetElapsedTime(evaluationStarted).TotalSeconds;

            var result = new EpochResult(epoch, (float)(lossSum / seen), trainAccuracy, validationAccuracy,
                testEvaluation.Accuracy, testEvaluation.Loss, trainSeconds, evaluationSeconds, seen / trainSeconds);
            history.Add(result);

            string marker = "";
            if (stopper is not null)
            {
                stoppedEarly = stopper.ShouldStop(validation is not null ? validationAccuracy : testEvaluation.Accuracy);
                if (stopper.Improved)
                {
                    marker = "  *";
                    net.Parameters.CopyTo(bestParameters);
                }
            }
            log.WriteLine(FormatEpoch(result, options.Epochs, trainAccuracyCount, train.Count, validation is not null) + marker);
            if (stoppedEarly && epoch < options.Epochs)
                log.WriteLine($"early stopping: no better {(validation is not null ? "validation" : "test")} accuracy for {stopper!.Patience} epoch(s) " +
                    $"since epoch {stopper.BestEpoch} ({stopper.Best.ToString("F4", CultureInfo.InvariantCulture)})");
            else
                stoppedEarly = false;
        }

        int restoredEpoch = 0;
        float finalTestAccuracy = history.Count > 0 ? history[^1].TestAccuracy : float.NaN;
        bool interrupted = diverged || cancelled;
        if (bestParameters is not null && stopper!.BestEpoch > 0 && (interrupted || stopper.BestEpoch != history.Count))
        {
            bestParameters.CopyTo(net.Parameters);
            restoredEpoch = stopper.BestEpoch;
            finalTestAccuracy = history[restoredEpoch - 1].TestAccuracy;
            log.WriteLine($"restored the parameters of epoch {restoredEpoch}");
        }
        else if (interrupted)
        {
            finalTestAccuracy = Evaluate(net, test, evaluationBatch).Accuracy;
        }

        int bestTestEpoch = 0;
        float bestTest = float.NaN;
        foreach (var h in history)
        {
            if (bestTestEpoch == 0 || h.TestAccuracy > bestTest) { bestTest = h.TestAccuracy; bestTestEpoch = h.Epoch; }
        }
        return new TrainResult(history, bestTest, bestTestEpoch, finalTestAccuracy, stoppedEarly, restoredEpoch, diverged, cancelled);
    }

    private static int NextReportAt(int epochExamples, int reportsDone, int reportsPerEpoch) =>
        (int)((long)epochExamples * (reportsDone + 1) / reportsPerEpoch);

    private static string FormatEpoch(EpochResult r, int epochs, int trainAccuracyCount, int trainCount, bool hasValidation)
    {
        var ic = CultureInfo.InvariantCulture;
        string trainAccuracy = float.IsNaN(r.TrainAccuracy)
            ? ""
            : trainAccuracyCount < trainCount
                ? string.Create(ic, $"  train acc {r.TrainAccuracy:F4} (first {trainAccuracyCount})")
                : string.Create(ic, $"  train acc {r.TrainAccuracy:F4}");
        string validation = hasValidation ? string.Create(ic, $"  val acc {r.ValidationAccuracy:F4}") : "";
        return string.Create(ic,
            $"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}{trainAccuracy}{validation}  test acc {r.TestAccuracy:F4}  " +
            $"{r.TrainSeconds:F1} s  {FormatRate(r.ExamplesPerSecond)}");
    }

    /// <summary>Examples per second, short: <c>850 ex/s</c>, <c>4.1k ex/s</c>, <c>1.2M ex/s</c>.</summary>
    public static string FormatRate(double examplesPerSecond) => examplesPerSecond switch
    {
        double.NaN or double.PositiveInfinity => "- ex/s",
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{examplesPerSecond / 1e6:F1}M ex/s"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{examplesPerSecond / 1e3:F1}k ex/s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{examplesPerSecond:F0} ex/s"),
    };

    private static void CheckCompatible(INetwork net, Dataset data)
    {
        if (net.InputSize != data.FeatureSize)
            throw new ArgumentException(
                $"The network expects examples of {net.InputSize} floats but the data set's examples are ({string.Join(", ", data.ExampleShape)}) = {data.FeatureSize} floats.");
    }
}
