using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>Gradient clipping for recurrent training, where exploding gradients through time are the usual failure.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> by <c>maxNorm / ‖g‖₂</c> when the L2 norm exceeds <paramref name="maxNorm"/>
    /// (D2L's <c>grad_clipping</c>; PyTorch's <c>clip_grad_norm_</c> is the same up to its 1e-6 in the denominator), and returns
    /// the norm before clipping. A non-finite norm is returned with the gradients left untouched, so the caller can skip the step.
    /// Pass the network's whole gradient array: the norm is global over all parameters.
    /// </summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive.");
        float norm = TensorPrimitives.Norm(gradients);
        if (norm > maxNorm && float.IsFinite(norm))
            TensorPrimitives.Multiply(gradients, maxNorm / norm, gradients);
        return norm;
    }
}
