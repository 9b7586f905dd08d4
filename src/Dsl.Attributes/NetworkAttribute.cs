namespace Dsl;

/// <summary>
/// Marks a <c>partial</c> class as a network. The layer attributes that follow, in source order,
/// are the layers; the generator fills in the class with <c>Forward</c>, <c>TrainStep</c>,
/// <c>Summary</c> and the parameters.
/// </summary>
/// <example><code>
/// [Network(1, 28, 28)]
/// [Conv(6, 5, Padding = 2), ReLU, MaxPool(2)]
/// [Flatten, Dense(10)]
/// public partial class Tiny { }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <param name="inputShape">The shape of one example, without the batch: <c>(features)</c> or <c>(channels, height, width)</c>.</param>
    public NetworkAttribute(params int[] inputShape) => InputShape = inputShape;

    /// <summary>The shape of one example, without the batch.</summary>
    public int[] InputShape { get; }

    /// <summary>How weights are initialised; biases start at zero. Xavier (Glorot) uniform by default.</summary>
    public Initializer Init { get; set; } = Initializer.Xavier;

    /// <summary>Token input: each example is a sequence of token ids in <c>[0, Vocab)</c>, read by an
    /// <see cref="EmbeddingAttribute"/> or <see cref="OneHotAttribute"/>. 0 (the default) means float input of
    /// <see cref="InputShape"/>.</summary>
    public int Vocab { get; set; }

    /// <summary>Target vocabulary of an encoder–decoder network (the tokens after <see cref="DecoderAttribute"/>).</summary>
    public int TargetVocab { get; set; }

    /// <summary>Time steps per sequence for networks with recurrent layers (D2L's <c>num_steps</c>); buffers are planned
    /// for this length. With float input, every step is one vector of <see cref="InputShape"/>.</summary>
    public int Steps { get; set; }
}

/// <summary>Weight initialisation schemes.</summary>
public enum Initializer
{
    /// <summary>Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).</summary>
    Xavier = 0,
    /// <summary>He/Kaiming normal: N(0, 2 / fan_in), suited to ReLU.</summary>
    He = 1,
}
