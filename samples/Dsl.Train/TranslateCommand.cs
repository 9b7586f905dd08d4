using System.Diagnostics;
using System.Globalization;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// <c>translate</c>: D2L 10.7's GRU encoder–decoder trained with teacher forcing on <see cref="SyntheticTranslation"/> pairs,
/// then greedy translation of the held-out pairs scored with BLEU (k = 2, as D2L reports it, and k = 4).
/// </summary>
internal static class TranslateCommand
{
    private static readonly string[] Known =
        ["--pairs", "--epochs", "--batch", "--embedding", "--hidden", "--layers", "--dropout", "--lr", "--clip", "--seed", "--threads", "--model"];

    public static int Run(IReadOnlyList<string> args)
    {
        var a = new SequenceArguments(args, 1, Known);
        if (a.Help) { Console.Write(SequenceCommands.Usage); return 0; }
        SequenceCommands.ApplyThreads(a);
        int pairs = a.Int("--pairs", 3000, min: 20), epochs = a.Int("--epochs", 20), batch = a.Int("--batch", 64);
        int embedding = a.Int("--embedding", 64), hidden = a.Int("--hidden", 128), layers = a.Int("--layers", 2), seed = a.Int("--seed", 0, min: 0);
        float dropout = a.Float("--dropout", 0.1f, max: 1f), lr = a.Float("--lr", 0.005f, 0f, inclusive: false);
        float clip = a.Float("--clip", 1f, 0f, inclusive: false);

        string kind = a.String("--model") ?? "generated";
        if (kind is not ("generated" or "hand"))
            throw new UsageException($"--model expects generated or hand but got '{kind}'.");
        if (kind == "generated" && new[] { "--embedding", "--hidden", "--layers", "--dropout" }.FirstOrDefault(o => a.String(o) is not null) is { } fixedOption)
            throw new UsageException($"{fixedOption} shapes the hand-written model; the generated one is declared in src/Dsl.Models/Sequence/Translator.cs. Add --model hand to use it.");

        var task = TranslationTask.Create(pairs, (ulong)seed, batch, kind == "generated" ? Dsl.Models.Translator.Steps : 0);
        if (kind == "generated" && (task.SourceVocabulary.Count > Dsl.Models.Translator.VocabSize || task.TargetVocabulary.Count > Dsl.Models.Translator.TargetVocabSize))
            throw new UsageException($"the task's vocabularies ({task.SourceVocabulary.Count}, {task.TargetVocabulary.Count}) exceed the generated model's; add --model hand.");
        ITranslationModel model = kind == "hand"
            ? new HandTranslationModel(new Seq2Seq(task.Options(embedding, hidden, layers, dropout, batch), (ulong)seed))
            : new GeneratedTranslationModel(new Dsl.Models.Translator(seed));
        var adam = new Adam(lr);
        Console.WriteLine(Invariant(
            $"synthetic translation: {task.Train.Count} training and {task.HeldOut.Count} held-out pairs, vocabularies {task.SourceVocabulary.Count} → {task.TargetVocabulary.Count}, {task.Steps} steps"));
        Console.WriteLine(Invariant(
            $"model: {model.Description}: {(kind == "hand" ? $"embedding {embedding}, {layers} × GRU {hidden} encoder and decoder{(dropout > 0 ? $" (dropout {dropout})" : "")}" : "embedding 64, 2 × GRU 128 encoder and decoder (dropout 0.1)")}; {model.ParameterCount} parameters"));
        Console.WriteLine(Invariant($"training: Adam lr {lr}, clip {clip}, batch {batch}, {epochs} epochs, seed {seed}, {Parallelism.MaxDegree} thread(s)"));

        var batches = new TranslationBatches(task.TrainArrays, batch, (ulong)seed);
        long started = Stopwatch.GetTimestamp();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long epochStarted = Stopwatch.GetTimestamp();
            double total = 0;
            long tokens = 0;
            while (batches.MoveNext())
            {
                float loss = model.TrainStep(batches, adam, clip);
                if (!float.IsFinite(loss))
                {
                    Console.WriteLine(Invariant($"epoch {epoch}: loss became {loss}; stopping."));
                    return 1;
                }
                int counted = SequenceCrossEntropy.CountValid(batches.LabelValidLengths);
                total += (double)loss * counted;
                tokens += counted;
            }
            double heldOutLoss = task.HeldOutLoss(model, batch);
            Console.WriteLine(Invariant(
                $"epoch {epoch,3}: loss {total / tokens:F4}, held-out loss {heldOutLoss:F4}  ({Stopwatch.GetElapsedTime(epochStarted).TotalSeconds:F1} s)"));
        }
        Console.WriteLine(Invariant($"{epochs} epochs in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));

        var (predictions, labels) = task.TranslateHeldOut(model);
        double bleu2 = Bleu.Average(predictions, labels, 2), bleu4 = Bleu.Average(predictions, labels, 4);
        int exact = 0;
        for (int i = 0; i < predictions.Count; i++) if (predictions[i].AsSpan().SequenceEqual(labels[i])) exact++;
        Console.WriteLine(Invariant(
            $"held-out BLEU (k = 2) {bleu2:F4}, BLEU (k = 4) {bleu4:F4}, exact {exact}/{predictions.Count} ({100.0 * exact / predictions.Count:F1}%)"));
        for (int i = 0; i < Math.Min(6, predictions.Count); i++)
        {
            Console.WriteLine($"  {string.Join(' ', task.HeldOut[i].Source)}");
            Console.WriteLine($"    => {string.Join(' ', predictions[i])}");
            Console.WriteLine(Invariant($"       {string.Join(' ', labels[i])}  (BLEU {Bleu.Score(predictions[i], labels[i], 2):F3})"));
        }
        return 0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
