using Dsl.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Models.Tests;

/// <summary>
/// Each zoo model learns real data: a few epochs on a subset of Fashion-MNIST must reach a test accuracy that an
/// untrained network (about 0.10) or one with a broken backward pass cannot. CI installs the dataset package.
/// </summary>
public class FashionMnistTrainingTests(ITestOutputHelper output)
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_data =
        new(() => FashionMnist.Load(FashionMnist.DefaultDirectory));

    [Fact]
    public void LeNetModern_learns_a_fashion_mnist_subset()
        => AssertLearns(new LeNetModern(seed: 1), new Sgd(0.05f, momentum: 0.9f), examples: 12_000, epochs: 2, bar: 0.78);

    [Fact]
    public void Mlp_learns_a_fashion_mnist_subset()
        => AssertLearns(new Mlp(seed: 1), new Sgd(0.1f, momentum: 0.9f), examples: 12_000, epochs: 2, bar: 0.78);

    [Fact]
    public void Mlp256_learns_a_fashion_mnist_subset()
        => AssertLearns(new Mlp256(seed: 1), new Sgd(0.1f, momentum: 0.9f), examples: 12_000, epochs: 2, bar: 0.78);

    [Fact]
    public void LeNetClassic_learns_a_fashion_mnist_subset()
        => AssertLearns(new LeNetClassic(seed: 1), new Sgd(0.9f), examples: 12_000, epochs: 10, bar: 0.5);

    // Chapter 8's networks, scaled to Fashion-MNIST: a short run on a subset must clear a bar that an untrained network
    // (about 0.10) or one with a broken backward pass through its blocks cannot. The three without batch norm learn slowly
    // from SGD in so few steps (0.38-0.57 after 94 steps, varying with the step size), so their checks use Adam.
    [Fact]
    public void AlexNetSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new AlexNetSmall(seed: 1), new Adam(1e-3f), examples: 6_000, epochs: 2, bar: 0.6);

    [Fact]
    public void VggSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new VggSmall(seed: 1), new Sgd(0.02f, momentum: 0.9f), examples: 4_000, epochs: 2, bar: 0.6);

    [Fact]
    public void NiNSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new NiNSmall(seed: 1), new Adam(1e-3f), examples: 6_000, epochs: 2, bar: 0.5);

    [Fact]
    public void GoogLeNetSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new GoogLeNetSmall(seed: 1), new Adam(1e-3f), examples: 6_000, epochs: 2, bar: 0.5);

    [Fact]
    public void ResNetSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new ResNetSmall(seed: 1), new Sgd(0.05f, momentum: 0.9f), examples: 4_000, epochs: 2, bar: 0.6);

    [Fact]
    public void ResNeXtSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new ResNeXtSmall(seed: 1), new Sgd(0.05f, momentum: 0.9f), examples: 4_000, epochs: 2, bar: 0.6);

    [Fact]
    public void DenseNetSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new DenseNetSmall(seed: 1), new Sgd(0.05f, momentum: 0.9f), examples: 4_000, epochs: 2, bar: 0.6);

    [Fact]
    public void RegNetSmall_learns_a_fashion_mnist_subset()
        => AssertLearns(new RegNetSmall(seed: 1), new Sgd(0.05f, momentum: 0.9f), examples: 4_000, epochs: 2, bar: 0.6);

    private void AssertLearns(INetwork net, Optimizer optimizer, int examples, int epochs, double bar)
    {
        var (train, test) = s_data.Value;
        const int batch = 128;
        int inputSize = net.InputSize;
        var order = Enumerable.Range(0, examples).ToArray();
        var x = new float[batch * inputSize];
        var y = new int[batch];
        var shuffle = new Random(7);
        double untrained = Accuracy(net, test, 2000);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            shuffle.Shuffle(order);
            for (int start = 0; start + batch <= examples; start += batch)
            {
                for (int i = 0; i < batch; i++)
                {
                    int e = order[start + i];
                    train.Features.AsSpan(e * inputSize, inputSize).CopyTo(x.AsSpan(i * inputSize));
                    y[i] = train.Labels[e];
                }
                float loss = net.TrainStep(x, y, optimizer);
                Assert.False(float.IsNaN(loss), $"loss became NaN in epoch {epoch + 1}");
            }
        }
        double accuracy = Accuracy(net, test, 2000);
        output.WriteLine($"{net.GetType().Name}: untrained {untrained:F3}, after {epochs} epochs on {examples} examples {accuracy:F3}");
        Assert.True(accuracy >= bar, $"test accuracy {accuracy:F3} is below the bar {bar:F2} (untrained: {untrained:F3})");
    }

    private static double Accuracy(INetwork net, Dataset data, int count)
    {
        int correct = 0;
        const int chunk = 500;
        for (int start = 0; start < count; start += chunk)
        {
            var logits = net.Forward(data.Features.AsSpan(start * net.InputSize, chunk * net.InputSize));
            correct += Metrics.CountCorrect(logits, data.Labels.AsSpan(start, chunk), chunk, net.OutputSize);
        }
        return (double)correct / count;
    }
}
