using System.Numerics.Tensors;

namespace Dsl.Runtime;

/// <summary>
/// Token embedding as PyTorch's <c>nn.Embedding</c>: <c>weight [vocab, dim]</c>, output row k is weight row <c>tokens[k]</c>.
/// Tokens are in whatever order the caller wants the rows; for a recurrent layer that is time-major
/// (<c>[steps·batch]</c>, step-major), giving <c>[steps, batch, dim]</c>.
/// </summary>
public static class Embedding
{
    /// <summary><c>output[k, :] = weight[tokens[k], :]</c>. Throws when a token is outside <c>[0, vocab)</c>, naming it and its position.</summary>
    public static void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> weight, Span<float> output, int vocab, int dim)
    {
        CheckShapes(tokens.Length, weight.Length, output.Length, vocab, dim, nameof(weight), nameof(output));
        for (int k = 0; k < tokens.Length; k++)
        {
            int token = tokens[k];
            CheckToken(token, k, vocab);
            weight.Slice(token * dim, dim).CopyTo(output.Slice(k * dim, dim));
        }
    }

    /// <summary>
    /// Gradient of <see cref="Forward"/>: <paramref name="dWeight"/> is zeroed, then row <c>tokens[k]</c> accumulates
    /// <c>dOutput[k, :]</c> (a token that occurs several times sums its rows). Throws on an out-of-range token.
    /// </summary>
    public static void Backward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput, Span<float> dWeight, int vocab, int dim)
    {
        CheckShapes(tokens.Length, dWeight.Length, dOutput.Length, vocab, dim, nameof(dWeight), nameof(dOutput));
        // Validate first so a bad token leaves dWeight as it was rather than half-written.
        for (int k = 0; k < tokens.Length; k++) CheckToken(tokens[k], k, vocab);
        dWeight.Clear();
        for (int k = 0; k < tokens.Length; k++)
        {
            Span<float> row = dWeight.Slice(tokens[k] * dim, dim);
            TensorPrimitives.Add(row, dOutput.Slice(k * dim, dim), row);
        }
    }

    private static void CheckShapes(int tokens, int weight, int rows, int vocab, int dim, string weightName, string rowsName)
    {
        if (vocab <= 0) throw new ArgumentOutOfRangeException(nameof(vocab), vocab, "vocab must be positive.");
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be positive.");
        if (weight != vocab * dim)
            throw new ArgumentException($"{weightName} must have {vocab * dim} elements [{vocab}, {dim}] but has {weight}.", weightName);
        if (rows != tokens * dim)
            throw new ArgumentException($"{rowsName} must have {tokens * dim} elements [{tokens}, {dim}] for {tokens} tokens but has {rows}.", rowsName);
    }

    internal static void CheckToken(int token, int position, int vocab)
    {
        if ((uint)token >= (uint)vocab)
            throw new ArgumentOutOfRangeException("tokens", token, $"Token {token} at position {position} is outside the vocabulary [0, {vocab}).");
    }
}

/// <summary>One-hot encoding of integer tokens, as D2L feeds characters to a recurrent layer without an embedding.</summary>
public static class OneHot
{
    /// <summary><c>output[k, :]</c> is zero except 1 at <c>tokens[k]</c>; <paramref name="output"/> is <c>[tokens, classes]</c>. Throws on an out-of-range token.</summary>
    public static void Encode(ReadOnlySpan<int> tokens, Span<float> output, int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be positive.");
        if (output.Length != tokens.Length * classes)
            throw new ArgumentException($"output must have {tokens.Length * classes} elements [{tokens.Length}, {classes}] but has {output.Length}.", nameof(output));
        for (int k = 0; k < tokens.Length; k++) Embedding.CheckToken(tokens[k], k, classes);
        output.Clear();
        for (int k = 0; k < tokens.Length; k++) output[k * classes + tokens[k]] = 1f;
    }
}
