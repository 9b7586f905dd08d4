using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// The synthetic translation data prepared as D2L 10.5 prepares <c>fra-eng</c>: tokens with <c>&lt;eos&gt;</c>, vocabularies
/// with <c>&lt;pad&gt;</c>, <c>&lt;bos&gt;</c>, <c>&lt;eos&gt;</c> from the training pairs, rows padded to the longest sentence.
/// </summary>
internal sealed class TranslationTask
{
    private TranslationTask(List<TranslationPair> train, List<TranslationPair> heldOut, Vocabulary source, Vocabulary target,
        TranslationArrays trainArrays, TranslationArrays heldOutArrays, int steps)
    {
        Train = train;
        HeldOut = heldOut;
        SourceVocabulary = source;
        TargetVocabulary = target;
        TrainArrays = trainArrays;
        HeldOutArrays = heldOutArrays;
        Steps = steps;
    }

    public List<TranslationPair> Train { get; }
    public List<TranslationPair> HeldOut { get; }
    public Vocabulary SourceVocabulary { get; }
    public Vocabulary TargetVocabulary { get; }
    public TranslationArrays TrainArrays { get; }
    public TranslationArrays HeldOutArrays { get; }
    public int Steps { get; }

    /// <summary>Generates <paramref name="pairs"/> pairs, a tenth held out, rows padded to the longest sentence or to
    /// <paramref name="fixedSteps"/> when positive (a generated model's Steps).</summary>
    public static TranslationTask Create(int pairs, ulong seed, int batch, int fixedSteps = 0)
    {
        var (train, heldOut) = SyntheticTranslation.Generate(pairs, seed, heldOutFraction: 0.1);
        var (trainSource, trainTarget) = SyntheticTranslation.Tokens(train);
        var (heldSource, heldTarget) = SyntheticTranslation.Tokens(heldOut);
        var sourceVocabulary = Vocabulary.Build(trainSource);
        var targetVocabulary = Vocabulary.Build(trainTarget);
        int steps = 0;
        foreach (var s in trainSource.Concat(trainTarget).Concat(heldSource).Concat(heldTarget)) steps = Math.Max(steps, s.Length);
        if (fixedSteps > 0)
        {
            if (steps > fixedSteps) throw new UsageException($"the longest sentence has {steps} tokens but the generated model reads {fixedSteps}; add --model hand.");
            steps = fixedSteps;
        }
        return new TranslationTask(train, heldOut, sourceVocabulary, targetVocabulary,
            TranslationArrays.Build(trainSource, trainTarget, sourceVocabulary, targetVocabulary, steps),
            TranslationArrays.Build(heldSource, heldTarget, sourceVocabulary, targetVocabulary, steps), steps);
    }

    public Seq2SeqOptions Options(int embedding, int hidden, int layers, float dropout, int batch) => new()
    {
        SourceVocabulary = SourceVocabulary.Count,
        TargetVocabulary = TargetVocabulary.Count,
        SourceSteps = Steps,
        TargetSteps = Steps,
        SourcePadIndex = SourceVocabulary.PadIndex,
        TargetBeginIndex = TargetVocabulary.BeginIndex,
        TargetEndIndex = TargetVocabulary.EndIndex,
        EmbeddingSize = embedding,
        Hidden = hidden,
        Layers = layers,
        Dropout = dropout,
        BatchSize = batch,
    };

    /// <summary>Teacher-forced loss per label token over the held-out pairs.</summary>
    public double HeldOutLoss(ITranslationModel model, int batch)
    {
        var batches = new TranslationBatches(HeldOutArrays, batch, shuffle: false);
        double total = 0;
        long tokens = 0;
        while (batches.MoveNext())
        {
            int counted = SequenceCrossEntropy.CountValid(batches.LabelValidLengths);
            total += (double)model.Evaluate(batches) * counted;
            tokens += counted;
        }
        return tokens == 0 ? 0 : total / tokens;
    }

    /// <summary>Greedy translations of the held-out sources and the reference targets, as words without <c>&lt;eos&gt;</c>.</summary>
    public (List<string[]> Predictions, List<string[]> Labels) TranslateHeldOut(ITranslationModel model)
    {
        // Ids beyond the task's vocabulary (a generated model's bound is larger; only an untrained one picks them) read as <unk>.
        var predictions = model.TranslateRows(HeldOutArrays.Source, TargetVocabulary.BeginIndex, TargetVocabulary.EndIndex)
            .Select(p => TargetVocabulary.Decode(p.Select(t => t < TargetVocabulary.Count ? t : TargetVocabulary.UnknownIndex).ToArray())).ToList();
        var labels = HeldOut.Select(p => p.Target).ToList();
        return (predictions, labels);
    }
}
