using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Planning;

/// <summary>
/// Lays out the arena. Every value gets a lifetime on one timeline (forward op i at step i, the loss at n + 1, backward
/// of op j at 2n + 2 − j); values that are views or may be overwritten in place are merged with the value they alias;
/// the resulting groups are packed by a greedy first-fit over offsets, largest first, so groups whose lifetimes do not
/// overlap share memory (the gradients ping-pong between two buffers, for instance). Every size is per example, since
/// all activations scale with the batch.
/// </summary>
public static class Planner
{
    /// <summary>Plans <paramref name="ops"/> (shaped).</summary>
    public static Plan Create(IReadOnlyList<Op> ops)
    {
        int n = ops.Count;
        Op OpAt(int i) => ops[i - 1];
        int Backward(int j) => 2 * n + 2 - j;

        EquatableArray<ParameterSpec> parameters = LayOutParameters(ops, out int parameterCount);
        int firstBackward = n + 1;
        for (int j = 1; j <= n; j++)
        {
            if (OpAt(j).Parameters.Count > 0)
            {
                firstBackward = j;
                break;
            }
        }
        bool HasBackward(int j) => j >= firstBackward && j <= n;

        var groups = new Groups();
        var values = new List<ValueDraft>();

        // Activations.
        var activation = new ValueDraft[n + 1];
        activation[0] = new ValueDraft(ValueRole.Activation, 0, "input", n == 0 ? 0 : OpAt(1).Input.Size, groups.NewExternal()) { Start = 0, End = 0 };
        values.Add(activation[0]);
        for (int k = 1; k <= n; k++)
        {
            Op op = OpAt(k);
            ValueDraft previous = activation[k - 1];
            int group;
            string? sharesWith = null;
            if (op.IsView)
            {
                group = previous.Group;
                sharesWith = previous.Name;
            }
            else if (op.CanRunInPlace && MayOverwrite(previous.Group, k))
            {
                group = previous.Group;
                sharesWith = previous.Name;
            }
            else
            {
                group = groups.New();
            }
            int end = k < n ? k + 1 : n + 1;
            if (op.BackwardReadsOutput && HasBackward(k))
                end = Math.Max(end, Backward(k));
            if (k < n && OpAt(k + 1).BackwardReadsInput && HasBackward(k + 1))
                end = Math.Max(end, Backward(k + 1));
            activation[k] = new ValueDraft(ValueRole.Activation, k, op.Name + "Output", op.Output.Size, group) { Start = k, End = end, SharesWith = sharesWith };
            values.Add(activation[k]);
        }

        // Masks.
        for (int i = 1; i <= n; i++)
        {
            if (!OpAt(i).UsesMask)
                continue;
            int end = HasBackward(i) ? Backward(i) : i;
            values.Add(new ValueDraft(ValueRole.Mask, i, OpAt(i).Name + "Mask", OpAt(i).Output.Size, groups.New()) { Start = i, End = end });
        }

        // Saved training state (batch statistics): written by training forward, read by backward.
        for (int i = 1; i <= n; i++)
        {
            if (OpAt(i).SavedFloatsPerExample == 0)
                continue;
            int end = HasBackward(i) ? Backward(i) : i;
            values.Add(new ValueDraft(ValueRole.Saved, i, OpAt(i).Name + "Saved", OpAt(i).SavedFloatsPerExample, groups.New()) { Start = i, End = end });
        }

        // Gradients: the loss writes the last one; each backward step writes its input's.
        if (n > 0)
        {
            var gradient = new ValueDraft?[n + 1];
            gradient[n] = new ValueDraft(ValueRole.Gradient, n, OpAt(n).Name + "OutputGradient", OpAt(n).Output.Size, groups.New())
            {
                Start = n + 1,
                End = HasBackward(n) ? Backward(n) : n + 1,
            };
            values.Add(gradient[n]!);
            for (int j = n; j >= firstBackward; j--)
            {
                Op op = OpAt(j);
                bool needed = j > firstBackward || op.RequiresInputGradient;
                if (!needed)
                    break;
                int k = j - 1;
                ValueDraft dy = gradient[j]!;
                bool alias = op.IsView || op.CanBackpropagateInPlace;
                string name = k == 0 ? "inputGradient" : OpAt(k).Name + "OutputGradient";
                int end = HasBackward(k) && k >= 1 ? Backward(k) : Backward(j);
                gradient[k] = new ValueDraft(ValueRole.Gradient, k, name, op.Input.Size, alias ? dy.Group : groups.New())
                {
                    Start = Backward(j),
                    End = end,
                    SharesWith = alias ? dy.Name : null,
                };
                values.Add(gradient[k]!);
            }
        }

        // A value may be overwritten at step k only if no backward step reads any value stored in its group later.
        bool MayOverwrite(int group, int k)
        {
            if (groups.IsExternal(group))
                return false;
            for (int m = 1; m < k; m++)
            {
                if (activation[m]!.Group != group)
                    continue;
                if (OpAt(m).BackwardReadsOutput && HasBackward(m))
                    return false;
                if (OpAt(m + 1).BackwardReadsInput && HasBackward(m + 1))
                    return false;
            }
            return true;
        }

        Dictionary<int, int> offsets = Pack(values, groups, out int floatsPerExample);
        int withoutReuse = values.Where(v => !groups.IsExternal(v.Group) && v.SharesWith is null).Sum(v => v.Size);

        var planned = values
            .Select(v => new PlannedValue(v.Role, v.Index, v.Name, v.Size,
                groups.IsExternal(v.Group) ? 0 : offsets[v.Group], groups.IsExternal(v.Group), v.SharesWith))
            .ToEquatableArray();
        EquatableArray<BufferSpec> buffers = LayOutBuffers(ops, out int bufferCount);
        return new Plan(planned, parameters, parameterCount, floatsPerExample, withoutReuse, firstBackward)
        {
            Buffers = buffers,
            BufferCount = bufferCount,
        };
    }

    private static EquatableArray<ParameterSpec> LayOutParameters(IReadOnlyList<Op> ops, out int count)
    {
        var laidOut = new List<ParameterSpec>();
        int offset = 0;
        foreach (Op op in ops)
        {
            foreach (ParameterSpec parameter in op.Parameters)
            {
                laidOut.Add(parameter with { Offset = offset });
                offset += parameter.Length;
            }
        }
        count = offset;
        return laidOut.ToEquatableArray();
    }

    private static EquatableArray<BufferSpec> LayOutBuffers(IReadOnlyList<Op> ops, out int count)
    {
        var laidOut = new List<BufferSpec>();
        int offset = 0;
        foreach (Op op in ops)
        {
            foreach (BufferSpec buffer in op.Buffers)
            {
                laidOut.Add(buffer with { Offset = offset });
                offset += buffer.Length;
            }
        }
        count = offset;
        return laidOut.ToEquatableArray();
    }

    private static Dictionary<int, int> Pack(List<ValueDraft> values, Groups groups, out int total)
    {
        var spans = values
            .Where(v => !groups.IsExternal(v.Group))
            .GroupBy(v => v.Group)
            .Select(g => (Group: g.Key, Size: g.Max(v => v.Size), Start: g.Min(v => v.Start), End: g.Max(v => v.End)))
            .OrderByDescending(g => g.Size).ThenBy(g => g.Start).ThenBy(g => g.Group)
            .ToList();
        var placed = new List<(int Offset, int Size, int Start, int End)>();
        var offsets = new Dictionary<int, int>();
        total = 0;
        foreach (var span in spans)
        {
            var conflicts = placed.Where(p => p.Start <= span.End && span.Start <= p.End).OrderBy(p => p.Offset).ToList();
            int offset = 0;
            foreach (var other in conflicts)
            {
                if (offset + span.Size <= other.Offset)
                    break;
                offset = Math.Max(offset, other.Offset + other.Size);
            }
            placed.Add((offset, span.Size, span.Start, span.End));
            offsets[span.Group] = offset;
            total = Math.Max(total, offset + span.Size);
        }
        return offsets;
    }

    private sealed class ValueDraft
    {
        public ValueDraft(ValueRole role, int index, string name, int size, int group)
        {
            Role = role;
            Index = index;
            Name = name;
            Size = size;
            Group = group;
        }

        public ValueRole Role { get; }
        public int Index { get; }
        public string Name { get; }
        public int Size { get; }
        public int Group { get; }
        public int Start { get; set; }
        public int End { get; set; }
        public string? SharesWith { get; set; }
    }

    private sealed class Groups
    {
        private readonly List<bool> _external = new();

        public int New()
        {
            _external.Add(false);
            return _external.Count - 1;
        }

        public int NewExternal()
        {
            _external.Add(true);
            return _external.Count - 1;
        }

        public bool IsExternal(int group) => _external[group];
    }
}
