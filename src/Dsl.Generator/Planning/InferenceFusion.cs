using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Planning;

/// <summary>
/// A layer whose inference output runs through what follows it, computed by one fused kernel call at the position of
/// <see cref="Last"/>: a convolution → batch norm → [residual add] → [ReLU] (<c>Conv2d.ForwardInference</c> with the
/// folded scale and shift), a convolution (with its bias) → [ReLU] → [2×2 max pool] (<c>Conv2d.ForwardInference</c>
/// with the bias), or a dense layer → ReLU (<c>Dense.ForwardInference</c>). Op indices are 1-based; <see cref="BatchNorm"/>,
/// <see cref="Add"/>, <see cref="Relu"/> and <see cref="Pool"/> are 0 when absent.
/// </summary>
/// <param name="Conv">The ungrouped convolution or the dense layer that starts the chain.</param>
/// <param name="BatchNorm">The batch norm reading only the convolution's output, folded into a scale and shift, or 0.</param>
/// <param name="Add">The two-input add reading the batch norm's output, or 0.</param>
/// <param name="Residual">The value the add reads besides the chain (its activation index), or -1.</param>
/// <param name="Relu">The ReLU after the batch norm, add or layer, or 0.</param>
/// <param name="FoldedOffset">Where the chain's scale (then shift) lives in the folded array (batch-norm chains only).</param>
/// <param name="Pool">The 2×2, stride-2 max pool ending a chain without batch norm, or 0.</param>
public sealed record FusedChain(int Conv, int BatchNorm, int Add, int Residual, int Relu, int FoldedOffset, int Pool = 0)
{
    /// <summary>The op whose output the fused call writes, and where it is emitted.</summary>
    public int Last => Pool != 0 ? Pool : Relu != 0 ? Relu : Add != 0 ? Add : BatchNorm;

    /// <summary>Whether op <paramref name="op"/> belongs to the chain.</summary>
    public bool Contains(int op) => op == Conv || (op != 0 && (op == BatchNorm || op == Add || op == Relu || op == Pool));
}

/// <summary>
/// Finds the chains the inference path runs as one fused call (see <see cref="FusedChain"/>). A chain is only
/// formed where it is safe on the training plan's arena: every intermediate value has the next op as its only reader (and
/// is not the network output), the fused call's output overlaps neither the convolution's input nor (unless it is the
/// same memory, an in-place add) the residual, and no op run between the convolution and the end of the chain writes
/// over the convolution's input, which the fused call now reads later than the layer-by-layer code did. A pooled chain
/// also lends the convolution's own output buffer to the kernel as scratch (used where the one-pass path does not
/// apply), so that buffer must overlap neither the input nor the pooled output.
/// </summary>
public static class InferenceFusion
{
    /// <summary>The chains of <paramref name="ops"/>, in order; each takes 2·channels floats of the folded array.</summary>
    public static IReadOnlyList<FusedChain> Find(IReadOnlyList<Op> ops, Plan plan)
    {
        int n = ops.Count;
        var readers = new List<int>[n + 1];
        for (int v = 0; v <= n; v++)
            readers[v] = new List<int>();
        for (int i = 1; i <= n; i++)
            foreach (int v in ops[i - 1].Inputs)
                readers[v].Add(i);

        // The only op reading value v, or 0 when none or several do, or v is the network output.
        int SoleReader(int v) => v < n && readers[v].Count == 1 ? readers[v][0] : 0;

        var chains = new List<FusedChain>();
        var taken = new HashSet<int>();
        int folded = 0;
        // The next op of a chain: the sole reader of value v, when it is of type T and not in another chain.
        int Next<T>(int v) where T : Op
        {
            int reader = SoleReader(v);
            return reader != 0 && !taken.Contains(reader) && ops[reader - 1] is T ? reader : 0;
        }

        void Take(FusedChain chain)
        {
            chains.Add(chain);
            foreach (int op in new[] { chain.BatchNorm, chain.Add, chain.Relu, chain.Pool })
                if (op != 0) taken.Add(op);
        }

        for (int layer = 1; layer <= n; layer++)
        {
            if (ops[layer - 1] is DenseOp)
            {
                // Dense → ReLU: the ReLU joins the product's stores (the bias always does).
                int denseRelu = Next<ReluOp>(layer);
                var dense = new FusedChain(layer, 0, 0, -1, denseRelu, 0);
                if (denseRelu != 0 && IsSafe(dense, ops, plan))
                    Take(dense);
                continue;
            }
            if (ops[layer - 1] is not ConvOp { Groups: 1 } convOp)
                continue;
            int conv = layer;
            int bn = SoleReader(conv);
            if (bn == 0 || taken.Contains(bn) || ops[bn - 1] is not BatchNormOp)
            {
                // Convolution (with its bias) → [ReLU] → [2×2, stride-2 max pool].
                int plainRelu = Next<ReluOp>(conv);
                int pool = Next<MaxPoolOp>(plainRelu != 0 ? plainRelu : conv);
                if (pool != 0 && ops[pool - 1] is not MaxPoolOp { KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2, Padding: 0 })
                    pool = 0;
                var plain = new FusedChain(conv, 0, 0, -1, plainRelu, 0, pool);
                if ((plainRelu != 0 || pool != 0) && IsSafe(plain, ops, plan))
                    Take(plain);
                continue;
            }
            int add = 0, residual = -1, relu = 0, current = bn;
            int next = SoleReader(current);
            if (next != 0 && !taken.Contains(next) && ops[next - 1] is AddOp && ops[next - 1].Inputs.Count == 2)
            {
                int other = ops[next - 1].Inputs[0] == current ? ops[next - 1].Inputs[1] : ops[next - 1].Inputs[0];
                if (other != current)
                {
                    add = next;
                    residual = other;
                    current = next;
                    next = SoleReader(current);
                }
            }
            if (next != 0 && !taken.Contains(next) && ops[next - 1] is ReluOp)
                relu = next;

            var chain = new FusedChain(conv, bn, add, residual, relu, folded);
            if (!IsSafe(chain, ops, plan))
                continue;
            Take(chain);
            folded += 2 * convOp.Channels;
        }
        return chains;
    }

    /// <summary>Floats of the folded scale and shift array the chains need.</summary>
    public static int FoldedFloats(IReadOnlyList<FusedChain> chains, IReadOnlyList<Op> ops)
        => chains.Where(c => c.BatchNorm != 0).Sum(c => 2 * ((ConvOp)ops[c.Conv - 1]).Channels);

    private static bool IsSafe(FusedChain chain, IReadOnlyList<Op> ops, Plan plan)
    {
        PlannedValue input = plan.Activation(ops[chain.Conv - 1].Inputs[0]);
        PlannedValue target = plan.Activation(chain.Last);
        if (Overlaps(target, input))
            return false;
        if (chain.Pool != 0)
        {
            PlannedValue scratch = plan.Activation(chain.Conv);
            if (scratch.IsExternal || Overlaps(scratch, input) || Overlaps(scratch, target))
                return false;
        }
        if (chain.Residual >= 0)
        {
            PlannedValue residual = plan.Activation(chain.Residual);
            bool same = !residual.IsExternal && !target.IsExternal && residual.Offset == target.Offset && residual.Size == target.Size;
            if (Overlaps(target, residual) && !same)
                return false;
        }
        for (int j = chain.Conv + 1; j < chain.Last; j++)
        {
            if (chain.Contains(j) || ops[j - 1].IsView)
                continue;
            if (Overlaps(plan.Activation(j), input))
                return false;
        }
        return true;
    }

    // Per-example ranges: every slice is batch × its planned offset and size, so they overlap exactly when these do.
    private static bool Overlaps(PlannedValue a, PlannedValue b)
        => !a.IsExternal && !b.IsExternal && a.Offset < b.Offset + b.Size && b.Offset < a.Offset + a.Size;
}
