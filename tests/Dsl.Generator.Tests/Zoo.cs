namespace Dsl.Generator.Tests;

/// <summary>
/// The declarations of the model zoo (src/Dsl.Models), copied attribute for attribute, so the generator tests see
/// the same input the real build does without depending on the models project.
/// </summary>
internal static class Zoo
{
    public const string Mlp = """
        using Dsl;

        namespace Dsl.Models;

        /// <summary>
        /// The multilayer perceptron of Dive into Deep Learning (§5.2): 784 inputs (a flattened 28×28 image), one hidden layer
        /// of 256 ReLU units, 10 class scores. 203,530 parameters.
        /// </summary>
        [Network(784)]
        [Dense(256), ReLU]
        [Dense(10)]
        public partial class Mlp { }
        """;

    public const string Mlp256 = """
        using Dsl;

        namespace Dsl.Models;

        /// <summary>
        /// The deeper perceptron of the Fashion-MNIST benchmark table: 784 → 256 → 128 → 100 → 10 with ReLU between the layers.
        /// </summary>
        [Network(784)]
        [Dense(256), ReLU]
        [Dense(128), ReLU]
        [Dense(100), ReLU]
        [Dense(10)]
        public partial class Mlp256 { }
        """;

    public const string LeNetClassic = """
        using Dsl;

        namespace Dsl.Models;

        /// <summary>
        /// LeNet-5 as in Dive into Deep Learning (§7.6): sigmoid activations and average pooling, as LeCun et al. (1998) had
        /// it, on 1×28×28 images (the first convolution pads by 2 to keep 28×28). 61,706 parameters.
        /// </summary>
        [Network(1, 28, 28)]
        [Conv(6, 5, Padding = 2), Sigmoid, AvgPool(2)]
        [Conv(16, 5), Sigmoid, AvgPool(2)]
        [Flatten, Dense(120), Sigmoid, Dense(84), Sigmoid, Dense(10)]
        public partial class LeNetClassic { }
        """;

    public const string LeNetModern = """
        using Dsl;

        namespace Dsl.Models;

        /// <summary>
        /// LeNet-5 with today's choices: ReLU activations and max pooling, same shapes and parameter count (61,706) as
        /// <see cref="LeNetClassic"/>; trains faster and further on MNIST-like data.
        /// </summary>
        [Network(1, 28, 28)]
        [Conv(6, 5, Padding = 2), ReLU, MaxPool(2)]
        [Conv(16, 5), ReLU, MaxPool(2)]
        [Flatten, Dense(120), ReLU, Dense(84), ReLU, Dense(10)]
        public partial class LeNetModern { }
        """;

    /// <summary>Name and declaration of every zoo model.</summary>
    public static readonly IReadOnlyList<(string Name, string Source)> All =
    [
        (nameof(Mlp), Mlp),
        (nameof(Mlp256), Mlp256),
        (nameof(LeNetClassic), LeNetClassic),
        (nameof(LeNetModern), LeNetModern),
    ];
}
