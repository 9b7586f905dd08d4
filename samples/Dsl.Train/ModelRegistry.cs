using Dsl.Models;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>Default optimiser settings for a model: plain SGD (momentum 0) or SGD with momentum, as PyTorch's <c>torch.optim.SGD</c>.</summary>
internal readonly record struct SgdSettings(float LearningRate, float Momentum, float WeightDecay);

/// <summary>A model the sample can train: how to build it, its compile-time summary, and optimiser defaults that suit it.</summary>
internal sealed record ModelEntry(string Name, string Description, Func<int, INetwork> Create, Func<string> Summary, SgdSettings Defaults);

/// <summary>The zoo's Fashion-MNIST classifiers (generated classes in Dsl.Models), by command-line name.</summary>
internal static class ModelRegistry
{
    // The sigmoid LeNet keeps the book's own setting (plain SGD, lr 0.9, batch 256, 10 epochs; D2L 7.6): sigmoid layers
    // pass back small gradients, which is why it needs a large step to leave its initial plateau within 10 epochs.
    // The MLPs use momentum 0.9 with lr 0.02: D2L's plain SGD at lr 0.1 made the test accuracy swing by 3 points from
    // epoch to epoch here (0.826-0.864 over epochs 8-10 for mlp256), while lr 0.02 with momentum rose steadily to 0.879.
    // The ReLU LeNet uses the common recipe for small CNNs: momentum 0.9 with lr 0.05, an effective step of 0.5 at batch 256.
    public static IReadOnlyList<ModelEntry> All { get; } =
    [
        new("mlp", "784-256-10 MLP, ReLU (D2L 5.2)", seed => new Mlp(seed), () => Mlp.Summary, new(0.02f, 0.9f, 0f)),
        new("mlp256", "784-256-128-100-10 MLP, ReLU (Fashion-MNIST benchmark)", seed => new Mlp256(seed), () => Mlp256.Summary, new(0.02f, 0.9f, 0f)),
        new("lenet-classic", "LeNet-5: sigmoid, average pooling (D2L 7.6)", seed => new LeNetClassic(seed), () => LeNetClassic.Summary, new(0.9f, 0f, 0f)),
        new("lenet-modern", "LeNet-5 with ReLU and max pooling", seed => new LeNetModern(seed), () => LeNetModern.Summary, new(0.05f, 0.9f, 0f)),
        // Chapter 8's modern CNNs at Fashion-MNIST size (src/Dsl.Models/FashionMnist). SGD with momentum 0.9 throughout;
        // the networks without batch norm take a smaller step, those with it a larger one and weight decay as torchvision's
        // ResNet recipe (1e-4, scaled here to 5e-4 for the small data set).
        new("alexnet", "AlexNet's design, scaled down (D2L 8.1)", seed => new AlexNetSmall(seed), () => AlexNetSmall.Summary, new(0.02f, 0.9f, 0f)),
        new("vgg", "VGG blocks 16-32-64 (D2L 8.2)", seed => new VggSmall(seed), () => VggSmall.Summary, new(0.02f, 0.9f, 0f)),
        new("nin", "NiN blocks, global average pooling (D2L 8.3)", seed => new NiNSmall(seed), () => NiNSmall.Summary, new(0.02f, 0.9f, 0f)),
        new("googlenet", "stem and two Inception blocks (D2L 8.4)", seed => new GoogLeNetSmall(seed), () => GoogLeNetSmall.Summary, new(0.02f, 0.9f, 0f)),
        new("resnet", "ResNet-18's shape, three stages of basic blocks (D2L 8.6)", seed => new ResNetSmall(seed), () => ResNetSmall.Summary, new(0.05f, 0.9f, 5e-4f)),
        new("resnext", "ResNeXt bottleneck stages, grouped convolutions (D2L 8.6.5)", seed => new ResNeXtSmall(seed), () => ResNeXtSmall.Summary, new(0.05f, 0.9f, 5e-4f)),
        new("densenet", "dense blocks and a transition (D2L 8.7)", seed => new DenseNetSmall(seed), () => DenseNetSmall.Summary, new(0.05f, 0.9f, 5e-4f)),
        new("regnet", "D2L's RegNetX-32: AnyNet stages, group width 16 (D2L 8.8)", seed => new RegNetSmall(seed), () => RegNetSmall.Summary, new(0.05f, 0.9f, 5e-4f)),
        // Recurrent classifiers (src/Dsl.Models/Sequence): each image is 28 steps of one 28-pixel row, batch-major as the
        // images already are; the last step's hidden state is classified.
        new("row-lstm", "LSTM 128 over the 28 rows, last step classified (D2L 10.1)", seed => new RowLstm(seed), () => RowLstm.Summary, new(0.05f, 0.9f, 0f)),
        new("row-gru", "GRU 128 over the 28 rows, last step classified (D2L 10.2)", seed => new RowGru(seed), () => RowGru.Summary, new(0.05f, 0.9f, 0f)),
    ];

    public const string DefaultModel = "lenet-modern";

    public static ModelEntry? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
