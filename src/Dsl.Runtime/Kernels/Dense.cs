using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>Fully connected layer kernels. Weight <c>[outFeatures, inFeatures]</c> (PyTorch layout), bias <c>[outFeatures]</c>.</summary>
public static class Dense
{
    /// <summary><c>y[batch, out] = x[batch, in] · Wᵀ + b</c>. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inFeatures, int outFeatures)
    {
        ValidateShape(batch, inFeatures, outFeatures);
        Validate.Length(x.Length, (long)batch * inFeatures, nameof(x));
        Validate.Length(weight.Length, (long)outFeatures * inFeatures, nameof(weight));
        Validate.LengthOrEmpty(bias.Length, outFeatures, nameof(bias));
        Validate.Length(y.Length, (long)batch * outFeatures, nameof(y));
        if (batch == 0) return;

        Compute(x, weight, bias, relu: false, y, batch, inFeatures, outFeatures);
    }

    /// <summary>
    /// Inference forward of a dense layer and the ReLU after it (when <paramref name="relu"/>):
    /// <c>y = relu?(x · Wᵀ + b)</c>, the same values as <see cref="Forward"/> then <see cref="Activations.Relu"/>, in one
    /// pass: the bias and the ReLU are applied to each block of <paramref name="y"/> as the product stores it.
    /// </summary>
    /// <remarks>
    /// The weight is packed on every call (the GEMM's micro-panel layout), not cached: a network's parameters are
    /// writable through public spans at any time, and no cheap check tells that they changed. With two threads and
    /// more than <see cref="Gemv.MaxRows"/> rows, each thread packs half of it.
    /// </remarks>
    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, bool relu,
        Span<float> y, int batch, int inFeatures, int outFeatures)
    {
        ValidateShape(batch, inFeatures, outFeatures);
        Validate.Length(x.Length, (long)batch * inFeatures, nameof(x));
        Validate.Length(weight.Length, (long)outFeatures * inFeatures, nameof(weight));
        Validate.LengthOrEmpty(bias.Length, outFeatures, nameof(bias));
        Validate.Length(y.Length, (long)batch * outFeatures, nameof(y));
        if (batch == 0) return;
        if (x.Overlaps(y))
            throw new ArgumentException("The output of a dense layer must not overlap its input.", nameof(y));
        Compute(x, weight, bias, relu, y, batch, inFeatures, outFeatures);
    }

    private static unsafe void Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, bool relu,
        Span<float> y, int batch, int inFeatures, int outFeatures)
    {
        if (batch <= Gemv.MaxRows)
        {
            // With a few rows the GEMM would spend its time packing the whole weight for a few uses; the GEMV reads each
            // weight row once in place (W is [out, in]) and adds the bias as it stores.
            Gemv.MultiplyTransposed(x, weight, bias, relu, y, batch, inFeatures, outFeatures);
            return;
        }

        // The bias (and ReLU) join the GEMM's stores, tile by tile, instead of taking passes of their own over y.
        fixed (float* px = x, pw = weight, pb = bias, py = y)
            Gemm.MultiplyBiasRelu(px, pw, transposeB: true, bias.IsEmpty ? null : pb, relu, py, batch, outFeatures, inFeatures);
    }

    /// <summary>
    /// Gradients of <see cref="Forward"/>: <c>dx = dy · W</c> (skipped when <paramref name="dx"/> is empty),
    /// <c>dW = dyᵀ · x</c>, <c>db = Σ_batch dy</c> (skipped when empty). Parameter gradients are overwritten, not accumulated.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dWeight, Span<float> dBias, int batch, int inFeatures, int outFeatures)
    {
        ValidateShape(batch, inFeatures, outFeatures);
        Validate.Length(x.Length, (long)batch * inFeatures, nameof(x));
        Validate.Length(weight.Length, (long)outFeatures * inFeatures, nameof(weight));
        Validate.Length(dy.Length, (long)batch * outFeatures, nameof(dy));
        Validate.LengthOrEmpty(dx.Length, (long)batch * inFeatures, nameof(dx));
        Validate.Length(dWeight.Length, (long)outFeatures * inFeatures, nameof(dWeight));
        Validate.LengthOrEmpty(dBias.Length, outFeatures, nameof(dBias));
        if (batch == 0)
        {
            // The gradient of an empty batch is zero, and parameter gradients are overwritten.
            dWeight.Clear();
            dBias.Clear();
            return;
        }

        if (!dx.IsEmpty)
            Gemm.Multiply(dy, false, weight, false, dx, batch, inFeatures, outFeatures);
        Gemm.Multiply(dy, true, x, false, dWeight, outFeatures, inFeatures, batch);
        if (dBias.IsEmpty) return;
        dy[..outFeatures].CopyTo(dBias);
        for (int row = 1; row < batch; row++)
            TensorPrimitives.Add(dBias, dy.Slice(row * outFeatures, outFeatures), dBias);
    }

    private static void ValidateShape(int batch, int inFeatures, int outFeatures)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(inFeatures, nameof(inFeatures));
        Validate.Positive(outFeatures, nameof(outFeatures));
    }
}
