using Xunit;

namespace Dsl.Runtime.Tests.Recurrent;

/// <summary>
/// The kernels composed the way generated code will compose them: embedding → recurrent layer → linear read-out →
/// masked sequence cross-entropy → backward → clipping → Adam, with every buffer allocated up front.
/// </summary>
public class CharModelTests
{
    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Training_step_allocates_nothing_after_warm_up(CellKind kind)
    {
        var model = new CharModel(kind, vocab: 5, embedding: 4, hidden: 8, steps: 6, batch: 2, seed: 1);
        var adam = new Adam(0.01f);
        model.TrainStep(adam, offset: 0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.TrainStep(adam, offset: 1);
        model.TrainStep(adam, offset: 2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Learns_to_continue_a_periodic_sequence(CellKind kind)
    {
        var model = new CharModel(kind, vocab: 5, embedding: 4, hidden: 12, steps: 8, batch: 4, seed: 2);
        var adam = new Adam(0.05f);
        float first = model.TrainStep(adam, offset: 0);
        float last = first;
        for (int i = 1; i < 150; i++) last = model.TrainStep(adam, offset: i % 5);
        Assert.True(first > 1.2f, $"initial loss {first} should be near log 5 = 1.61");
        Assert.True(last < 0.1f, $"{kind}: loss {first} → {last}, perplexity {Perplexity.FromMeanCrossEntropy(last):F3}");
    }

    /// <summary>A character model over the sequence 0 1 2 3 4 0 1 … with no allocation per step.</summary>
    private sealed class CharModel
    {
        private readonly CellKind _kind;
        private readonly RecurrentGeometry _g;
        private readonly int _vocab, _embedding, _hidden, _batch;
        private readonly float[] _parameters, _gradients;
        private readonly int _embeddingAt, _weightIhAt, _weightHhAt, _biasIhAt, _biasHhAt, _outWeightAt, _outBiasAt;
        private readonly int _weightIhLength, _weightHhLength, _biasLength;
        private readonly int[] _tokens, _targets, _lengths;
        private readonly float[] _x, _hAll, _hT, _cT, _workspace, _logits, _dLogits, _dhAll, _dx;

        public CharModel(CellKind kind, int vocab, int embedding, int hidden, int steps, int batch, int seed)
        {
            _kind = kind;
            _g = new RecurrentGeometry(embedding, hidden, steps);
            (_vocab, _embedding, _hidden, _batch) = (vocab, embedding, hidden, batch);
            int gates = RecurrentCase.GatesOf(kind);
            _weightIhLength = gates * hidden * embedding;
            _weightHhLength = gates * hidden * hidden;
            _biasLength = gates * hidden;
            _embeddingAt = 0;
            _weightIhAt = _embeddingAt + vocab * embedding;
            _weightHhAt = _weightIhAt + _weightIhLength;
            _biasIhAt = _weightHhAt + _weightHhLength;
            _biasHhAt = _biasIhAt + _biasLength;
            _outWeightAt = _biasHhAt + _biasLength;
            _outBiasAt = _outWeightAt + vocab * hidden;
            int count = _outBiasAt + vocab;
            _parameters = RecurrentCase.Uniform(new Random(seed), count, 1.0 / Math.Sqrt(hidden));
            _gradients = new float[count];

            int rows = steps * batch;
            _tokens = new int[rows];
            _targets = new int[rows];
            _lengths = new int[batch];
            Array.Fill(_lengths, steps);
            _x = new float[rows * embedding];
            _dx = new float[rows * embedding];
            _hAll = new float[rows * hidden];
            _dhAll = new float[rows * hidden];
            _hT = new float[batch * hidden];
            _cT = new float[batch * hidden];
            _workspace = new float[RecurrentCase.WorkspaceLength(kind, _g, batch)];
            _logits = new float[rows * vocab];
            _dLogits = new float[rows * vocab];
        }

        private Span<float> P(int at, int length) => _parameters.AsSpan(at, length);
        private Span<float> G(int at, int length) => _gradients.AsSpan(at, length);

        public float TrainStep(Adam adam, int offset)
        {
            // Sequence b starts at offset + b; time-major token order.
            for (int t = 0; t < _g.Steps; t++)
                for (int b = 0; b < _batch; b++)
                {
                    _tokens[t * _batch + b] = (offset + b + t) % _vocab;
                    _targets[t * _batch + b] = (offset + b + t + 1) % _vocab;
                }
            int rows = _g.Steps * _batch;
            Embedding.Forward(_tokens, P(_embeddingAt, _vocab * _embedding), _x, _vocab, _embedding);
            ReadOnlySpan<float> wIh = P(_weightIhAt, _weightIhLength), wHh = P(_weightHhAt, _weightHhLength);
            ReadOnlySpan<float> bIh = P(_biasIhAt, _biasLength), bHh = P(_biasHhAt, _biasLength);
            switch (_kind)
            {
                case CellKind.Rnn: RnnLayer.Forward(_g, _batch, _x, [], wIh, wHh, bIh, bHh, _hAll, _hT, _workspace); break;
                case CellKind.Lstm: LstmLayer.Forward(_g, _batch, _x, [], [], wIh, wHh, bIh, bHh, _hAll, _hT, _cT, _workspace); break;
                default: GruLayer.Forward(_g, _batch, _x, [], wIh, wHh, bIh, bHh, _hAll, _hT, _workspace); break;
            }
            Gemm.Multiply(_hAll, false, P(_outWeightAt, _vocab * _hidden), true, _logits, rows, _vocab, _hidden);
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < _vocab; v++) _logits[r * _vocab + v] += _parameters[_outBiasAt + v];

            float loss = SequenceCrossEntropy.ForwardBackward(_logits, _targets, _lengths, _dLogits, _g.Steps, _batch, _vocab);

            Gemm.Multiply(_dLogits, true, _hAll, false, G(_outWeightAt, _vocab * _hidden), _vocab, _hidden, rows);
            Span<float> dOutBias = G(_outBiasAt, _vocab);
            dOutBias.Clear();
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < _vocab; v++) dOutBias[v] += _dLogits[r * _vocab + v];
            Gemm.Multiply(_dLogits, false, P(_outWeightAt, _vocab * _hidden), false, _dhAll, rows, _hidden, _vocab);
            Span<float> dwIh = G(_weightIhAt, _weightIhLength), dwHh = G(_weightHhAt, _weightHhLength);
            Span<float> dbIh = G(_biasIhAt, _biasLength), dbHh = G(_biasHhAt, _biasLength);
            switch (_kind)
            {
                case CellKind.Rnn: RnnLayer.Backward(_g, _batch, _x, [], wIh, wHh, _hAll, _dhAll, [], _dx, [], dwIh, dwHh, dbIh, dbHh, _workspace); break;
                case CellKind.Lstm: LstmLayer.Backward(_g, _batch, _x, [], [], wIh, wHh, _hAll, _dhAll, [], [], _dx, [], [], dwIh, dwHh, dbIh, dbHh, _workspace); break;
                default: GruLayer.Backward(_g, _batch, _x, [], wIh, wHh, _hAll, _dhAll, [], _dx, [], dwIh, dwHh, dbIh, dbHh, _workspace); break;
            }
            Embedding.Backward(_tokens, _dx, G(_embeddingAt, _vocab * _embedding), _vocab, _embedding);

            GradientClipping.ClipByGlobalNorm(_gradients, 1f);
            adam.Step(_parameters, _gradients);
            return loss;
        }
    }
}
