using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// Adam as PyTorch's <c>torch.optim.Adam</c> (not AdamW): weight decay is L2 added to the gradient,
/// <code>
/// g += wd·p;  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²
/// p −= lr · (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε)
/// </code>
/// The moments are allocated on the first <see cref="Step"/> and reused afterwards, so later steps allocate nothing.
/// </summary>
public sealed class Adam : Optimizer
{
    private float[]? _firstMoment;
    private float[]? _secondMoment;

    /// <summary>Creates an optimiser with PyTorch's defaults unless told otherwise.</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(learningRate)
    {
        if (beta1 is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (beta2 is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    /// <summary>Decay rate of the first moment (mean of gradients).</summary>
    public float Beta1 { get; }
    /// <summary>Decay rate of the second moment (mean of squared gradients).</summary>
    public float Beta2 { get; }
    /// <summary>Added to the bias-corrected root of the second moment.</summary>
    public float Epsilon { get; }
    /// <summary>L2 penalty coefficient, added to the gradient as <c>wd·p</c>.</summary>
    public float WeightDecay { get; set; }
    /// <summary>Number of updates applied so far (the t of the bias corrections).</summary>
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"gradients must have as many elements as parameters ({parameters.Length}) but has {gradients.Length}.", nameof(gradients));
        if (_firstMoment is null)
        {
            _firstMoment = new float[parameters.Length];
            _secondMoment = new float[parameters.Length];
        }
        else if (_firstMoment.Length != parameters.Length)
        {
            throw new ArgumentException($"This optimiser holds state for {_firstMoment.Length} parameters but was given {parameters.Length}; use one optimiser per network.", nameof(parameters));
        }

        StepCount++;
        // Bias corrections in double: β₂ᵗ stays accurate for long runs where float would round 1 − β₂ᵗ.
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / correction1);
        float inverseRootCorrection2 = (float)(1 / Math.Sqrt(correction2));
        Update(parameters, gradients, _firstMoment, _secondMoment!, Beta1, Beta2, Epsilon, WeightDecay, stepSize, inverseRootCorrection2);
    }

    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float beta1, float beta2, float epsilon, float weightDecay, float stepSize, float inverseRootCorrection2)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            var b1 = new Vector<float>(beta1);
            var b2 = new Vector<float>(beta2);
            var oneMinusB1 = new Vector<float>(1f - beta1);
            var oneMinusB2 = new Vector<float>(1f - beta2);
            var eps = new Vector<float>(epsilon);
            var wd = new Vector<float>(weightDecay);
            var size = new Vector<float>(stepSize);
            var rootScale = new Vector<float>(inverseRootCorrection2);
            int width = Vector<float>.Count;
            for (; i <= p.Length - width; i += width)
            {
                var pv = new Vector<float>(p.Slice(i));
                var gv = new Vector<float>(g.Slice(i)) + wd * pv;
                var mv = b1 * new Vector<float>(m.Slice(i)) + oneMinusB1 * gv;
                var vv = b2 * new Vector<float>(v.Slice(i)) + oneMinusB2 * gv * gv;
                mv.CopyTo(m.Slice(i));
                vv.CopyTo(v.Slice(i));
                (pv - size * mv / (Vector.SquareRoot(vv) * rootScale + eps)).CopyTo(p.Slice(i));
            }
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i] + weightDecay * p[i];
            float mi = beta1 * m[i] + (1f - beta1) * gi;
            float vi = beta2 * v[i] + (1f - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= stepSize * mi / (MathF.Sqrt(vi) * inverseRootCorrection2 + epsilon);
        }
    }
}
