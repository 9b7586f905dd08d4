using Xunit;

namespace Dsl.Runtime.Tests.Sequence;

/// <summary>
/// A bidirectional <see cref="RecurrentStack"/> is two unidirectional ones: the forward half of its output is a plain
/// layer with the forward weights, the reverse half a plain layer with the <c>_reverse</c> weights run over the sequence
/// reversed in time, and its final state holds both, as PyTorch's <c>bidirectional=True</c>.
/// </summary>
public class BidirectionalStackTests
{
    [Theory]
    [InlineData(RecurrentCell.Rnn)]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Gru)]
    public void Each_direction_equals_a_unidirectional_layer_over_the_sequence_in_its_order(RecurrentCell cell)
    {
        const int steps = 5, batch = 2, input = 3, hidden = 4;
        var layout = new ParameterLayout();
        var bi = RecurrentStackLayout.Add(layout, "rnn", cell, input, hidden, layers: 1, bidirectional: true);
        Assert.Equal(2, bi.Directions);
        Assert.Equal(["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse"],
            layout.Infos.Select(p => p.Name));
        float[] parameters = FiniteDifference.Random(layout.Length, seed: 1);
        float[] x = FiniteDifference.Random(steps * batch * input, seed: 2);
        var stack = new RecurrentStack(bi, steps, batch);
        bool lstm = cell == RecurrentCell.Lstm;
        var hT = new float[2 * batch * hidden];
        var cT = lstm ? new float[2 * batch * hidden] : [];
        var rng = new Rng(0);
        stack.Forward(parameters, x, batch, default, default, hT, cT, training: false, ref rng);
        float[] output = stack.Output(batch).ToArray();

        var reversed = new float[x.Length];
        for (int t = 0; t < steps; t++)
            x.AsSpan(t * batch * input, batch * input).CopyTo(reversed.AsSpan((steps - 1 - t) * batch * input));
        for (int direction = 0; direction < 2; direction++)
        {
            var uniLayout = new ParameterLayout();
            var uni = RecurrentStackLayout.Add(uniLayout, "rnn", cell, input, hidden, layers: 1);
            var uniParameters = new float[uniLayout.Length];
            string suffix = direction == 0 ? "" : "_reverse";
            foreach (var info in uniLayout.Infos)
                parameters.AsSpan(layout[info.Name + suffix].Offset, info.Length).CopyTo(uniParameters.AsSpan(info.Offset));
            var single = new RecurrentStack(uni, steps, batch);
            var uniH = new float[batch * hidden];
            single.Forward(uniParameters, direction == 0 ? x : reversed, batch, default, default, uniH, default, training: false, ref rng);
            float[] uniOutput = single.Output(batch).ToArray();
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < hidden; j++)
                    {
                        int source = direction == 0 ? t : steps - 1 - t;
                        Assert.Equal(uniOutput[(source * batch + b) * hidden + j], output[(t * batch + b) * 2 * hidden + direction * hidden + j], 5);
                    }
            for (int i = 0; i < batch * hidden; i++) Assert.Equal(uniH[i], hT[direction * batch * hidden + i], 5);
        }
    }
}
