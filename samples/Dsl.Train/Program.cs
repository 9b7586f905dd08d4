using System.Diagnostics;
using System.Globalization;
using Dsl.Runtime;
using Dsl.Train;

// The main job: train one of the zoo's generated networks on Fashion-MNIST and report its test accuracy.
// Exit codes: 0 success, 1 training failed (corrupt data, diverged), 2 bad command line or data set not found,
// 130 interrupted by Ctrl+C (after reporting the accuracy reached).

// lm, translate and sine are the sequence models of chapters 9–10 (SequenceCommands.cs).
if (args.Length > 0 && SequenceCommands.IsCommand(args[0])) return SequenceCommands.Run(args);

CommandLine options;
try
{
    options = CommandLine.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.Write(CommandLine.Usage);
    return 2;
}

if (options.Help)
{
    Console.Write(CommandLine.Usage);
    return 0;
}

var model = ModelRegistry.Find(options.Model)!;
if (options.SummaryOnly)
{
    Console.WriteLine(model.Summary());
    return 0;
}

try
{
    if (options.Threads is int threads) Parallelism.MaxDegree = threads;

    // Find the data before printing anything else, so that a missing data set gives a short, clear error.
    string directory = DataLocator.Resolve(options.DataDirectory, Console.Out);
    Console.WriteLine(model.Summary());
    long loadStarted = Stopwatch.GetTimestamp();
    var (train, test) = FashionMnist.Load(directory);
    double loadSeconds = Stopwatch.GetElapsedTime(loadStarted).TotalSeconds;
    if (options.Limit is int limit && limit < train.Count) train = train.Subset(0, limit);
    Dataset? validation = null;
    if (options.Validation > 0)
    {
        if (options.Validation >= train.Count)
            throw new UsageException($"--validation {options.Validation} would leave no training examples out of {train.Count}.");
        validation = train.Subset(train.Count - options.Validation, options.Validation);
        train = train.Subset(0, train.Count - options.Validation);
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Fashion-MNIST from {directory} in {loadSeconds:F1} s: {train.Count} training{(validation is null ? "" : $", {validation.Count} validation")}, {test.Count} test examples"));

    var net = model.Create(options.Seed);
    var settings = new SgdSettings(
        options.LearningRate ?? model.Defaults.LearningRate,
        options.Momentum ?? model.Defaults.Momentum,
        options.WeightDecay ?? model.Defaults.WeightDecay);
    var sgd = new Sgd(settings.LearningRate, settings.Momentum, settings.WeightDecay);
    var trainOptions = new TrainOptions
    {
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        Seed = (ulong)options.Seed,
        Patience = options.Patience,
    };
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"training {model.Name}: SGD lr {settings.LearningRate:0.####} momentum {settings.Momentum:0.####} weight decay {settings.WeightDecay:0.#####}, " +
        $"batch {trainOptions.BatchSize}, {trainOptions.Epochs} epoch{(trainOptions.Epochs == 1 ? "" : "s")}{(options.Patience > 0 ? $" (patience {options.Patience})" : "")}, " +
        $"seed {options.Seed}, {Parallelism.MaxDegree} thread(s)"));

    // The first Ctrl+C ends training after the current step and still reports the test accuracy; a second one kills the process.
    var interrupt = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        if (interrupt.IsCancellationRequested) return;
        e.Cancel = true;
        interrupt.Cancel();
    };

    long started = Stopwatch.GetTimestamp();
    var result = Trainer.Fit(net, train, test, sgd, trainOptions, Console.Out, validation, interrupt.Token);
    double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

    if (result.History.Count > 0)
    {
        double trainSeconds = result.History.Sum(h => h.TrainSeconds);
        long examples = result.History.Sum(h => (long)Math.Round(h.ExamplesPerSecond * h.TrainSeconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.History.Count} epoch(s) in {seconds:F1} s ({trainSeconds:F1} s training, {Trainer.FormatRate(examples / trainSeconds)}); " +
            $"best test accuracy {result.BestTestAccuracy:F4} at epoch {result.BestTestEpoch}"));
    }
    if (!result.Diverged) Console.WriteLine(PerClassReport.Format(net, test, trainOptions.BatchSize));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.FinalTestAccuracy:F4}"));
    return result.Diverged ? 1 : result.Cancelled ? 130 : 0;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
