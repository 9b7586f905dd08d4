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

        if (batch <= Gemv.MaxRows)
        {
            // With a few rows the GEMM would spend its time packing the whole weight for a few uses; the GEMV reads each
            // weight row once in place (W is [out, in]) and adds the bias as it stores.
            Gemv.MultiplyTransposed(x, weight, bias, y, batch, inFeatures, outFeatures);
            return;
        }

        Gemm.Multiply(x, false, weight, true, y, batch, outFeatures, inFeatures);
        if (bias.IsEmpty) return;
        for (int row = 0; row < batch; row++)
        {
            Span<float> yRow = y.Slice(row * outFeatures, outFeatures);
            TensorPrimitives.Add(yRow, bias, yRow);
        }
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
