namespace Dsl.Runtime;

/// <summary>
/// Lays out named parameter tensors one after another in a single array, as a generated network does, so one
/// optimiser step and one gradient-clipping pass cover the whole model. Names follow PyTorch (<c>rnn.weight_ih_l0</c>).
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<ParameterInfo> _infos = [];

    /// <summary>Floats laid out so far: the length of the parameter and gradient arrays.</summary>
    public int Length { get; private set; }

    /// <summary>The tensors in layout order.</summary>
    public IReadOnlyList<ParameterInfo> Infos => _infos;

    /// <summary>Appends a tensor of the given shape and returns its offset. Throws on a repeated name or a non-positive dimension.</summary>
    public int Add(string name, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape.Length == 0) throw new ArgumentException($"Parameter {name} needs at least one dimension.", nameof(shape));
        long length = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Parameter {name} has shape [{string.Join(", ", shape)}]; every dimension must be positive.");
            length *= d;
        }
        if (_infos.Exists(p => p.Name == name)) throw new ArgumentException($"A parameter named {name} is already laid out.", nameof(name));
        if (Length + length > int.MaxValue) throw new ArgumentException($"Parameter {name} would take the model past {int.MaxValue} floats.", nameof(shape));
        int offset = Length;
        _infos.Add(new ParameterInfo(name, offset, (int)length, (int[])shape.Clone()));
        Length += (int)length;
        return offset;
    }

    /// <summary>The tensor called <paramref name="name"/>; throws naming the tensors there are when it is absent.</summary>
    public ParameterInfo this[string name] => _infos.Find(p => p.Name == name)
        ?? throw new KeyNotFoundException($"No parameter named {name}; the layout has {string.Join(", ", _infos.Select(p => p.Name))}.");
}
