using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Planning;

/// <summary>
/// Lays out the arena for an op graph. Every value gets a lifetime on one timeline (forward op k at step k, the loss at
/// n + 1, backward of op j at 2n + 2 − j), from the step that writes it to the last step that reads it. A value may take
/// over the memory of another (an in-place activation, a view, an input gradient written over the output gradient, the
/// gradient a sum hands to its first input) only when every value already in that memory is dead by then. The groups
/// of values that share memory are packed by a greedy first-fit over offsets, largest first, so groups whose lifetimes do
/// not overlap share memory too. Sizes are per example, since all activations scale with the batch.
/// </summary>
/// <remarks>
/// A value read by several ops (a block's input, read by the body and the shortcut) receives a gradient from each. The
/// first reader to run backward writes it; the others add into it, directly where their kernel can (a sum, a
/// concatenation's split), else through a scratch span and <c>Merge.Accumulate</c>.
/// </remarks>
public static class Planner
{
    /// <summary>Plans <paramref name="ops"/> (shaped, in execution order, each reading earlier values).</summary>
    public static Plan Create(IReadOnlyList<Op> ops) => new Planning(ops).Run();

    private sealed class Planning
    {
        private readonly IReadOnlyList<Op> _ops;
        private readonly int _n;
        private readonly List<(int Op, int Slot)>[] _consumers;
        private readonly bool[] _needsGradient;
        private readonly bool[] _runsBackward;
        private readonly List<Draft> _values = new();
        private readonly List<List<Draft>> _groups = new();
        private readonly List<bool> _external = new();
        private readonly List<GradientRoute> _routes = new();
        private readonly Draft[] _activation;
        private readonly Draft?[] _gradient;

        public Planning(IReadOnlyList<Op> ops)
        {
            _ops = ops;
            _n = ops.Count;
            _consumers = new List<(int, int)>[_n + 1];
            for (int v = 0; v <= _n; v++)
                _consumers[v] = new List<(int, int)>();
            for (int k = 1; k <= _n; k++)
            {
                EquatableArray<int> inputs = Op(k).Inputs;
                for (int s = 0; s < inputs.Count; s++)
                    _consumers[inputs[s]].Add((k, s));
            }
            // An op runs backward when it has parameters or an input whose gradient something needs; the network input's
            // gradient is never needed.
            _needsGradient = new bool[_n + 1];
            _runsBackward = new bool[_n + 1];
            for (int k = 1; k <= _n; k++)
            {
                Op op = Op(k);
                bool reachesLoss = k == _n || _consumers[k].Count > 0;
                _needsGradient[k] = reachesLoss && (op.Parameters.Count > 0 || op.Inputs.Any(v => _needsGradient[v]));
                _runsBackward[k] = _needsGradient[k];
            }
            _activation = new Draft[_n + 1];
            _gradient = new Draft?[_n + 1];
        }

        private Op Op(int k) => _ops[k - 1];

        private int Backward(int j) => 2 * _n + 2 - j;

        public Plan Run()
        {
            EquatableArray<ParameterSpec> parameters = LayOutParameters(out int parameterCount);
            CreateValues();
            PlaceForward();
            PlaceBackward();

            Dictionary<int, int> offsets = Pack(out int floatsPerExample);
            int withoutReuse = _values.Where(v => !_external[v.Group] && v.SharesWith is null).Sum(v => v.Size);
            var planned = _values
                .Select(v => new PlannedValue(v.Role, v.Index, v.Name, v.Size, _external[v.Group] ? 0 : offsets[v.Group], _external[v.Group], v.SharesWith) { Slot = v.Slot })
                .ToEquatableArray();
            EquatableArray<BufferSpec> buffers = LayOutBuffers(out int bufferCount);
            return new Plan(planned, parameters, parameterCount, floatsPerExample, withoutReuse,
                _runsBackward.Skip(1).ToEquatableArray(), _routes.ToEquatableArray())
            {
                Buffers = buffers,
                BufferCount = bufferCount,
            };
        }

        /// <summary>Every value with its lifetime; memory is decided afterwards.</summary>
        private void CreateValues()
        {
            _activation[0] = Add(new Draft(ValueRole.Activation, 0, "input", _n == 0 ? 0 : Op(1).Input.Size) { Start = 0, End = 0 });
            for (int k = 1; k <= _n; k++)
            {
                Op op = Op(k);
                int end = k == _n ? _n + 1 : k;
                foreach ((int reader, int _) in _consumers[k])
                {
                    end = Math.Max(end, reader);
                    if (Op(reader).BackwardReadsInput && _runsBackward[reader])
                        end = Math.Max(end, Backward(reader));
                }
                if (op.BackwardReadsOutput && _runsBackward[k])
                    end = Math.Max(end, Backward(k));
                _activation[k] = Add(new Draft(ValueRole.Activation, k, op.Identifier + "Output", op.Output.Size) { Start = k, End = end });
            }
            for (int k = 1; k <= _n; k++)
            {
                Op op = Op(k);
                int end = _runsBackward[k] ? Backward(k) : k;
                if (op.UsesMask)
                    Add(new Draft(ValueRole.Mask, k, op.Identifier + "Mask", op.Output.Size) { Start = k, End = end, Group = NewGroup() });
                if (op.SavedFloatsPerExample > 0)
                    Add(new Draft(ValueRole.Saved, k, op.Identifier + "Saved", op.SavedFloatsPerExample) { Start = k, End = end, Group = NewGroup() });
            }
            if (_n == 0)
                return;
            // The loss writes the output's gradient; every other needed gradient is first written by its last reader's backward.
            _gradient[_n] = Add(new Draft(ValueRole.Gradient, _n, Op(_n).Identifier + "OutputGradient", Op(_n).Output.Size)
            {
                Start = _n + 1,
                End = _runsBackward[_n] ? Backward(_n) : _n + 1,
            });
            for (int v = 1; v < _n; v++)
            {
                if (!_needsGradient[v])
                    continue;
                int firstWriter = _consumers[v].Max(c => c.Op);
                _gradient[v] = Add(new Draft(ValueRole.Gradient, v, Op(v).Identifier + "OutputGradient", Op(v).Output.Size)
                {
                    Start = Backward(firstWriter),
                    End = Backward(v),
                });
            }
        }

        private void PlaceForward()
        {
            _activation[0].Group = NewGroup(external: true);
            Join(_activation[0], _activation[0].Group);
            for (int k = 1; k <= _n; k++)
            {
                Op op = Op(k);
                Draft output = _activation[k];
                if (op.IsView)
                {
                    Share(output, _activation[op.Inputs[0]]);
                    continue;
                }
                if (op.CanRunInPlace)
                {
                    foreach (int slot in op.InPlaceSlots)
                    {
                        Draft input = _activation[op.Inputs[slot]];
                        if (input.Size == output.Size && MayOverwrite(input.Group, k, output))
                        {
                            Share(output, input);
                            break;
                        }
                    }
                    if (output.Group >= 0)
                        continue;
                }
                Join(output, NewGroup());
            }
        }

        private void PlaceBackward()
        {
            if (_n == 0)
                return;
            Join(_gradient[_n]!, NewGroup());
            var written = new bool[_n + 1];
            for (int j = _n; j >= 1; j--)
            {
                if (!_runsBackward[j])
                    continue;
                Op op = Op(j);
                Draft dy = _gradient[j]!;
                int step = Backward(j);
                for (int slot = 0; slot < op.Inputs.Count; slot++)
                {
                    int v = op.Inputs[slot];
                    Draft? target = v > 0 ? _gradient[v] : null;
                    if (target is null)
                    {
                        if (op.RequiresInputGradient && !op.PassesGradientThrough)
                        {
                            Draft scratch = Scratch(op, j, slot, step, dy);
                            _routes.Add(new GradientRoute(j, slot, GradientMode.Write, null, scratch.Name));
                        }
                        continue;
                    }
                    bool first = !written[v];
                    written[v] = true;
                    if (op.PassesGradientThrough)
                    {
                        // A value the op reads in several slots gets dy once per slot: it may share dy's memory only if
                        // nothing adds into it while dy is still to be read for the other slots.
                        bool once = op.Inputs.Count(input => input == v) == 1;
                        if (first && once && MayOverwrite(dy.Group, step, target))
                        {
                            Share(target, dy);
                            _routes.Add(new GradientRoute(j, slot, GradientMode.Shared, target.Name, null));
                        }
                        else
                        {
                            if (first)
                                Join(target, NewGroup());
                            _routes.Add(new GradientRoute(j, slot, first ? GradientMode.Write : GradientMode.Accumulate, target.Name, null));
                        }
                    }
                    else if (first)
                    {
                        if (op.CanBackpropagateInPlace && MayOverwrite(dy.Group, step, target))
                            Share(target, dy);
                        else
                            Join(target, NewGroup());
                        _routes.Add(new GradientRoute(j, slot, GradientMode.Write, target.Name, null));
                    }
                    else if (op.CanAccumulateInputGradient)
                    {
                        _routes.Add(new GradientRoute(j, slot, GradientMode.Accumulate, target.Name, null));
                    }
                    else
                    {
                        Draft scratch = Scratch(op, j, slot, step, dy);
                        _routes.Add(new GradientRoute(j, slot, GradientMode.Accumulate, target.Name, scratch.Name));
                    }
                }
            }
        }

        private Draft Scratch(Op op, int j, int slot, int step, Draft dy)
        {
            string suffix = op.Inputs.Count == 1 ? "" : slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var scratch = Add(new Draft(ValueRole.Scratch, j, op.Identifier + "InputGradient" + suffix, op.InputShapes[slot].Size)
            {
                Slot = slot,
                Start = step,
                End = step,
            });
            if (op.CanBackpropagateInPlace && MayOverwrite(dy.Group, step, scratch))
                Share(scratch, dy);
            else
                Join(scratch, NewGroup());
            return scratch;
        }

        /// <summary>Whether <paramref name="newcomer"/>, written at <paramref name="step"/>, may take over the memory of
        /// <paramref name="group"/>: nothing there is read after this step.</summary>
        private bool MayOverwrite(int group, int step, Draft newcomer)
            => group >= 0 && !_external[group] && _groups[group].All(member => member.End <= step && member.Size == newcomer.Size);

        private void Share(Draft value, Draft with)
        {
            value.SharesWith = with.Name;
            Join(value, with.Group);
        }

        private void Join(Draft value, int group)
        {
            value.Group = group;
            if (!_groups[group].Contains(value))
                _groups[group].Add(value);
        }

        private int NewGroup(bool external = false)
        {
            _groups.Add(new List<Draft>());
            _external.Add(external);
            return _groups.Count - 1;
        }

        private Draft Add(Draft value)
        {
            _values.Add(value);
            if (value.Group >= 0)
                _groups[value.Group].Add(value);
            return value;
        }

        private EquatableArray<ParameterSpec> LayOutParameters(out int count)
            => LayOut(op => op.Parameters, p => p.Length, (p, offset) => p with { Offset = offset }, out count);

        private EquatableArray<BufferSpec> LayOutBuffers(out int count)
            => LayOut(op => op.Buffers, b => b.Length, (b, offset) => b with { Offset = offset }, out count);

        /// <summary>Places every op's tensors of one kind end to end, in op order (PyTorch's <c>state_dict</c> order).</summary>
        private EquatableArray<T> LayOut<T>(Func<Op, IReadOnlyList<T>> tensorsOf, Func<T, int> length, Func<T, int, T> place, out int count)
            where T : IEquatable<T>
        {
            var laidOut = new List<T>();
            int offset = 0;
            foreach (Op op in _ops)
            {
                foreach (T tensor in tensorsOf(op))
                {
                    laidOut.Add(place(tensor, offset));
                    offset += length(tensor);
                }
            }
            count = offset;
            return laidOut.ToEquatableArray();
        }

        private Dictionary<int, int> Pack(out int total)
        {
            var spans = _values
                .Where(v => !_external[v.Group])
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
    }

    private sealed class Draft
    {
        public Draft(ValueRole role, int index, string name, int size)
        {
            Role = role;
            Index = index;
            Name = name;
            Size = size;
        }

        public ValueRole Role { get; }
        public int Index { get; }
        public string Name { get; }
        public int Size { get; }
        public int Slot { get; init; }
        public int Start { get; set; }
        public int End { get; set; }
        public int Group { get; set; } = -1;
        public string? SharesWith { get; set; }
    }
}
