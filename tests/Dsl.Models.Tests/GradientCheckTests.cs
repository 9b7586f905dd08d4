using Dsl.Runtime;
using Xunit;

namespace Dsl.Models.Tests;

/// <summary>Whole-network backward passes against central finite differences of the loss.</summary>
public class GradientCheckTests
{
    [Fact]
    public void TinyMlp_gradients_match_finite_differences()
        => CheckAll(new TinyMlp(seed: 3), batch: 4, seed: 11);

    [Fact]
    public void TinyConvNet_gradients_match_finite_differences()
        => CheckAll(new TinyConvNet(seed: 5), batch: 3, seed: 12);

    // Batch norm in training normalises with the batch statistics, so the loss ComputeGradients returns is a function
    // of the parameters through them; the running statistics it also updates do not enter that loss.
    [Fact]
    public void TinyNormMlp_gradients_match_finite_differences()
        => CheckAll(new TinyNormMlp(seed: 4), batch: 5, seed: 16);

    [Fact]
    public void TinyNormConvNet_gradients_match_finite_differences()
        => CheckAll(new TinyNormConvNet(seed: 6), batch: 4, seed: 17, NormStep);

    [Fact]
    public void BatchNormFirst_gradients_match_finite_differences()
        => CheckAll(new BatchNormFirst(seed: 7), batch: 6, seed: 18);

    [Fact]
    public void TinyResidualNet_gradients_match_finite_differences()
        => CheckAll(new TinyResidualNet(seed: 8), batch: 3, seed: 19, NormStep);

    [Fact]
    public void TinyStageNet_gradients_match_finite_differences()
        => CheckAll(new TinyStageNet(seed: 9), batch: 4, seed: 20, NormStep);

    [Fact]
    public void TinyInceptionNet_gradients_match_finite_differences()
        => CheckAll(new TinyInceptionNet(seed: 10), batch: 3, seed: 21);

    [Fact]
    public void TinyDenseNet_gradients_match_finite_differences()
        => CheckAll(new TinyDenseNet(seed: 11), batch: 3, seed: 22, NormStep);

    [Fact]
    public void TinyParallelNet_gradients_match_finite_differences()
        => CheckAll(new TinyParallelNet(seed: 12), batch: 3, seed: 23);

    [Fact]
    public void Mlp_gradients_match_finite_differences_on_sampled_parameters()
        => CheckSampled(new Mlp(seed: 1), batch: 2, samplesPerTensor: 12, seed: 13);

    [Fact]
    public void LeNetModern_gradients_match_finite_differences_on_sampled_parameters()
        => CheckSampled(new LeNetModern(seed: 2), batch: 2, samplesPerTensor: 12, seed: 14);

    [Fact]
    public void LeNetClassic_gradients_match_finite_differences_on_sampled_parameters()
        => CheckSampled(new LeNetClassic(seed: 2), batch: 2, samplesPerTensor: 12, seed: 15);

    // Batch norm couples every value of a channel through the batch statistics: nudging one weight upstream moves all of
    // them, and with a ReLU after the norm some cross zero. Those networks take a smaller step (1e-4, still well above
    // float32's resolution of the loss), which shrinks the chance of crossing a kink tenfold.
    private const float NormStep = 1e-4f;

    private static void CheckAll(INetwork net, int batch, int seed, float h = 1e-3f)
    {
        JitterBiases(net, seed);
        var (input, labels) = RandomBatch(net, batch, seed);
        var indices = Enumerable.Range(0, net.Parameters.Length).ToArray();
        Check(net, input, labels, indices, h);
    }

    private static void CheckSampled(INetwork net, int batch, int samplesPerTensor, int seed)
    {
        var (input, labels) = RandomBatch(net, batch, seed);
        var rng = new Random(seed);
        var indices = new List<int>();
        foreach (var p in net.ParameterInfos)
            for (int s = 0; s < Math.Min(samplesPerTensor, p.Length); s++)
                indices.Add(p.Offset + rng.Next(p.Length));
        Check(net, input, labels, indices.ToArray());
    }

    // Biases start at zero, so a ReLU whose input is all zeros (a dead channel upstream) sits exactly on its kink, where
    // the finite difference sees half a slope and backward none. Small random biases move every unit off the kink.
    private static void JitterBiases(INetwork net, int seed)
    {
        var rng = new Random(seed + 1000);
        foreach (var p in net.ParameterInfos)
            if (p.Name.EndsWith(".bias", StringComparison.Ordinal))
                for (int i = 0; i < p.Length; i++)
                    net.Parameters[p.Offset + i] = (float)(rng.NextDouble() * 0.2 - 0.1);
    }

    private static (float[] Input, int[] Labels) RandomBatch(INetwork net, int batch, int seed)
    {
        var rng = new Random(seed);
        var input = new float[batch * net.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(net.OutputSize);
        return (input, labels);
    }

    private static void Check(INetwork net, float[] input, int[] labels, int[] indices, float h = 1e-3f)
    {
        net.ComputeGradients(input, labels);
        float[] analytic = net.Gradients.ToArray();
        var failures = new List<string>();
        foreach (int i in indices)
        {
            float original = net.Parameters[i];
            net.Parameters[i] = original + h;
            double plus = net.ComputeGradients(input, labels);
            net.Parameters[i] = original - h;
            double minus = net.ComputeGradients(input, labels);
            net.Parameters[i] = original;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]);
            if (error > 2e-3 + 3e-2 * Math.Abs(numeric))
                failures.Add($"{NameOf(net, i)}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
        // h is small (1e-3) because a ReLU or max-pool kink inside [-h, h] makes a finite difference wrong; a broken backward
        // pass breaks many, so allow at most one in a hundred checked parameters.
        Assert.True(failures.Count <= indices.Length / 100,
            $"{failures.Count} of {indices.Length} gradients differ:\n" + string.Join("\n", failures.Take(20)));
    }

    private static string NameOf(INetwork net, int index)
    {
        foreach (var p in net.ParameterInfos)
            if (index >= p.Offset && index < p.Offset + p.Length) return $"{p.Name}[{index - p.Offset}]";
        return $"#{index}";
    }
}
