namespace Dsl.Runtime;

/// <summary>
/// Batch normalisation with PyTorch semantics over data laid out as <c>(batch, channels, spatial)</c>: BatchNorm2d is
/// <c>spatial = H·W</c> on NCHW data, BatchNorm1d on dense activations is <c>spatial = 1</c>. Statistics are per
/// channel over <c>batch·spatial</c> values.
/// </summary>
/// <remarks>
/// <para>An empty <c>gamma</c>/<c>beta</c> means no affine transform (PyTorch <c>affine=False</c>); empty running
/// statistics are left alone (<c>track_running_stats=False</c>); empty gradients are skipped. Parameter gradients are
/// overwritten. <c>y</c> may alias <c>x</c>, and <c>dx</c> may alias <c>dy</c>: each channel is reduced before it is written.</para>
/// <para>Channels are independent, so they are split over <see cref="Parallelism"/>. A channel's values are <c>batch</c>
/// rows of <c>spatial</c> floats; for dense data (<c>spatial = 1</c>) those rows are single floats a stride apart, so
/// that case walks each example's row over a block of features instead, keeping the block's sums on the stack.</para>
/// </remarks>
public static unsafe class BatchNorm
{
    /// <summary>PyTorch's default: running = (1 − momentum)·running + momentum·batch statistic.</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>PyTorch's default epsilon added to the variance.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>
    /// Training forward: normalises with the biased batch variance, saves the batch mean and 1/√(var + eps) for
    /// <see cref="Backward"/>, and moves the running statistics toward the batch mean and the UNBIASED batch variance.
    /// </summary>
    public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> runningMean, Span<float> runningVar, Span<float> saveMean, Span<float> saveInvStd,
        int batch, int channels, int spatial, float momentum = DefaultMomentum, float eps = DefaultEpsilon)
    {
        ValidateShape(batch, channels, spatial);
        long length = (long)batch * channels * spatial;
        Validate.Length(x.Length, length, nameof(x));
        Validate.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
        Validate.LengthOrEmpty(beta.Length, channels, nameof(beta));
        Validate.Length(y.Length, length, nameof(y));
        Validate.LengthOrEmpty(runningMean.Length, channels, nameof(runningMean));
        Validate.LengthOrEmpty(runningVar.Length, channels, nameof(runningVar));
        Validate.Length(saveMean.Length, channels, nameof(saveMean));
        Validate.Length(saveInvStd.Length, channels, nameof(saveInvStd));
        ValidateEpsilon(eps);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        if ((long)batch * spatial < 2)
            throw new ArgumentException(
                $"Batch normalisation in training needs more than one value per channel, but batch {batch} × spatial {spatial} gives {(long)batch * spatial}.",
                nameof(batch));

        fixed (float* xPtr = x, gammaPtr = gamma, betaPtr = beta, yPtr = y, rmPtr = runningMean, rvPtr = runningVar,
               meanPtr = saveMean, invStdPtr = saveInvStd)
        {
            var work = new TrainingWork
            {
                X = xPtr, Gamma = gamma.IsEmpty ? null : gammaPtr, Beta = beta.IsEmpty ? null : betaPtr, Y = yPtr,
                RunningMean = runningMean.IsEmpty ? null : rmPtr, RunningVar = runningVar.IsEmpty ? null : rvPtr,
                Mean = meanPtr, InvStd = invStdPtr,
                Batch = batch, Channels = channels, Spatial = spatial, Momentum = momentum, Epsilon = eps,
            };
            KernelParallel.Run(ref work, channels, 3L * batch * spatial);
        }
    }

    /// <summary>
    /// The inference transform as one scale and shift per channel, <c>y = scale·x + shift</c>, for folding into the
    /// preceding layer: <c>scale = gamma/√(runningVar + eps)</c>, <c>shift = beta − runningMean·scale</c>, plus
    /// <c>scale·bias</c> when that layer adds <paramref name="bias"/> (empty for none). Computed from the current
    /// parameters and statistics on every call, so it is never stale after a training step.
    /// </summary>
    public static void InferenceScaleShift(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> bias,
        Span<float> scale, Span<float> shift, float eps = DefaultEpsilon)
    {
        int channels = scale.Length;
        Validate.Positive(channels, nameof(scale));
        Validate.Length(shift.Length, channels, nameof(shift));
        Validate.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
        Validate.LengthOrEmpty(beta.Length, channels, nameof(beta));
        Validate.Length(runningMean.Length, channels, nameof(runningMean));
        Validate.Length(runningVar.Length, channels, nameof(runningVar));
        Validate.LengthOrEmpty(bias.Length, channels, nameof(bias));
        ValidateEpsilon(eps);
        for (int c = 0; c < channels; c++)
        {
            // The same double-precision scale as ForwardInference, so folding changes only the rounding of the sum.
            double s = (gamma.IsEmpty ? 1.0 : gamma[c]) / Math.Sqrt((double)runningVar[c] + eps);
            double b = bias.IsEmpty ? 0.0 : bias[c];
            scale[c] = (float)s;
            shift[c] = (float)((beta.IsEmpty ? 0.0 : beta[c]) + (b - runningMean[c]) * s);
        }
    }

    /// <summary>Inference forward: y = gamma·(x − runningMean)/√(runningVar + eps) + beta.</summary>
    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        int batch, int channels, int spatial, float eps = DefaultEpsilon)
    {
        ValidateShape(batch, channels, spatial);
        long length = (long)batch * channels * spatial;
        Validate.Length(x.Length, length, nameof(x));
        Validate.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
        Validate.LengthOrEmpty(beta.Length, channels, nameof(beta));
        Validate.Length(runningMean.Length, channels, nameof(runningMean));
        Validate.Length(runningVar.Length, channels, nameof(runningVar));
        Validate.Length(y.Length, length, nameof(y));
        ValidateEpsilon(eps);
        if (batch == 0) return;

        fixed (float* xPtr = x, gammaPtr = gamma, betaPtr = beta, yPtr = y, rmPtr = runningMean, rvPtr = runningVar)
        {
            var work = new InferenceWork
            {
                X = xPtr, Gamma = gamma.IsEmpty ? null : gammaPtr, Beta = beta.IsEmpty ? null : betaPtr, Y = yPtr,
                RunningMean = rmPtr, RunningVar = rvPtr,
                Batch = batch, Channels = channels, Spatial = spatial, Epsilon = eps,
            };
            KernelParallel.Run(ref work, channels, 2L * batch * spatial);
        }
    }

    /// <summary>
    /// Backward through the training forward, with the batch statistics as functions of x:
    /// dx = gamma·invStd/M·(M·dy − Σdy − x̂·Σdy·x̂), dGamma = Σdy·x̂, dBeta = Σdy (M = batch·spatial).
    /// <c>saveMean</c> and <c>saveInvStd</c> are what <see cref="ForwardTraining"/> saved.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta,
        int batch, int channels, int spatial)
    {
        ValidateShape(batch, channels, spatial);
        long length = (long)batch * channels * spatial;
        Validate.Length(x.Length, length, nameof(x));
        Validate.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
        Validate.Length(saveMean.Length, channels, nameof(saveMean));
        Validate.Length(saveInvStd.Length, channels, nameof(saveInvStd));
        Validate.Length(dy.Length, length, nameof(dy));
        Validate.LengthOrEmpty(dx.Length, length, nameof(dx));
        Validate.LengthOrEmpty(dGamma.Length, channels, nameof(dGamma));
        Validate.LengthOrEmpty(dBeta.Length, channels, nameof(dBeta));
        if (batch == 0)
        {
            dGamma.Clear();
            dBeta.Clear();
            return;
        }

        fixed (float* xPtr = x, gammaPtr = gamma, meanPtr = saveMean, invStdPtr = saveInvStd, dyPtr = dy, dxPtr = dx,
               dGammaPtr = dGamma, dBetaPtr = dBeta)
        {
            var work = new BackwardWork
            {
                X = xPtr, Gamma = gamma.IsEmpty ? null : gammaPtr, Mean = meanPtr, InvStd = invStdPtr, Dy = dyPtr,
                Dx = dx.IsEmpty ? null : dxPtr, DGamma = dGamma.IsEmpty ? null : dGammaPtr, DBeta = dBeta.IsEmpty ? null : dBetaPtr,
                Batch = batch, Channels = channels, Spatial = spatial,
            };
            KernelParallel.Run(ref work, channels, 3L * batch * spatial);
        }
    }

    /// <summary>
    /// Folds an inference-mode batch norm into the convolution (or dense layer) before it, so one kernel does both:
    /// with s = gamma/√(runningVar + eps), W'[o, …] = s[o]·W[o, …] and b'[o] = s[o]·(b[o] − runningMean[o]) + beta[o].
    /// </summary>
    /// <remarks>
    /// <c>weight</c> is output channel first (<c>[out, in, kh, kw]</c> or <c>[out, in]</c>); an empty <c>bias</c> means the
    /// layer has none (b = 0). <c>foldedBias</c> is always written, since a folded layer has a bias. The outputs may
    /// alias the inputs, so a layer can be folded in place.
    /// </remarks>
    public static void FoldIntoConv(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar,
        float eps, Span<float> foldedWeight, Span<float> foldedBias)
    {
        Validate.Positive(outChannels, nameof(outChannels));
        if (weight.Length == 0 || weight.Length % outChannels != 0)
            throw new ArgumentException(
                $"weight has {weight.Length} elements, which is not a positive multiple of the {outChannels} output channels.", nameof(weight));
        Validate.LengthOrEmpty(bias.Length, outChannels, nameof(bias));
        Validate.LengthOrEmpty(gamma.Length, outChannels, nameof(gamma));
        Validate.LengthOrEmpty(beta.Length, outChannels, nameof(beta));
        Validate.Length(runningMean.Length, outChannels, nameof(runningMean));
        Validate.Length(runningVar.Length, outChannels, nameof(runningVar));
        Validate.Length(foldedWeight.Length, weight.Length, nameof(foldedWeight));
        Validate.Length(foldedBias.Length, outChannels, nameof(foldedBias));
        ValidateEpsilon(eps);

        int perChannel = weight.Length / outChannels;
        fixed (float* wPtr = weight, fwPtr = foldedWeight)
        {
            for (int o = 0; o < outChannels; o++)
            {
                double scale = (gamma.IsEmpty ? 1.0 : gamma[o]) / Math.Sqrt((double)runningVar[o] + eps);
                double b = bias.IsEmpty ? 0.0 : bias[o];
                NormRows.Affine(wPtr + (long)o * perChannel, fwPtr + (long)o * perChannel, perChannel, 0f, (float)scale, 0f);
                foldedBias[o] = (float)(scale * (b - runningMean[o]) + (beta.IsEmpty ? 0.0 : beta[o]));
            }
        }
    }

    /// <summary>Features a dense (spatial = 1) pass keeps statistics for at once, on the stack.</summary>
    private const int DenseBlock = 64;

    private static void ValidateShape(int batch, int channels, int spatial)
    {
        Validate.NonNegative(batch, nameof(batch));
        Validate.Positive(channels, nameof(channels));
        Validate.Positive(spatial, nameof(spatial));
    }

    private static void ValidateEpsilon(float eps)
    {
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive.");
    }

    private struct TrainingWork : IParallelWork
    {
        public float* X, Gamma, Beta, Y, RunningMean, RunningVar, Mean, InvStd;
        public int Batch, Channels, Spatial;
        public float Momentum, Epsilon;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Channels, part, parts);
            if (Spatial == 1)
            {
                ExecuteDense(begin, end);
                return;
            }
            long stride = (long)Channels * Spatial;
            long count = (long)Batch * Spatial;
            for (int c = begin; c < end; c++)
            {
                float* x = X + (long)c * Spatial;
                double sum = 0;
                for (int n = 0; n < Batch; n++) sum += NormRows.Sum(x + n * stride, Spatial);
                float mean = (float)(sum / count);
                double squares = 0;
                for (int n = 0; n < Batch; n++) squares += NormRows.SumSquaredDeviation(x + n * stride, Spatial, mean);
                double invStd = 1.0 / Math.Sqrt(squares / count + Epsilon);
                Mean[c] = mean;
                InvStd[c] = (float)invStd;
                if (RunningMean != null) RunningMean[c] = (1 - Momentum) * RunningMean[c] + Momentum * mean;
                if (RunningVar != null) RunningVar[c] = (float)((1 - Momentum) * RunningVar[c] + Momentum * (squares / (count - 1)));

                double scale = (Gamma == null ? 1.0 : Gamma[c]) * invStd;
                float shift = Beta == null ? 0f : Beta[c];
                float* y = Y + (long)c * Spatial;
                for (int n = 0; n < Batch; n++) NormRows.Affine(x + n * stride, y + n * stride, Spatial, mean, (float)scale, shift);
            }
        }

        /// <summary>Dense activations (batch, features): a block of features at a time, walking each row contiguously.</summary>
        private readonly void ExecuteDense(int begin, int end)
        {
            double* sum = stackalloc double[DenseBlock];
            float* scale = stackalloc float[DenseBlock];
            int stride = Channels;
            for (int f0 = begin; f0 < end; f0 += DenseBlock)
            {
                int width = Math.Min(DenseBlock, end - f0);
                new Span<double>(sum, width).Clear();
                for (int n = 0; n < Batch; n++)
                {
                    float* row = X + (long)n * stride + f0;
                    for (int i = 0; i < width; i++) sum[i] += row[i];
                }
                for (int i = 0; i < width; i++) Mean[f0 + i] = (float)(sum[i] / Batch);
                new Span<double>(sum, width).Clear();
                for (int n = 0; n < Batch; n++)
                {
                    float* row = X + (long)n * stride + f0;
                    for (int i = 0; i < width; i++)
                    {
                        float d = row[i] - Mean[f0 + i];
                        sum[i] += d * d;
                    }
                }
                for (int i = 0; i < width; i++)
                {
                    int c = f0 + i;
                    double invStd = 1.0 / Math.Sqrt(sum[i] / Batch + Epsilon);
                    InvStd[c] = (float)invStd;
                    if (RunningMean != null) RunningMean[c] = (1 - Momentum) * RunningMean[c] + Momentum * Mean[c];
                    if (RunningVar != null) RunningVar[c] = (float)((1 - Momentum) * RunningVar[c] + Momentum * (sum[i] / (Batch - 1)));
                    scale[i] = (float)((Gamma == null ? 1.0 : Gamma[c]) * invStd);
                }
                for (int n = 0; n < Batch; n++)
                {
                    float* x = X + (long)n * stride + f0, y = Y + (long)n * stride + f0;
                    for (int i = 0; i < width; i++)
                        y[i] = (x[i] - Mean[f0 + i]) * scale[i] + (Beta == null ? 0f : Beta[f0 + i]);
                }
            }
        }
    }

    private struct InferenceWork : IParallelWork
    {
        public float* X, Gamma, Beta, Y, RunningMean, RunningVar;
        public int Batch, Channels, Spatial;
        public float Epsilon;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Channels, part, parts);
            if (Spatial == 1)
            {
                ExecuteDense(begin, end);
                return;
            }
            long stride = (long)Channels * Spatial;
            for (int c = begin; c < end; c++)
            {
                double scale = (Gamma == null ? 1.0 : Gamma[c]) / Math.Sqrt((double)RunningVar[c] + Epsilon);
                float shift = Beta == null ? 0f : Beta[c];
                float* x = X + (long)c * Spatial, y = Y + (long)c * Spatial;
                for (int n = 0; n < Batch; n++) NormRows.Affine(x + n * stride, y + n * stride, Spatial, RunningMean[c], (float)scale, shift);
            }
        }

        private readonly void ExecuteDense(int begin, int end)
        {
            float* scale = stackalloc float[DenseBlock];
            int stride = Channels;
            for (int f0 = begin; f0 < end; f0 += DenseBlock)
            {
                int width = Math.Min(DenseBlock, end - f0);
                for (int i = 0; i < width; i++)
                    scale[i] = (float)((Gamma == null ? 1.0 : Gamma[f0 + i]) / Math.Sqrt((double)RunningVar[f0 + i] + Epsilon));
                for (int n = 0; n < Batch; n++)
                {
                    float* x = X + (long)n * stride + f0, y = Y + (long)n * stride + f0;
                    for (int i = 0; i < width; i++)
                        y[i] = (x[i] - RunningMean[f0 + i]) * scale[i] + (Beta == null ? 0f : Beta[f0 + i]);
                }
            }
        }
    }

    private struct BackwardWork : IParallelWork
    {
        public float* X, Gamma, Mean, InvStd, Dy, Dx, DGamma, DBeta;
        public int Batch, Channels, Spatial;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Channels, part, parts);
            if (Spatial == 1)
            {
                ExecuteDense(begin, end);
                return;
            }
            long stride = (long)Channels * Spatial;
            double count = (double)Batch * Spatial;
            for (int c = begin; c < end; c++)
            {
                float* x = X + (long)c * Spatial, dy = Dy + (long)c * Spatial;
                float mean = Mean[c];
                double invStd = InvStd[c];
                double sumDy = 0, sumDyCentred = 0;
                for (int n = 0; n < Batch; n++)
                {
                    sumDy += NormRows.Sum(dy + n * stride, Spatial);
                    sumDyCentred += NormRows.SumProductDeviation(dy + n * stride, x + n * stride, Spatial, mean);
                }
                if (DBeta != null) DBeta[c] = (float)sumDy;
                if (DGamma != null) DGamma[c] = (float)(sumDyCentred * invStd);
                if (Dx == null) continue;

                // dx = a·dy + b·(x − mean) + c0, expanded so one pass over the rows does it.
                double g = Gamma == null ? 1.0 : Gamma[c];
                double a = g * invStd;
                double b = -g * invStd * invStd * invStd * sumDyCentred / count;
                double c0 = -a * sumDy / count;
                float* dx = Dx + (long)c * Spatial;
                for (int n = 0; n < Batch; n++)
                    NormRows.Combine(dy + n * stride, x + n * stride, dx + n * stride, Spatial, (float)a, (float)b, mean, (float)c0);
            }
        }

        private readonly void ExecuteDense(int begin, int end)
        {
            double* sumDy = stackalloc double[DenseBlock];
            double* sumDyCentred = stackalloc double[DenseBlock];
            float* a = stackalloc float[DenseBlock];
            float* b = stackalloc float[DenseBlock];
            float* c0 = stackalloc float[DenseBlock];
            int stride = Channels;
            for (int f0 = begin; f0 < end; f0 += DenseBlock)
            {
                int width = Math.Min(DenseBlock, end - f0);
                new Span<double>(sumDy, width).Clear();
                new Span<double>(sumDyCentred, width).Clear();
                for (int n = 0; n < Batch; n++)
                {
                    float* x = X + (long)n * stride + f0, dy = Dy + (long)n * stride + f0;
                    for (int i = 0; i < width; i++)
                    {
                        sumDy[i] += dy[i];
                        sumDyCentred[i] += dy[i] * (x[i] - Mean[f0 + i]);
                    }
                }
                for (int i = 0; i < width; i++)
                {
                    int c = f0 + i;
                    double invStd = InvStd[c], g = Gamma == null ? 1.0 : Gamma[c];
                    if (DBeta != null) DBeta[c] = (float)sumDy[i];
                    if (DGamma != null) DGamma[c] = (float)(sumDyCentred[i] * invStd);
                    a[i] = (float)(g * invStd);
                    b[i] = (float)(-g * invStd * invStd * invStd * sumDyCentred[i] / Batch);
                    c0[i] = (float)(-g * invStd * sumDy[i] / Batch);
                }
                if (Dx == null) continue;
                for (int n = 0; n < Batch; n++)
                {
                    float* x = X + (long)n * stride + f0, dy = Dy + (long)n * stride + f0, dx = Dx + (long)n * stride + f0;
                    for (int i = 0; i < width; i++) dx[i] = a[i] * dy[i] + b[i] * (x[i] - Mean[f0 + i]) + c0[i];
                }
            }
        }
    }
}
