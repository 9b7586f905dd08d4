using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Updates all of a network's parameters at once: a generated network keeps its parameters in one contiguous
/// array and its gradients in another of the same length, so an optimiser is one vectorised pass.
/// An optimiser's state (momentum, moments) is sized on first use and belongs to one network.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; }

    /// <summary>Creates an optimiser with the given step size.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>Applies one update. Throws if the length differs from the first call's.</summary>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);
}

/// <summary>Stochastic gradient descent with momentum and L2 weight decay, as PyTorch's <c>torch.optim.SGD</c>:
/// <c>g += wd·p; v = μ·v + g; p -= lr·v</c> (weight decay applies to every parameter, biases included, as with PyTorch's single parameter group).</summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimiser; its velocity is allocated on the first step that uses momentum.</summary>
    /// <param name="learningRate">Step size (PyTorch's <c>lr</c>).</param>
    /// <param name="momentum">Velocity decay μ; 0 is plain gradient descent and keeps no state.</param>
    /// <param name="weightDecay">L2 penalty added to every gradient as <c>wd·p</c>.</param>
    public Sgd(float learningRate, float momentum = 0f, float weightDecay = 0f) : base(learningRate)
    {
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    /// <summary>Velocity decay μ.</summary>
    public float Momentum { get; set; }

    /// <summary>L2 weight decay coefficient.</summary>
    public float WeightDecay { get; set; }

    private int _length = -1;
    private float[]? _velocity;
    private bool _velocityStarted;

    /// <inheritdoc/>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException(
                $"gradients has {gradients.Length} elements but parameters has {parameters.Length}; they must match.", nameof(gradients));
        if (_length < 0)
            _length = parameters.Length;
        else if (_length != parameters.Length)
            throw new InvalidOperationException(
                $"This optimiser was first used with {_length} parameters and now receives {parameters.Length}; use one optimiser per network.");

        float lr = LearningRate, mu = Momentum, wd = WeightDecay;
        if (mu == 0f)
        {
            PlainStep(parameters, gradients, lr, wd);
            return;
        }

        // PyTorch starts the velocity at the first (decayed) gradient rather than at zero.
        bool first = !_velocityStarted;
        _velocity ??= new float[_length];
        _velocityStarted = true;
        MomentumStep(parameters, gradients, _velocity, lr, first ? 0f : mu, wd);
    }

    private static void PlainStep(Span<float> parameters, ReadOnlySpan<float> gradients, float lr, float wd)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vlr = Vector512.Create(lr), vwd = Vector512.Create(wd);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Vector512<float> vp = Vector512.LoadUnsafe(ref p, i);
                Vector512<float> vg = Vector512.FusedMultiplyAdd(vwd, vp, Vector512.LoadUnsafe(ref g, i));
                Vector512.FusedMultiplyAdd(-vlr, vg, vp).StoreUnsafe(ref p, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vlr = Vector256.Create(lr), vwd = Vector256.Create(wd);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> vp = Vector256.LoadUnsafe(ref p, i);
                Vector256<float> vg = Vector256.FusedMultiplyAdd(vwd, vp, Vector256.LoadUnsafe(ref g, i));
                Vector256.FusedMultiplyAdd(-vlr, vg, vp).StoreUnsafe(ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            Unsafe.Add(ref p, i) = MathF.FusedMultiplyAdd(-lr, MathF.FusedMultiplyAdd(wd, pi, Unsafe.Add(ref g, i)), pi);
        }
    }

    /// <summary>v = μ·v + (g + wd·p); p -= lr·v. With μ = 0 this also starts the velocity on the first step.</summary>
    private static void MomentumStep(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity, float lr, float mu, float wd)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        nuint n = (nuint)parameters.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vlr = Vector512.Create(lr), vwd = Vector512.Create(wd), vmu = Vector512.Create(mu);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                Vector512<float> vp = Vector512.LoadUnsafe(ref p, i);
                Vector512<float> vg = Vector512.FusedMultiplyAdd(vwd, vp, Vector512.LoadUnsafe(ref g, i));
                Vector512<float> vv = Vector512.FusedMultiplyAdd(vmu, Vector512.LoadUnsafe(ref v, i), vg);
                vv.StoreUnsafe(ref v, i);
                Vector512.FusedMultiplyAdd(-vlr, vv, vp).StoreUnsafe(ref p, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vlr = Vector256.Create(lr), vwd = Vector256.Create(wd), vmu = Vector256.Create(mu);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> vp = Vector256.LoadUnsafe(ref p, i);
                Vector256<float> vg = Vector256.FusedMultiplyAdd(vwd, vp, Vector256.LoadUnsafe(ref g, i));
                Vector256<float> vv = Vector256.FusedMultiplyAdd(vmu, Vector256.LoadUnsafe(ref v, i), vg);
                vv.StoreUnsafe(ref v, i);
                Vector256.FusedMultiplyAdd(-vlr, vv, vp).StoreUnsafe(ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            float vi = MathF.FusedMultiplyAdd(mu, Unsafe.Add(ref v, i), MathF.FusedMultiplyAdd(wd, pi, Unsafe.Add(ref g, i)));
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) = MathF.FusedMultiplyAdd(-lr, vi, pi);
        }
    }
}
