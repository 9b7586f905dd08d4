using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// Lowering of a convolution to a matrix product over a chunk of examples. The column matrix is
/// <c>[Cin·kh·kw, count·Ho·pitch]</c>: row <c>(c, ki, kj)</c>, column <c>(example, oh, ow)</c>, so one GEMM with the
/// weight <c>[Cout, Cin·kh·kw]</c> covers the whole chunk. Each example's columns are a contiguous block of every row,
/// which lets examples be lowered in parallel without sharing any output.
/// </summary>
/// <remarks>
/// The pitch is the number of columns per output row. Normally it is Wo. For stride-1 convolutions whose padded input
/// is barely wider than the output (LeNet's first layer: 32 against 28) the pitch is the padded width Wp instead:
/// then a row of the column matrix is one contiguous run of the padded image, so lowering an example is Cin·kh·kw
/// block copies rather than Cin·kh·kw·Ho short ones. The Wp − Wo extra columns per row hold junk in the forward
/// product, which the scatter skips, and zeros in the output gradient, so they add nothing to dW or dx.
/// </remarks>
internal static unsafe class Im2Col
{
    /// <summary>Largest Wp/Wo, as 5/4, for which the extra GEMM columns cost less than the short copies they save.</summary>
    private const int WideRatioNumerator = 5, WideRatioDenominator = 4;

    /// <summary>Columns per output row in the lowered layout.</summary>
    public static int Pitch(in Conv2dGeometry g)
    {
        int paddedW = g.InWidth + 2 * g.PadWidth;
        bool wide = g.StrideHeight == 1 && g.StrideWidth == 1
            && (long)paddedW * WideRatioDenominator <= (long)g.OutWidth * WideRatioNumerator;
        return wide ? paddedW : g.OutWidth;
    }

    /// <summary>Columns of the lowered matrix per example.</summary>
    public static int ColumnsPerExample(in Conv2dGeometry g) => g.OutHeight * Pitch(g);

    /// <summary>Lowers <paramref name="count"/> examples starting at <paramref name="x"/> into <paramref name="col"/>.</summary>
    public static void Lower(in Conv2dGeometry g, float* x, int count, float* col)
    {
        var work = new LowerWork { Layout = new Layout(g, count), X = x, Col = col };
        KernelParallel.Run(ref work, count, (long)g.InChannels * g.KernelHeight * g.KernelWidth * work.Layout.Columns);
    }

    /// <summary>Adds the columns back into images: <paramref name="dx"/> is overwritten with the sum over overlapping windows.</summary>
    public static void Raise(in Conv2dGeometry g, float* col, int count, float* dx)
    {
        var work = new RaiseWork { Layout = new Layout(g, count), Col = col, Dx = dx };
        KernelParallel.Run(ref work, count, (long)g.InChannels * g.KernelHeight * g.KernelWidth * work.Layout.Columns);
    }

    /// <summary>y (NCHW) = rows of <paramref name="product"/> <c>[Cout, count·Ho·pitch]</c> plus the bias (null for none).</summary>
    public static void ScatterToImages(in Conv2dGeometry g, float* product, float* bias, int count, float* y)
    {
        var work = new ScatterWork { Layout = new Layout(g, count), Product = product, Bias = bias, Y = y };
        KernelParallel.Run(ref work, count, g.OutSize);
    }

    /// <summary>The inverse layout change: NCHW <paramref name="dy"/> into <c>[Cout, count·Ho·pitch]</c>, zero in the extra columns.</summary>
    public static void GatherFromImages(in Conv2dGeometry g, float* dy, int count, float* product)
    {
        var work = new GatherWork { Layout = new Layout(g, count), Product = product, Dy = dy };
        KernelParallel.Run(ref work, count, g.OutSize);
    }

    /// <summary>The geometry with every derived size computed once: the properties of the geometry divide on each read.</summary>
    private readonly struct Layout
    {
        public readonly int Channels, InH, InW, OutChannels, OutH, OutW, KernelH, KernelW, StrideH, StrideW, PadH, PadW;
        public readonly int PaddedH, PaddedW, Pitch, Columns, InSize, OutSize, Count;
        public readonly long RowStride;

        public Layout(in Conv2dGeometry g, int count)
        {
            Channels = g.InChannels; InH = g.InHeight; InW = g.InWidth; OutChannels = g.OutChannels;
            OutH = g.OutHeight; OutW = g.OutWidth; KernelH = g.KernelHeight; KernelW = g.KernelWidth;
            StrideH = g.StrideHeight; StrideW = g.StrideWidth; PadH = g.PadHeight; PadW = g.PadWidth;
            PaddedH = InH + 2 * PadH; PaddedW = InW + 2 * PadW;
            Pitch = Im2Col.Pitch(g);
            Columns = OutH * Pitch;
            InSize = g.InSize; OutSize = g.OutSize; Count = count;
            RowStride = (long)count * Columns;
        }

        public bool Wide => Pitch != OutW;

        /// <summary>Padded planes are needed for padding, and in the wide layout, whose runs read up to kw − 1 floats past the last row.</summary>
        public bool UsesPaddedPlane => PadH != 0 || PadW != 0 || Wide;

        public int PaddedPlaneFloats => PaddedH * PaddedW + KernelW;
    }

    private struct LowerWork : IParallelWork
    {
        public Layout Layout;
        public float* X, Col;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Layout.Count, part, parts);
            using var padded = new PaddedPlane(Layout);
            for (int n = begin; n < end; n++)
                LowerExample(Layout, X + (long)n * Layout.InSize, Col + (long)n * Layout.Columns, padded.Pointer);
        }
    }

    private struct RaiseWork : IParallelWork
    {
        public Layout Layout;
        public float* Col, Dx;

        public readonly void Execute(int part, int parts)
        {
            (int begin, int end) = KernelParallel.Range(Layout.Count, part, parts);
            using var padded = new PaddedPlane(Layout);
            for (int n = begin; n < end; n++)
                RaiseExample(Layout, Col + (long)n * Layout.Columns, Dx + (long)n * Layout.InSize, padded.Pointer);
        }
    }

    private struct ScatterWork : IParallelWork
    {
        public Layout Layout;
        public float* Product, Bias, Y;

        public readonly void Execute(int part, int parts)
        {
            Layout l = Layout;
            (int begin, int end) = KernelParallel.Range(l.Count, part, parts);
            int spatial = l.OutH * l.OutW;
            // Without extra columns an output plane is one run; otherwise Ho runs of Wo.
            int rows = l.Wide ? l.OutH : 1, length = l.Wide ? l.OutW : spatial;
            for (int n = begin; n < end; n++)
            {
                float* yExample = Y + (long)n * l.OutSize;
                for (int co = 0; co < l.OutChannels; co++)
                {
                    float* source = Product + co * l.RowStride + (long)n * l.Columns;
                    float* target = yExample + co * spatial;
                    if (Bias != null)
                        for (int r = 0; r < rows; r++) VectorOps.CopyAdd(target + r * l.OutW, source + r * l.Pitch, Bias[co], length);
                    else
                        VectorOps.CopyRows(target, l.OutW, source, l.Pitch, rows, length);
                }
            }
        }
    }

    private struct GatherWork : IParallelWork
    {
        public Layout Layout;
        public float* Product, Dy;

        public readonly void Execute(int part, int parts)
        {
            Layout l = Layout;
            (int begin, int end) = KernelParallel.Range(l.Count, part, parts);
            int spatial = l.OutH * l.OutW;
            for (int n = begin; n < end; n++)
            {
                float* dyExample = Dy + (long)n * l.OutSize;
                for (int co = 0; co < l.OutChannels; co++)
                {
                    float* target = Product + co * l.RowStride + (long)n * l.Columns;
                    if (!l.Wide)
                    {
                        VectorOps.Copy(target, dyExample + co * spatial, spatial);
                        continue;
                    }
                    VectorOps.Clear(target, l.Columns);
                    VectorOps.CopyRows(target, l.Pitch, dyExample + co * spatial, l.OutW, l.OutH, l.OutW);
                }
            }
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
        private readonly GCHandle _handle;
        public readonly float* Pointer;

        public PaddedPlane(in Layout l)
        {
            if (!l.UsesPaddedPlane) return;
            int floats = l.PaddedPlaneFloats;
            if (floats <= InlineFloats)
            {
                // Allocated pinned, so its address is stable without a handle.
                float[] buffer = t_planeBuffer ??= GC.AllocateArray<float>(InlineFloats, pinned: true);
                Pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
                return;
            }
            _rented = ArrayPool<float>.Shared.Rent(floats);
            _handle = GCHandle.Alloc(_rented, GCHandleType.Pinned);
            Pointer = (float*)_handle.AddrOfPinnedObject();
        }

        public void Dispose()
        {
            if (_rented is null) return;
            _handle.Free();
            ArrayPool<float>.Shared.Return(_rented);
        }
    }

    /// <summary>Per-thread scratch for small padded planes, allocated on a thread's first use.</summary>
    [ThreadStatic] private static float[]? t_planeBuffer;

    private static void LowerExample(in Layout l, float* x, float* col, float* padded)
    {
        int outH = l.OutH, outW = l.OutW, paddedW = l.PaddedW, sh = l.StrideH, sw = l.StrideW;
        int planeSize = l.InH * l.InW;
        // The border (and the slack after the last row) stays zero from this clear; only the interior changes per channel.
        if (padded != null) VectorOps.Clear(padded, l.PaddedPlaneFloats);
        float* row = col;
        for (int c = 0; c < l.Channels; c++)
        {
            float* plane = x + (long)c * planeSize;
            if (padded != null)
            {
                VectorOps.CopyRows(padded + l.PadH * paddedW + l.PadW, paddedW, plane, l.InW, l.InH, l.InW);
                plane = padded;
            }
            for (int ki = 0; ki < l.KernelH; ki++)
            {
                for (int kj = 0; kj < l.KernelW; kj++, row += l.RowStride)
                {
                    float* src = plane + ki * paddedW + kj;
                    if (l.Wide)
                    {
                        VectorOps.Copy(row, src, l.Columns);
                    }
                    else if (sw == 1)
                    {
                        VectorOps.CopyRows(row, outW, src, sh * paddedW, outH, outW);
                    }
                    else
                    {
                        float* dst = row;
                        for (int oh = 0; oh < outH; oh++, dst += outW, src += sh * paddedW)
                            for (int ow = 0; ow < outW; ow++) dst[ow] = src[ow * sw];
                    }
                }
            }
        }
    }

    private static void RaiseExample(in Layout l, float* col, float* dx, float* padded)
    {
        int outH = l.OutH, outW = l.OutW, paddedW = l.PaddedW, sh = l.StrideH, sw = l.StrideW;
        int planeSize = l.InH * l.InW;
        float* row = col;
        for (int c = 0; c < l.Channels; c++)
        {
            float* dxPlane = dx + (long)c * planeSize;
            // Windows that reach into the padding accumulate there too; only the interior is copied out.
            float* plane = padded != null ? padded : dxPlane;
            VectorOps.Clear(plane, padded != null ? l.PaddedPlaneFloats : planeSize);
            for (int ki = 0; ki < l.KernelH; ki++)
            {
                for (int kj = 0; kj < l.KernelW; kj++, row += l.RowStride)
                {
                    float* dst = plane + ki * paddedW + kj;
                    if (l.Wide)
                    {
                        VectorOps.AddRows(dst, 0, row, 0, 1, l.Columns);
                    }
                    else if (sw == 1)
                    {
                        VectorOps.AddRows(dst, sh * paddedW, row, outW, outH, outW);
                    }
                    else
                    {
                        float* src = row;
                        for (int oh = 0; oh < outH; oh++, src += outW, dst += sh * paddedW)
                            for (int ow = 0; ow < outW; ow++) dst[ow * sw] += src[ow];
                    }
                }
            }
            if (padded != null) VectorOps.CopyRows(dxPlane, l.InW, padded + l.PadH * paddedW + l.PadW, paddedW, l.InH, l.InW);
        }
    }
}
