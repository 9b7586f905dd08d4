namespace Dsl.Runtime;

/// <summary>
/// Lowering of a convolution to a matrix product over a chunk of examples. The column matrix is
/// <c>[Cin·kh·kw, count·Ho·Wo]</c>: row <c>(c, ki, kj)</c>, column <c>(example, oh, ow)</c>, so one GEMM with the
/// weight <c>[Cout, Cin·kh·kw]</c> covers the whole chunk. Each example's columns are a contiguous block of every row,
/// which lets examples be lowered in parallel without sharing any output.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Lowers <paramref name="count"/> examples starting at <paramref name="x"/> into <paramref name="col"/>.</summary>
    public static void Lower(in Conv2dGeometry g, float* x, int count, float* col)
    {
        var work = new LowerWork { Geometry = g, X = x, Col = col, Count = count };
        KernelParallel.Run(ref work, count, (long)g.InChannels * g.KernelHeight * g.KernelWidth * g.OutHeight * g.OutWidth);
    }

    /// <summary>Adds the columns back into images: <paramref name="dx"/> is overwritten with the sum over overlapping windows.</summary>
    public static void Raise(in Conv2dGeometry g, float* col, int count, float* dx)
    {
        var work = new RaiseWork { Geometry = g, Col = col, Dx = dx, Count = count };
        KernelParallel.Run(ref work, count, (long)g.InChannels * g.KernelHeight * g.KernelWidth * g.OutHeight * g.OutWidth);
    }

    /// <summary>y (NCHW) = rows of <paramref name="product"/> <c>[Cout, count·Ho·Wo]</c> plus the bias (null for none).</summary>
    public static void ScatterToImages(in Conv2dGeometry g, float* product, float* bias, int count, float* y)
    {
        var work = new ScatterWork { Geometry = g, Product = product, Bias = bias, Y = y, Count = count };
        KernelParallel.Run(ref work, count, g.OutSize);
    }

    /// <summary>The inverse layout change: NCHW <paramref name="dy"/> into <c>[Cout, count·Ho·Wo]</c>.</summary>
    public static void GatherFromImages(in Conv2dGeometry g, float* dy, int count, float* product)
    {
        var work = new GatherWork { Geometry = g, Product = product, Dy = dy, Count = count };
        KernelParallel.Run(ref work, count, g.OutSize);
    }

    private struct LowerWork : IParallelWork
    {
        public Conv2dGeometry Geometry;
        public float* X, Col;
        public int Count;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Count, part, parts);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
                LowerExample(Geometry, X + (long)n * Geometry.InSize, Col + (long)n * spatial, rowStride);
        }
    }

    private struct RaiseWork : IParallelWork
    {
        public Conv2dGeometry Geometry;
        public float* Col, Dx;
        public int Count;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Count, part, parts);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
                RaiseExample(Geometry, Col + (long)n * spatial, rowStride, Dx + (long)n * Geometry.InSize);
        }
    }

    private struct ScatterWork : IParallelWork
    {
        public Conv2dGeometry Geometry;
        public float* Product, Bias, Y;
        public int Count;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Count, part, parts);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
            {
                float* yExample = Y + (long)n * Geometry.OutSize;
                for (int co = 0; co < Geometry.OutChannels; co++)
                {
                    float* source = Product + co * rowStride + (long)n * spatial;
                    if (Bias != null)
                        VectorOps.CopyAdd(yExample + co * spatial, source, Bias[co], spatial);
                    else
                        VectorOps.Copy(yExample + co * spatial, source, spatial);
                }
            }
        }
    }

    private struct GatherWork : IParallelWork
    {
        public Conv2dGeometry Geometry;
        public float* Product, Dy;
        public int Count;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Count, part, parts);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
            {
                float* dyExample = Dy + (long)n * Geometry.OutSize;
                for (int co = 0; co < Geometry.OutChannels; co++)
                    VectorOps.Copy(Product + co * rowStride + (long)n * spatial, dyExample + co * spatial, spatial);
            }
        }
    }

    private static void LowerExample(in Conv2dGeometry g, float* x, float* col, long rowStride)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        float* row = col;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = x + (long)c * inH * inW;
            for (int ki = 0; ki < kh; ki++)
            {
                for (int kj = 0; kj < kw; kj++, row += rowStride)
                {
                    // Output columns whose input column iw = ow·sw − pw + kj lies inside the image; the rest read padding.
                    int owBegin = Math.Max(0, CeilDiv(pw - kj, sw));
                    int owEnd = Math.Min(outW, CeilDiv(inW + pw - kj, sw));
                    if (owEnd < owBegin) owEnd = owBegin;
                    float* dst = row;
                    for (int oh = 0; oh < outH; oh++, dst += outW)
                    {
                        int ih = oh * sh - ph + ki;
                        if ((uint)ih >= (uint)inH || owBegin == owEnd)
                        {
                            VectorOps.Clear(dst, outW);
                            continue;
                        }
                        float* src = plane + ih * inW + kj - pw;
                        if (owBegin > 0) VectorOps.Clear(dst, owBegin);
                        if (sw == 1)
                        {
                            VectorOps.Copy(dst + owBegin, src + owBegin, owEnd - owBegin);
                        }
                        else
                        {
                            for (int ow = owBegin; ow < owEnd; ow++) dst[ow] = src[ow * sw];
                        }
                        if (owEnd < outW) VectorOps.Clear(dst + owEnd, outW - owEnd);
                    }
                }
            }
        }
    }

    private static void RaiseExample(in Conv2dGeometry g, float* col, long rowStride, float* dx)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PadHeight, pw = g.PadWidth;
        VectorOps.Clear(dx, g.InSize);
        float* row = col;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = dx + (long)c * inH * inW;
            for (int ki = 0; ki < kh; ki++)
            {
                for (int kj = 0; kj < kw; kj++, row += rowStride)
                {
                    int owBegin = Math.Max(0, CeilDiv(pw - kj, sw));
                    int owEnd = Math.Min(outW, CeilDiv(inW + pw - kj, sw));
                    if (owEnd <= owBegin) continue;
                    float* src = row;
                    for (int oh = 0; oh < outH; oh++, src += outW)
                    {
                        int ih = oh * sh - ph + ki;
                        if ((uint)ih >= (uint)inH) continue;
                        float* dst = plane + ih * inW + kj - pw;
                        if (sw == 1)
                        {
                            VectorOps.AddInto(dst + owBegin, src + owBegin, owEnd - owBegin);
                        }
                        else
                        {
                            for (int ow = owBegin; ow < owEnd; ow++) dst[ow * sw] += src[ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Ceiling division that is correct for negative numerators (positive divisor).</summary>
    private static int CeilDiv(int numerator, int divisor) =>
        numerator >= 0 ? (numerator + divisor - 1) / divisor : -(-numerator / divisor);
}
