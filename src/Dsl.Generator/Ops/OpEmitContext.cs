using System.Collections.Generic;
using System.Linq;

namespace Dsl.Generator.Ops;

/// <summary>How backward delivers the gradient of one input slot.</summary>
public enum GradientMode
{
    /// <summary>Nothing upstream needs it.</summary>
    None,
    /// <summary>Overwrite the input-gradient span.</summary>
    Write,
    /// <summary>Add into the input-gradient span: another reader of the input has already written it.</summary>
    Accumulate,
    /// <summary>The input gradient is the output gradient's memory (a view or a sum's first input): nothing to emit.</summary>
    Shared,
}

/// <summary>
/// The names an op's emitted calls use: span locals for its input, output and their gradients (chosen by the
/// planner), the properties of its parameters and the batch variable.
/// </summary>
public sealed class OpEmitContext
{
    /// <summary>Creates a context for one op.</summary>
    public OpEmitContext(
        string input, string output, string? outputGradient, string? inputGradient, string? mask,
        bool outputAliasesInput, IReadOnlyList<ParameterSpec> parameters,
        string? saved = null, IReadOnlyList<BufferSpec>? buffers = null)
    {
        Saved = saved;
        Buffers = buffers ?? System.Array.Empty<BufferSpec>();
        Input = input;
        Output = output;
        OutputGradient = outputGradient;
        InputGradient = inputGradient;
        Mask = mask;
        OutputAliasesInput = outputAliasesInput;
        Parameters = parameters;
        Inputs = new[] { input };
        InputGradients = new[] { inputGradient };
        InputGradientModes = new[] { inputGradient is null ? GradientMode.None : GradientMode.Write };
    }

    /// <summary>Span locals of every input, in slot order (ops with several inputs).</summary>
    public IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Span locals of every input gradient, in slot order, or null where none is wanted.</summary>
    public IReadOnlyList<string?> InputGradients { get; init; }

    /// <summary>How each input gradient is delivered (ops with <see cref="Op.CanAccumulateInputGradient"/> or
    /// <see cref="Op.PassesGradientThrough"/>; other ops always overwrite <see cref="InputGradient"/>).</summary>
    public IReadOnlyList<GradientMode> InputGradientModes { get; init; }

    /// <summary>The batch-size variable.</summary>
    public string Batch => "batch";

    /// <summary>Scratch span for convolutions.</summary>
    public string Workspace => "workspace";

    /// <summary>The training-mode flag of the forward method.</summary>
    public string Training => "training";

    /// <summary>The network's random generator field.</summary>
    public string Rng => "_rng";

    /// <summary>Span local holding the op's input.</summary>
    public string Input { get; }

    /// <summary>Span local the op writes its output to.</summary>
    public string Output { get; }

    /// <summary>Span local holding the gradient of the loss with respect to the output (backward only).</summary>
    public string? OutputGradient { get; }

    /// <summary>Span local to write the input gradient to, or null when nothing upstream needs it.</summary>
    public string? InputGradient { get; }

    /// <summary>Span local of the dropout mask.</summary>
    public string? Mask { get; }

    /// <summary>Span local of the state training forward saves for backward (batch statistics), or null.</summary>
    public string? Saved { get; }

    /// <summary>The op's buffers (running statistics) with their offsets.</summary>
    public IReadOnlyList<BufferSpec> Buffers { get; }

    /// <summary>The property viewing buffer <paramref name="suffix"/>.</summary>
    public string Buffer(string suffix) => Buffers.First(b => b.Suffix == suffix).PropertyName;

    /// <summary>Whether the planner put the output on top of the input (in place).</summary>
    public bool OutputAliasesInput { get; }

    /// <summary>The op's parameters with their offsets.</summary>
    public IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>The property viewing parameter <paramref name="suffix"/>, or <c>default</c> (an empty span) if the op has none.</summary>
    public string Parameter(string suffix) => Parameters.FirstOrDefault(p => p.Suffix == suffix)?.PropertyName ?? "default";

    /// <summary>The property viewing the gradient of parameter <paramref name="suffix"/>, or <c>default</c>.</summary>
    public string Gradient(string suffix) => Parameters.FirstOrDefault(p => p.Suffix == suffix)?.GradientPropertyName ?? "default";

    /// <summary>The input-gradient argument: the local, or <c>default</c> to let the kernel skip it.</summary>
    public string InputGradientOrDefault => InputGradient ?? "default";
}
