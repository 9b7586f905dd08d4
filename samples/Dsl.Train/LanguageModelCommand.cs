using System.Diagnostics;
using System.Globalization;
using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// <c>lm</c>: D2L 9.5–10.3's character language model on a text file, trained with truncated BPTT over sequential
/// minibatches (state carried and detached, reset each epoch), Adam and gradient clipping; perplexity per epoch on the
/// training text and on a held-out tail, then a continuation of a prefix.
/// </summary>
internal static class LanguageModelCommand
{
    public const string DefaultTextName = "lighthouse.txt";

    private static readonly string[] Known =
    [
        "--text", "--cell", "--hidden", "--layers", "--embedding", "--dropout", "--steps", "--batch", "--epochs", "--lr",
        "--clip", "--validation", "--partition", "--prefix", "--generate", "--temperature", "--seed", "--threads", "--model",
    ];

    // Options that shape the hand-written model; a generated model's shape is its declaration.
    private static readonly string[] Shape = ["--cell", "--hidden", "--layers", "--embedding", "--dropout", "--steps"];

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new SequenceArguments(args, 1, Known);
        if (a.Help) { Console.Write(SequenceCommands.Usage); return 0; }
        SequenceCommands.ApplyThreads(a);
        var cell = (a.String("--cell") ?? "lstm") switch
        {
            "lstm" => RecurrentCell.Lstm,
            "gru" => RecurrentCell.Gru,
            "rnn" => RecurrentCell.Rnn,
            var other => throw new UsageException($"--cell expects lstm, gru or rnn but got '{other}'."),
        };
        string kind = a.String("--model") ?? "generated";
        if (kind is not ("generated" or "embedding" or "hand"))
            throw new UsageException($"--model expects generated, embedding or hand but got '{kind}'.");
        if (kind != "hand" && Shape.FirstOrDefault(o => a.String(o) is not null) is { } fixedOption)
            throw new UsageException($"{fixedOption} shapes the hand-written model; the generated one is declared in src/Dsl.Models/Sequence/CharLstm.cs. Add --model hand to use it.");
        int hidden = a.Int("--hidden", 256), layers = a.Int("--layers", 2), embedding = a.Int("--embedding", 0, min: 0);
        int steps = a.Int("--steps", kind == "hand" ? 35 : CharLstm.Steps), batch = a.Int("--batch", 32), epochs = a.Int("--epochs", 15);
        float lr = a.Float("--lr", 0.005f, 0f, inclusive: false), clip = a.Float("--clip", 1f, 0f, inclusive: false);
        float dropout = a.Float("--dropout", 0.3f, max: 1f), validation = a.Float("--validation", 0.1f, max: 0.9f);
        float temperature = a.Float("--temperature", 0f);
        int generate = a.Int("--generate", 160, min: 0), seed = a.Int("--seed", 0, min: 0);
        string prefix = a.String("--prefix") ?? "the lighthouse ";
        var partitioning = (a.String("--partition") ?? "sequential") switch
        {
            "sequential" => Partitioning.Sequential,
            "random" => Partitioning.Random,
            var other => throw new UsageException($"--partition expects sequential or random but got '{other}'."),
        };

        string path = a.String("--text") ?? FindDefaultText();
        string text = File.ReadAllText(path);
        var (corpus, vocabulary) = LanguageModelCorpus.FromCharacters(text);
        int heldOut = (int)(corpus.Length * (double)validation);
        int[] train = corpus[..(corpus.Length - heldOut)];
        int[] valid = corpus[(corpus.Length - heldOut)..];
        var trainBatches = new LanguageModelBatches(train, batch, steps, partitioning, (ulong)seed);
        // A held-out tail too short for one minibatch is reported as absent rather than failing the run.
        LanguageModelBatches? validBatches = valid.Length > batch * (2 * steps + 1)
            ? new LanguageModelBatches(valid, batch, steps, Partitioning.Sequential, (ulong)seed + 1)
            : null;

        if (kind != "hand" && vocabulary.Count > CharLstm.VocabSize)
            throw new UsageException($"the text has {vocabulary.Count} distinct characters but the generated models read {CharLstm.VocabSize}; add --model hand.");
        ILanguageModel model = kind switch
        {
            "hand" => new HandLanguageModel(new CharLanguageModel(new CharLanguageModelOptions
            {
                Vocabulary = vocabulary.Count, Cell = cell, Hidden = hidden, Layers = layers, EmbeddingSize = embedding,
                Dropout = dropout, Steps = steps, BatchSize = batch,
            }, (ulong)seed)),
            "embedding" => new GeneratedEmbeddingLanguageModel(new CharLstm(seed)),
            _ => new GeneratedOneHotLanguageModel(new CharLstmOneHot(seed)),
        };
        var adam = new Adam(lr);
        Console.WriteLine(Invariant(
            $"text {Path.GetFileName(path)}: {corpus.Length} characters ({train.Length} training, {valid.Length} held out), vocabulary {vocabulary.Count}"));
        if (kind == "hand")
            Console.WriteLine(Invariant(
                $"model: {model.Description}: {(embedding > 0 ? $"embedding {embedding}" : "one-hot")}, {layers} × {cell} {hidden}{(dropout > 0 ? $" (dropout {dropout})" : "")}, dense {vocabulary.Count}; {model.ParameterCount} parameters"));
        else
            Console.WriteLine(Invariant($"model: {model.Description}; {model.ParameterCount} parameters\n{(kind == "embedding" ? CharLstm.Summary : CharLstmOneHot.Summary)}"));
        Console.WriteLine(Invariant(
            $"training: Adam lr {lr}, clip {clip}, batch {batch} × {steps} steps, {(partitioning == Partitioning.Sequential ? "sequential partitioning (state carried, detached)" : "random partitioning (state reset every minibatch)")}, {epochs} epochs, seed {seed}, {Parallelism.MaxDegree} thread(s)"));

        var meter = new PerplexityMeter();
        var x = new int[batch * steps];
        var y = new int[batch * steps];
        long started = Stopwatch.GetTimestamp();
        double trainSeconds = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long epochStarted = Stopwatch.GetTimestamp();
            meter.Reset();
            model.ResetState();
            while (trainBatches.MoveNext(x, y))
            {
                // Rows of consecutive random minibatches are unrelated, so no state carries over.
                if (partitioning == Partitioning.Random) model.ResetState();
                float loss = model.TrainStep(x, y, adam, clip);
                if (!float.IsFinite(loss))
                {
                    Console.WriteLine(Invariant($"epoch {epoch}: loss became {loss}; stopping."));
                    return 1;
                }
                meter.Add(loss, x.Length);
            }
            double seconds = Stopwatch.GetElapsedTime(epochStarted).TotalSeconds;
            trainSeconds += seconds;
            double trainPerplexity = meter.Value;
            string validText = "";
            if (validBatches is not null)
            {
                meter.Reset();
                model.ResetState();
                while (validBatches.MoveNext(x, y)) meter.Add(model.Evaluate(x, y), x.Length);
                validText = Invariant($", held-out perplexity {meter.Value,7:F3}");
            }
            Console.WriteLine(Invariant(
                $"epoch {epoch,3}: perplexity {trainPerplexity,7:F3}{validText}  ({seconds:F1} s, {train.Length / seconds / 1000:F0} k chars/s)"));
        }
        double total = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(Invariant($"{epochs} epochs in {total:F1} s ({trainSeconds:F1} s training)"));

        string cleanPrefix = Tokenizer.LettersOnly(prefix);
        if (cleanPrefix.Length == 0) throw new UsageException($"--prefix '{prefix}' has no letters to start from.");
        int[] prefixTokens = vocabulary.Encode(Tokenizer.Characters(cleanPrefix));
        // Greedy decoding of a small model soon falls into a loop (D2L shows the same); a sampled continuation shows more of what it learnt.
        var rng = new Rng((ulong)seed);
        Console.WriteLine("greedy continuation:");
        Console.WriteLine(cleanPrefix + Decode(vocabulary, model.Predict(prefixTokens, generate, 0f, ref rng)));
        float sampling = temperature > 0f ? temperature : 0.6f;
        Console.WriteLine(Invariant($"sampled continuation (temperature {sampling}, seed {seed}):"));
        Console.WriteLine(cleanPrefix + Decode(vocabulary, model.Predict(prefixTokens, generate, sampling, ref rng)));
        return 0;
    }

    // A generated model reads a fixed 28 tokens; ids the text's vocabulary lacks (only an untrained model picks them) read as <unk>.
    private static string Decode(Vocabulary vocabulary, int[] tokens) =>
        vocabulary.DecodeToString(tokens.Select(t => t < vocabulary.Count ? t : vocabulary.UnknownIndex).ToArray());

    /// <summary>The shipped text, looked for next to the program and in the source tree above it and the working directory.</summary>
    private static string FindDefaultText()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (string candidate in new[]
                {
                    Path.Combine(dir.FullName, "data", DefaultTextName),
                    Path.Combine(dir.FullName, "samples", "Dsl.Train", "data", DefaultTextName),
                })
                    if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"The default text {DefaultTextName} was not found under samples/Dsl.Train/data/ above {AppContext.BaseDirectory} or the working directory; pass --text FILE.");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
