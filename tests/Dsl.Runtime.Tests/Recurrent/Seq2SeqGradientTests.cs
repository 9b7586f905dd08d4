using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

/// <summary>
/// D2L's GRU encoder–decoder wiring: the decoder starts from the encoder's final state and also sees it as context
/// at every step, so the encoder's only gradient is dhT = dh0(decoder) + Σ_steps dcontext. Checked end to end.
/// </summary>
public class Seq2SeqGradientTests
{
    [Fact]
    public void Encoder_gradients_through_decoder_state_and_context_match_central_differences()
    {
        const int batch = 2, embed = 3, hidden = 4;
        var encoderGeometry = new RecurrentGeometry(embed, hidden, Steps: 3);
        var decoderGeometry = new RecurrentGeometry(embed + hidden, hidden, Steps: 2);
        var random = new Random(5);
        float[] source = RecurrentCase.Uniform(random, encoderGeometry.InputLength(batch), 1.0);
        float[] target = RecurrentCase.Uniform(random, decoderGeometry.Steps * batch * embed, 1.0);
        float[] encIh = RecurrentCase.Uniform(random, 3 * hidden * embed, 0.5), encHh = RecurrentCase.Uniform(random, 3 * hidden * hidden, 0.5);
        float[] encB = RecurrentCase.Uniform(random, 3 * hidden, 0.3);
        float[] decIh = RecurrentCase.Uniform(random, 3 * hidden * (embed + hidden), 0.5), decHh = RecurrentCase.Uniform(random, 3 * hidden * hidden, 0.5);
        float[] decB = RecurrentCase.Uniform(random, 3 * hidden, 0.3);
        float[] r = RecurrentCase.Uniform(random, decoderGeometry.OutputLength(batch), 1.0);

        var encAll = new float[encoderGeometry.OutputLength(batch)];
        var encT = new float[batch * hidden];
        var decX = new float[decoderGeometry.InputLength(batch)];
        var decAll = new float[decoderGeometry.OutputLength(batch)];
        var encWs = new float[GruLayer.WorkspaceLength(encoderGeometry, batch)];
        var decWs = new float[GruLayer.WorkspaceLength(decoderGeometry, batch)];

        double Loss()
        {
            GruLayer.Forward(encoderGeometry, batch, source, [], encIh, encHh, encB, encB, encAll, encT, encWs);
            SequenceContext.Concatenate(target, encT, decX, decoderGeometry.Steps, batch, embed, hidden);
            GruLayer.Forward(decoderGeometry, batch, decX, encT, decIh, decHh, decB, decB, decAll, [], decWs);
            return RecurrentGradientTests.Dot(r, decAll);
        }

        Loss();
        var dDecX = new float[decX.Length];
        var dDecH0 = new float[batch * hidden];
        GruLayer.Backward(decoderGeometry, batch, decX, encT, decIh, decHh, decAll, r, [], dDecX, dDecH0,
            new float[decIh.Length], new float[decHh.Length], [], [], decWs);
        var dContext = new float[batch * hidden];
        SequenceContext.Backward(dDecX, [], dContext, decoderGeometry.Steps, batch, embed, hidden);
        var dEncT = new float[batch * hidden];
        for (int i = 0; i < dEncT.Length; i++) dEncT[i] = dDecH0[i] + dContext[i];

        var dSource = new float[source.Length];
        var dEncIh = new float[encIh.Length];
        var dEncHh = new float[encHh.Length];
        // The encoder's per-step outputs are unused here: dhAll is empty.
        GruLayer.Backward(encoderGeometry, batch, source, [], encIh, encHh, encAll, [], dEncT, dSource, [],
            dEncIh, dEncHh, [], [], encWs);

        GradientCheck.AssertMatches("source", source, dSource, Loss);
        GradientCheck.AssertMatches("encoder weight_ih", encIh, dEncIh, Loss);
        GradientCheck.AssertMatches("encoder weight_hh", encHh, dEncHh, Loss);
    }
}
