using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// What the <c>lm</c> command needs of a character language model, so the generated zoo models (the default) and the
/// hand-written <see cref="CharLanguageModel"/> (<c>--model hand</c>) train through the same loop.
/// </summary>
internal interface ILanguageModel
{
    string Description { get; }
    int ParameterCount { get; }
    void ResetState();
    float TrainStep(int[] x, int[] y, Optimizer optimizer, float clip);
    float Evaluate(int[] x, int[] y);
    int[] Predict(int[] prefix, int count, float temperature, ref Rng rng);
}

internal sealed class HandLanguageModel(CharLanguageModel model) : ILanguageModel
{
    public string Description => "hand-written CharLanguageModel";
    public int ParameterCount => model.Parameters.Length;
    public void ResetState() => model.ResetState();
    public float TrainStep(int[] x, int[] y, Optimizer optimizer, float clip) => model.TrainStep(x, y, optimizer, clip);
    public float Evaluate(int[] x, int[] y) => model.Evaluate(x, y);
    public int[] Predict(int[] prefix, int count, float temperature, ref Rng rng) => model.Predict(prefix, count, temperature, ref rng);
}

internal sealed class GeneratedOneHotLanguageModel(CharLstmOneHot model) : ILanguageModel
{
    public string Description => "generated CharLstmOneHot (src/Dsl.Models/Sequence/CharLstm.cs)";
    public int ParameterCount => CharLstmOneHot.ParameterCount;
    public void ResetState() => model.ResetState();
    public float TrainStep(int[] x, int[] y, Optimizer optimizer, float clip) => model.TrainStep(x, y, optimizer, clip);
    public float Evaluate(int[] x, int[] y) => model.Evaluate(x, y);
    public int[] Predict(int[] prefix, int count, float temperature, ref Rng rng) => model.Predict(prefix, count, temperature, ref rng);
}

internal sealed class GeneratedEmbeddingLanguageModel(CharLstm model) : ILanguageModel
{
    public string Description => "generated CharLstm (src/Dsl.Models/Sequence/CharLstm.cs)";
    public int ParameterCount => CharLstm.ParameterCount;
    public void ResetState() => model.ResetState();
    public float TrainStep(int[] x, int[] y, Optimizer optimizer, float clip) => model.TrainStep(x, y, optimizer, clip);
    public float Evaluate(int[] x, int[] y) => model.Evaluate(x, y);
    public int[] Predict(int[] prefix, int count, float temperature, ref Rng rng) => model.Predict(prefix, count, temperature, ref rng);
}

/// <summary>What the <c>translate</c> command needs of an encoder–decoder: the generated <see cref="Translator"/> or the hand-written <see cref="Seq2Seq"/>.</summary>
internal interface ITranslationModel
{
    string Description { get; }
    int ParameterCount { get; }
    float TrainStep(TranslationBatches batch, Optimizer optimizer, float clip);
    float Evaluate(TranslationBatches batch);
    List<int[]> TranslateRows(int[] sources, int bos, int eos);
}

internal sealed class HandTranslationModel(Seq2Seq model) : ITranslationModel
{
    public string Description => "hand-written Seq2Seq";
    public int ParameterCount => model.Parameters.Length;
    public float TrainStep(TranslationBatches b, Optimizer optimizer, float clip) =>
        model.TrainStep(b.Source, b.DecoderInputs, b.Labels, b.LabelValidLengths, optimizer, clip);
    public float Evaluate(TranslationBatches b) => model.Evaluate(b.Source, b.DecoderInputs, b.Labels, b.LabelValidLengths);
    public List<int[]> TranslateRows(int[] sources, int bos, int eos) => model.TranslateRows(sources);
}

internal sealed class GeneratedTranslationModel(Translator model) : ITranslationModel
{
    public string Description => "generated Translator (src/Dsl.Models/Sequence/Translator.cs)";
    public int ParameterCount => Translator.ParameterCount;
    public float TrainStep(TranslationBatches b, Optimizer optimizer, float clip) =>
        model.TrainStep(b.Source, b.DecoderInputs, b.Labels, b.LabelValidLengths, optimizer, clip);
    public float Evaluate(TranslationBatches b) => model.Evaluate(b.Source, b.DecoderInputs, b.Labels, b.LabelValidLengths);
    public List<int[]> TranslateRows(int[] sources, int bos, int eos) => model.TranslateRows(sources, bos, eos);
}
