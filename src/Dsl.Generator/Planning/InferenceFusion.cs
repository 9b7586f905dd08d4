using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Planning;

/// <summary>
/// A convolution whose inference output runs through a batch norm, then optionally a residual add, then optionally a
/// ReLU, computed by one fused kernel call (<c>Conv2d.ForwardInference</c>) at the position of <see cref="Last"/>.
/// Op indices are 1-based; <see cref="Add"/> and <see cref="Relu"/> are 0 when absent.
/// </summary>
/// <param name="Conv">The ungrouped convolution.</param>
/// <param name="BatchNorm">The batch norm reading only the convolution's output, folded into a scale and shift.</param>
/// <param name="Add">The two-input add reading the batch norm's output, or 0.</param>
/// <param name="Residual">The value the add reads besides the chain (its activation index), or -1.</param>
/// <param name="Relu">The ReLU ending the chain, or 0.</param>
/// <param name="FoldedOffset">Where the chain's scale (then shift) lives in the folded array.</param>
public sealed record FusedChain(int Conv, int BatchNorm, int Add, int Residual, int Relu, int FoldedOffset)
{
    /// <summary>The op whose output the fused call writes, and where it is emitted.</summary>
    public int Last => Relu != 0 ? Relu : Add != 0 ? Add : BatchNorm;

    /// <summary>Whether op <paramref name="op"/> belongs to the chain.</summary>
    public bool Contains(int op) => op == Conv || op == BatchNorm || op == Add || op == Relu;
}

/// <summary>
/// Finds the conv → batch norm → [add] → [ReLU] chains the inference path runs as one fused convolution. A chain is only
/// formed where it is safe on the training plan's arena: every intermediate value has the next op as its only reader (and
/// is not the network output), the fused call's output overlaps neither the convolution's input nor (unless it is the
/// same memory, an in-place add) the residual, and no op run between the convolution and the end of the chain writes
/// over the convolution's input, which the fused call now reads later than the layer-by-layer code did.
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
        for (int conv = 1; conv <= n; conv++)
        {
            if (ops[conv - 1] is not ConvOp { Groups: 1 } convOp)
                continue;
            int bn = SoleReader(conv);
            if (bn == 0 || taken.Contains(bn) || ops[bn - 1] is not BatchNormOp)
                continue;
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
            chains.Add(chain);
            taken.Add(bn);
            if (add != 0) taken.Add(add);
            if (relu != 0) taken.Add(relu);
            folded += 2 * convOp.Channels;
        }
        return chains;
    }

    /// <summary>Floats of the folded scale and shift array the chains need.</summary>
    public static int FoldedFloats(IReadOnlyList<FusedChain> chains, IReadOnlyList<Op> ops)
        => chains.Sum(c => 2 * ((ConvOp)ops[c.Conv - 1]).Channels);

    private static bool IsSafe(FusedChain chain, IReadOnlyList<Op> ops, Plan plan)
    {
        PlannedValue input = plan.Activation(ops[chain.Conv - 1].Inputs[0]);
        PlannedValue target = plan.Activation(chain.Last);
        if (Overlaps(target, input))
            return false;
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
