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
            using var padded = new PaddedPlane(Geometry);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
                LowerExample(Geometry, X + (long)n * Geometry.InSize, Col + (long)n * spatial, rowStride, padded.Pointer);
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
            using var padded = new PaddedPlane(Geometry);
            int spatial = Geometry.OutHeight * Geometry.OutWidth;
            long rowStride = (long)Count * spatial;
            for (int n = begin; n < end; n++)
                RaiseExample(Geometry, Col + (long)n * spatial, rowStride, Dx + (long)n * Geometry.InSize, padded.Pointer);
        }
    }

    /// <summary>
    /// One zero-bordered copy of an input plane, so that lowering reads every window without bounds logic. Small
    /// planes (LeNet's are 32×32) use a buffer of the running thread's own; larger ones are rented, which
    /// allocates only until the pool holds one per thread.
    /// </summary>
    private readonly ref struct PaddedPlane
    {
        private const int InlineFloats = 4096;
        private readonly float[]? _rented;
        private readonly System.Runtime.InteropServices.GCHandle _handle;
        public readonly float* Pointer;

        public PaddedPlane(in Conv2dGeometry g)
        {
            if (g.PadHeight == 0 && g.PadWidth == 0) return;
            int floats = (g.InHeight + 2 * g.PadHeight) * (g.InWidth + 2 * g.PadWidth);
            if (floats <= InlineFloats)
            {
                // Allocated pinned, so its address is stable without a handle.
                float[] buffer = t_planeBuffer ??= GC.AllocateArray<float>(InlineFloats, pinned: true);
                Pointer = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(
                    ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(buffer));
                return;
            }
            _rented = System.Buffers.ArrayPool<float>.Shared.Rent(floats);
            _handle = System.Runtime.InteropServices.GCHandle.Alloc(_rented, System.Runtime.InteropServices.GCHandleType.Pinned);
            Pointer = (float*)_handle.AddrOfPinnedObject();
        }

        public void Dispose()
        {
            if (_rented is null) return;
            _handle.Free();
            System.Buffers.ArrayPool<float>.Shared.Return(_rented);
        }
    }

    /// <summary>Per-thread scratch for small padded planes, allocated on a thread's first use.</summary>
    [ThreadStatic] private static float[]? t_planeBuffer;

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

    private static void LowerExample(in Conv2dGeometry g, float* x, float* col, long rowStride, float* padded)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        bool pad = padded != null;
        int paddedW = inW + 2 * g.PadWidth;
        if (pad) VectorOps.Clear(padded, (inH + 2 * g.PadHeight) * paddedW);
        float* row = col;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = x + (long)c * inH * inW;
            if (pad)
            {
                // The border stays zero from the clear above; only the interior changes per channel.
                VectorOps.CopyRows(padded + g.PadHeight * paddedW + g.PadWidth, paddedW, plane, inW, inH, inW);
                plane = padded;
            }
            for (int ki = 0; ki < kh; ki++)
            {
                for (int kj = 0; kj < kw; kj++, row += rowStride)
                {
                    float* src = plane + ki * paddedW + kj;
                    if (sw == 1)
                    {
                        VectorOps.CopyRows(row, outW, src, sh * paddedW, outH, outW);
                        continue;
                    }
                    float* dst = row;
                    for (int oh = 0; oh < outH; oh++, dst += outW, src += sh * paddedW)
                        for (int ow = 0; ow < outW; ow++) dst[ow] = src[ow * sw];
                }
            }
        }
    }

    private static void RaiseExample(in Conv2dGeometry g, float* col, long rowStride, float* dx, float* padded)
    {
        int inH = g.InHeight, inW = g.InWidth, outH = g.OutHeight, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        bool pad = padded != null;
        int paddedW = inW + 2 * g.PadWidth;
        int paddedSize = (inH + 2 * g.PadHeight) * paddedW;
        float* row = col;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* dxPlane = dx + (long)c * inH * inW;
            // Windows that reach into the padding accumulate there too; only the interior is copied out.
            float* plane = pad ? padded : dxPlane;
            VectorOps.Clear(plane, paddedSize);
            for (int ki = 0; ki < kh; ki++)
            {
                for (int kj = 0; kj < kw; kj++, row += rowStride)
                {
                    float* dst = plane + ki * paddedW + kj;
                    if (sw == 1)
                    {
                        VectorOps.AddRows(dst, sh * paddedW, row, outW, outH, outW);
                        continue;
                    }
                    float* src = row;
                    for (int oh = 0; oh < outH; oh++, src += outW, dst += sh * paddedW)
                        for (int ow = 0; ow < outW; ow++) dst[ow * sw] += src[ow];
                }
            }
            if (pad) VectorOps.CopyRows(dxPlane, inW, padded + g.PadHeight * paddedW + g.PadWidth, paddedW, inH, inW);
        }
    }
}
