using Dsl.Runtime;
using Xunit;

namespace Dsl.Generator.Tests;

/// <summary>
/// A test that constructs or runs a generated network and therefore needs the real Dsl.Runtime kernels. On a branch
/// where the runtime is still the skeleton's stubs it is skipped with a reason, so that a red run means a generator
/// bug and not a missing merge.
/// </summary>
public sealed class RuntimeFactAttribute : FactAttribute
{
    public RuntimeFactAttribute()
    {
        if (RuntimeProbe.MissingKernel is { } missing)
        {
            Skip = $"Dsl.Runtime on this branch is a stub ({missing} throws NotImplementedException); runs once the runtime is merged";
        }
    }
}

/// <summary>The theory counterpart of <see cref="RuntimeFactAttribute"/>.</summary>
public sealed class RuntimeTheoryAttribute : TheoryAttribute
{
    public RuntimeTheoryAttribute()
    {
        if (RuntimeProbe.MissingKernel is { } missing)
        {
            Skip = $"Dsl.Runtime on this branch is a stub ({missing} throws NotImplementedException); runs once the runtime is merged";
        }
    }
}

/// <summary>Calls each runtime entry point the zoo's generated code uses once, on tiny inputs.</summary>
internal static class RuntimeProbe
{
    public static readonly string? MissingKernel = Probe();

    private static string? Probe()
    {
        var conv = new Conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 0, 0);
        var pool = new Pool2dGeometry(1, 2, 2, 2, 2, 2, 2, 0, 0);
        var probes = new (string Name, Action Call)[]
        {
            ("Initializers.Xavier", () => { var rng = new Rng(1); Initializers.Xavier(new float[4], 2, 2, ref rng); }),
            ("Initializers.He", () => { var rng = new Rng(1); Initializers.He(new float[4], 2, ref rng); }),
            ("Dense.Forward", () => Dense.Forward(new float[2], new float[4], new float[2], new float[2], 1, 2, 2)),
            ("Activations.Relu", () => Activations.Relu(new float[2], new float[2])),
            ("Conv2d.WorkspaceLength", () => Conv2d.WorkspaceLength(in conv, 1)),
            ("Conv2d.Forward", () => Conv2d.Forward(in conv, 1, new float[9], new float[4], new float[1], new float[4], new float[Math.Max(0, SafeWorkspace(conv))])),
            ("MaxPool2d.Forward", () => MaxPool2d.Forward(in pool, 1, new float[4], new float[1])),
        };
        foreach (var (name, call) in probes)
        {
            try
            {
                call();
            }
            catch (NotImplementedException)
            {
                return name;
            }
            catch (Exception)
            {
                // Implemented, merely unhappy with the probe's tiny arguments.
            }
        }
        return null;
    }

    private static int SafeWorkspace(Conv2dGeometry g)
    {
        try
        {
            return Conv2d.WorkspaceLength(in g, 1);
        }
        catch (Exception)
        {
            return 64;
        }
    }
}
