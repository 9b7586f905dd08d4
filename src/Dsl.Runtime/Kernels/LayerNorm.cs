using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Layer normalisation over the last <c>features</c> elements of each of <c>rows</c> rows (PyTorch
/// <c>LayerNorm(features)</c> with elementwise affine): y = (x − mean)/√(var + eps)·gamma + beta, with the biased
/// variance of the row.
/// </summary>
/// <remarks>
/// An empty <c>gamma</c>/<c>beta</c> means no affine transform; empty gradients are skipped; parameter gradients are
/// overwritten. <c>y</c> may alias <c>x</c> and <c>dx</c> may alias <c>dy</c>. Rows are split over
/// <see cref="Parallelism"/> for the normalisation and dx; gamma and beta gradients, which sum over rows, are split
/// over feature ranges instead so no part writes another's sums.
/// </remarks>
public static unsafe class LayerNorm
{
    /// <summary>PyTorch's default epsilon.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>Forward; saves each row's mean and 1/√(var + eps) for <see cref="Backward"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> saveMean, Span<float> saveInvStd, int rows, int features, float eps = DefaultEpsilon)
    {
        Validate.NonNegative(rows, nameof(rows));
        Validate.Positive(features, nameof(features));
        long length = (long)rows * features;
        Validate.Length(x.Length, length, nameof(x));
        Validate.LengthOrEmpty(gamma.Length, features, nameof(gamma));
        Validate.LengthOrEmpty(beta.Length, features, nameof(beta));
        Validate.Length(y.Length, length, nameof(y));
        Validate.Length(saveMean.Length, rows, nameof(saveMean));
        Validate.Length(saveInvStd.Length, rows, nameof(saveInvStd));
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive.");
        if (rows == 0) return;

        fixed (float* xPtr = x, gammaPtr = gamma, betaPtr = beta, yPtr = y, meanPtr = saveMean, invStdPtr = saveInvStd)
        {
            var work = new ForwardWork
            {
                X = xPtr, Gamma = gamma.IsEmpty ? null : gammaPtr, Beta = beta.IsEmpty ? null : betaPtr, Y = yPtr,
                Mean = meanPtr, InvStd = invStdPtr, Rows = rows, Features = features, Epsilon = eps,
            };
            KernelParallel.Run(ref work, rows, 3L * features);
        }
    }

    /// <summary>
    /// Backward: with g = dy·gamma and x̂ = (x − mean)·invStd, dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) per row;
    /// dGamma = Σ_rows dy·x̂, dBeta = Σ_rows dy.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta,
        int rows, int features)
    {
        Validate.NonNegative(rows, nameof(rows));
        Validate.Positive(features, nameof(features));
        long length = (long)rows * features;
        Validate.Length(x.Length, length, nameof(x));
        Validate.LengthOrEmpty(gamma.Length, features, nameof(gamma));
        Validate.Length(saveMean.Length, rows, nameof(saveMean));
        Validate.Length(saveInvStd.Length, rows, nameof(saveInvStd));
        Validate.Length(dy.Length, length, nameof(dy));
        Validate.LengthOrEmpty(dx.Length, length, nameof(dx));
        Validate.LengthOrEmpty(dGamma.Length, features, nameof(dGamma));
        Validate.LengthOrEmpty(dBeta.Length, features, nameof(dBeta));

        fixed (float* xPtr = x, gammaPtr = gamma, meanPtr = saveMean, invStdPtr = saveInvStd, dyPtr = dy, dxPtr = dx,
               dGammaPtr = dGamma, dBetaPtr = dBeta)
        {
            // Parameter gradients first: dx may alias dy, and they need the original dy.
            if (!dGamma.IsEmpty || !dBeta.IsEmpty)
            {
                var parameters = new ParameterWork
                {
                    X = xPtr, Mean = meanPtr, InvStd = invStdPtr, Dy = dyPtr,
                    DGamma = dGamma.IsEmpty ? null : dGammaPtr, DBeta = dBeta.IsEmpty ? null : dBetaPtr,
                    Rows = rows, Features = features,
                };
                int blocks = (features + ParameterWork.Block - 1) / ParameterWork.Block;
                KernelParallel.Run(ref parameters, blocks, 2L * rows * ParameterWork.Block);
            }
            if (dx.IsEmpty || rows == 0) return;
            var input = new InputWork
            {
                X = xPtr, Gamma = gamma.IsEmpty ? null : gammaPtr, Mean = meanPtr, InvStd = invStdPtr, Dy = dyPtr, Dx = dxPtr,
                Rows = rows, Features = features,
            };
            KernelParallel.Run(ref input, rows, 3L * features);
        }
    }

    private struct ForwardWork : IParallelWork
    {
        public float* X, Gamma, Beta, Y, Mean, InvStd;
        public int Rows, Features;
        public float Epsilon;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Rows, part, parts);
            int f = Features;
            for (int r = begin; r < end; r++)
            {
                float* x = X + (long)r * f, y = Y + (long)r * f;
                float mean = (float)((double)NormRows.Sum(x, f) / f);
                float invStd = (float)(1.0 / Math.Sqrt((double)NormRows.SumSquaredDeviation(x, f, mean) / f + Epsilon));
                Mean[r] = mean;
                InvStd[r] = invStd;
                if (Gamma == null && Beta == null)
                {
                    NormRows.Affine(x, y, f, mean, invStd, 0f);
                    continue;
                }
                int i = 0;
                if (Vector256.IsHardwareAccelerated && Gamma != null && Beta != null)
                {
                    Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(invStd);
                    for (; i <= f - 8; i += 8)
                        ((Vector256.Load(x + i) - m) * s * Vector256.Load(Gamma + i) + Vector256.Load(Beta + i)).Store(y + i);
                }
                for (; i < f; i++)
                    y[i] = (x[i] - mean) * invStd * (Gamma == null ? 1f : Gamma[i]) + (Beta == null ? 0f : Beta[i]);
            }
        }
    }

    private struct InputWork : IParallelWork
    {
        public float* X, Gamma, Mean, InvStd, Dy, Dx;
        public int Rows, Features;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Rows, part, parts);
            int f = Features;
            for (int r = begin; r < end; r++)
            {
                float* x = X + (long)r * f, dy = Dy + (long)r * f, dx = Dx + (long)r * f;
                float mean = Mean[r], invStd = InvStd[r];
                // Σg and Σg·(x − mean), with g = dy·gamma.
                float sumG, sumGCentred;
                if (Gamma == null)
                {
                    sumG = NormRows.Sum(dy, f);
                    sumGCentred = NormRows.SumProductDeviation(dy, x, f, mean);
                }
                else
                {
                    int i = 0;
                    sumG = 0;
                    sumGCentred = 0;
                    if (Vector256.IsHardwareAccelerated && f >= 8)
                    {
                        Vector256<float> m = Vector256.Create(mean), a = Vector256<float>.Zero, b = Vector256<float>.Zero;
                        for (; i <= f - 8; i += 8)
                        {
                            Vector256<float> g = Vector256.Load(dy + i) * Vector256.Load(Gamma + i);
                            a += g;
                            b += g * (Vector256.Load(x + i) - m);
                        }
                        sumG = Vector256.Sum(a);
                        sumGCentred = Vector256.Sum(b);
                    }
                    for (; i < f; i++)
                    {
                        float g = dy[i] * Gamma[i];
                        sumG += g;
                        sumGCentred += g * (x[i] - mean);
                    }
                }
                // dx = invStd·g − invStd·Σg/f − invStd³·Σg(x − mean)/f·(x − mean)
                float meanG = sumG / f;
                float b3 = invStd * invStd * sumGCentred / f;
                if (Gamma == null)
                {
                    NormRows.Combine(dy, x, dx, f, invStd, -invStd * b3, mean, -invStd * meanG);
                    continue;
                }
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(invStd), mg = Vector256.Create(meanG), vb = Vector256.Create(b3);
                    for (; j <= f - 8; j += 8)
                    {
                        Vector256<float> g = Vector256.Load(dy + j) * Vector256.Load(Gamma + j);
                        (s * (g - mg - vb * (Vector256.Load(x + j) - m))).Store(dx + j);
                    }
                }
                for (; j < f; j++) dx[j] = invStd * (dy[j] * Gamma[j] - meanG - b3 * (x[j] - mean));
            }
        }
    }

    private struct ParameterWork : IParallelWork
    {
        /// <summary>Features per unit: a few vectors wide, so a part streams whole cache lines of each row.</summary>
        public const int Block = 64;

        public float* X, Mean, InvStd, Dy, DGamma, DBeta;
        public int Rows, Features;

        public readonly void Execute(int part, int parts)
        {
            int blocks = (Features + Block - 1) / Block;
            (int begin, int end) = KernelParallel.Range(blocks, part, parts);
            int f0 = begin * Block, f1 = Math.Min(end * Block, Features), width = f1 - f0;
            if (width <= 0) return;
            if (DGamma != null) NormRows.Fill(DGamma + f0, width, 0f);
            if (DBeta != null) NormRows.Fill(DBeta + f0, width, 0f);
            for (int r = 0; r < Rows; r++)
            {
                float* x = X + (long)r * Features + f0, dy = Dy + (long)r * Features + f0;
                float mean = Mean[r], invStd = InvStd[r];
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(invStd);
                    for (; i <= width - 8; i += 8)
                    {
                        Vector256<float> d = Vector256.Load(dy + i);
                        if (DGamma != null)
                            (Vector256.Load(DGamma + f0 + i) + d * (Vector256.Load(x + i) - m) * s).Store(DGamma + f0 + i);
                        if (DBeta != null) (Vector256.Load(DBeta + f0 + i) + d).Store(DBeta + f0 + i);
                    }
                }
                for (; i < width; i++)
                {
                    if (DGamma != null) DGamma[f0 + i] += dy[i] * (x[i] - mean) * invStd;
                    if (DBeta != null) DBeta[f0 + i] += dy[i];
                }
            }
        }
    }
}
