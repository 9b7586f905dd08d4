namespace Dsl.Runtime;

/// <summary>
/// Decides when to stop training: after <see cref="Patience"/> consecutive epochs in which the monitored metric
/// did not improve on its best value by more than <see cref="MinDelta"/>.
/// </summary>
/// <remarks>Call <see cref="ShouldStop"/> once per epoch; epochs are numbered from 1 in the order of the calls.
/// A NaN metric never counts as an improvement.</remarks>
public sealed class EarlyStopping
{
    /// <summary>Creates a rule that stops after <paramref name="patience"/> epochs without improvement.</summary>
    /// <param name="patience">Consecutive epochs without improvement after which to stop (as Keras and Lightning count);
    /// 1 stops at the first epoch that does not improve.</param>
    /// <param name="higherIsBetter">True for accuracy, false for a loss.</param>
    /// <param name="minDelta">How much better than the best a metric must be to count as an improvement.</param>
    public EarlyStopping(int patience, bool higherIsBetter = true, float minDelta = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(minDelta >= 0f))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be zero or positive.");
        Patience = patience;
        HigherIsBetter = higherIsBetter;
        MinDelta = minDelta;
    }

    /// <summary>Consecutive epochs without improvement that stop training.</summary>
    public int Patience { get; }

    /// <summary>Whether a larger metric is better.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>Margin an improvement must exceed.</summary>
    public float MinDelta { get; }

    /// <summary>Best metric seen so far; NaN before the first epoch.</summary>
    public float Best { get; private set; } = float.NaN;

    /// <summary>Epoch (from 1) of <see cref="Best"/>; 0 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs reported so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>Consecutive epochs, up to the last one, that did not improve.</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>Whether the last reported epoch set a new best.</summary>
    public bool Improved { get; private set; }

    /// <summary>Records the metric of the epoch just finished and returns whether training should stop now.</summary>
    public bool ShouldStop(float metric)
    {
        Epoch++;
        Improved = !float.IsNaN(metric) && (BestEpoch == 0 || (HigherIsBetter ? metric > Best + MinDelta : metric < Best - MinDelta));
        if (Improved)
        {
            Best = metric;
            BestEpoch = Epoch;
            EpochsWithoutImprovement = 0;
            return false;
        }
        EpochsWithoutImprovement++;
        return EpochsWithoutImprovement >= Patience;
    }
}
