using Xunit;

namespace Dsl.Runtime.Tests.Text;

public class BleuTests
{
    [Fact]
    public void Identical_sentences_score_one()
    {
        Assert.Equal(1.0, Bleu.Score("i lost .", "i lost .", k: 2), 12);
        Assert.Equal(1.0, Bleu.Score("je suis chez moi .", "je suis chez moi .", k: 4), 12);
    }

    [Fact]
    public void D2L_partial_match_he_is_calm()
    {
        // D2L 10.7: "he's calm ." → "il est riche ." against "il est calme .", k = 2, printed as 0.658.
        // Equal lengths: no brevity penalty. p1 = 3/4 (il, est, .), p2 = 1/3 (il est; not est riche, riche .).
        // (3/4)^(1/2) · (1/3)^(1/4) = 0.866025 · 0.759836 = 0.658037.
        double expected = Math.Sqrt(0.75) * Math.Pow(1.0 / 3, 0.25);
        Assert.Equal(expected, Bleu.Score("il est riche .", "il est calme .", k: 2), 12);
        Assert.Equal(0.658, Bleu.Score("il est riche .", "il est calme .", k: 2), 3);
    }

    [Fact]
    public void Short_predictions_pay_the_brevity_penalty()
    {
        // len_pred 2, len_label 4: exp(1 − 4/2) = e⁻¹; p1 = p2 = 1.
        Assert.Equal(Math.Exp(-1), Bleu.Score("a b", "a b c d", k: 2), 12);
        // Longer predictions pay nothing: min(0, 1 − 2/4) = 0.
        // p1: "the" occurs once in the label, so only one of four matches: (1/4)^(1/2) = 0.5.
        Assert.Equal(0.5, Bleu.Score("the the the the", "the cat", k: 1), 12);
    }

    [Fact]
    public void Orders_above_the_prediction_length_are_skipped_and_missing_orders_give_zero()
    {
        // k = 4 but the prediction has one token: only p1 counts. exp(1 − 2/1) · 1.
        Assert.Equal(Math.Exp(-1), Bleu.Score("a", "a b", k: 4), 12);
        Assert.Equal(0.0, Bleu.Score("a b", "b a", k: 2));        // no bigram in common
        Assert.Equal(0.0, Bleu.Score("a b c", "a", k: 2));        // the label has no bigram at all
        Assert.Equal(0.0, Bleu.Score("", "a", k: 2));             // empty prediction
        Assert.Equal(0.0, Bleu.Score(Array.Empty<int>(), new[] { 1, 2 }, 2));
    }

    [Fact]
    public void A_four_gram_case_by_hand()
    {
        // pred: a b c d e f (6), label: a b c x e f g (7). BP = exp(1 − 7/6) = exp(−1/6).
        // 1-grams: a b c e f match, d not: 5/6. 2-grams: ab bc ef match (cd, de not): 3/5.
        // 3-grams: abc matches: 1/4. 4-grams: abcd no: 0/3 → score 0. With k = 3:
        double expected = Math.Exp(-1.0 / 6) * Math.Pow(5.0 / 6, 0.5) * Math.Pow(3.0 / 5, 0.25) * Math.Pow(1.0 / 4, 0.125);
        Assert.Equal(expected, Bleu.Score("a b c d e f", "a b c x e f g", k: 3), 12);
        Assert.Equal(0.0, Bleu.Score("a b c d e f", "a b c x e f g", k: 4));
    }

    [Fact]
    public void Matches_d2l_counter_algorithm_on_random_sentences_for_strings_and_indices()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 500; trial++)
        {
            int[] pred = Enumerable.Range(0, rng.Next(1, 12)).Select(_ => rng.Next(4)).ToArray();
            int[] label = Enumerable.Range(0, rng.Next(1, 300)).Select(_ => rng.Next(4)).ToArray();
            int k = rng.Next(1, 5);
            double reference = D2LBleu(string.Join(' ', pred), string.Join(' ', label), k);
            Assert.Equal(reference, Bleu.Score(pred, label, k), 12);
            Assert.Equal(reference, Bleu.Score(string.Join(' ', pred), string.Join(' ', label), k), 12);
        }
    }

    [Fact]
    public void Average_is_the_mean_of_sentence_scores()
    {
        string[][] preds = [["il", "est", "riche", "."], ["go", "."]];
        string[][] labels = [["il", "est", "calme", "."], ["go", "."]];
        double expected = (Bleu.Score(preds[0], labels[0], 2) + 1.0) / 2;
        Assert.Equal(expected, Bleu.Average(preds, labels, 2), 12);
        Assert.Throws<ArgumentException>(() => Bleu.Average(preds, labels[..1], 2));
    }

    /// <summary>A line-by-line port of D2L 10.7's <c>bleu</c>, with its counter of joined n-grams.</summary>
    private static double D2LBleu(string predSeq, string labelSeq, int k)
    {
        string[] predTokens = predSeq.Split(' '), labelTokens = labelSeq.Split(' ');
        int lenPred = predTokens.Length, lenLabel = labelTokens.Length;
        double score = Math.Exp(Math.Min(0, 1 - (double)lenLabel / lenPred));
        for (int n = 1; n <= Math.Min(k, lenPred); n++)
        {
            int numMatches = 0;
            var labelSubs = new Dictionary<string, int>();
            for (int i = 0; i < lenLabel - n + 1; i++)
            {
                string key = string.Join(' ', labelTokens[i..(i + n)]);
                labelSubs[key] = labelSubs.GetValueOrDefault(key) + 1;
            }
            for (int i = 0; i < lenPred - n + 1; i++)
            {
                string key = string.Join(' ', predTokens[i..(i + n)]);
                if (labelSubs.GetValueOrDefault(key) > 0) { numMatches++; labelSubs[key]--; }
            }
            score *= Math.Pow((double)numMatches / (lenPred - n + 1), Math.Pow(0.5, n));
        }
        return score;
    }
}
