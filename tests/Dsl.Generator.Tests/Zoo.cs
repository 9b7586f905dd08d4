using System.Runtime.CompilerServices;

namespace Dsl.Generator.Tests;

/// <summary>
/// The declarations of the model zoo, read from the files in src/Dsl.Models, so the generator tests see exactly the
/// input the real build does without referencing the models project (whose build already ran the generator).
/// </summary>
internal static class Zoo
{
    public static string Mlp => Source(nameof(Mlp));
    public static string Mlp256 => Source(nameof(Mlp256));
    public static string LeNetClassic => Source(nameof(LeNetClassic));
    public static string LeNetModern => Source(nameof(LeNetModern));

    public static IReadOnlyList<(string Name, string Source)> All =>
    [
        (nameof(Mlp), Mlp),
        (nameof(Mlp256), Mlp256),
        (nameof(LeNetClassic), LeNetClassic),
        (nameof(LeNetModern), LeNetModern),
    ];

    /// <summary>The text of src/Dsl.Models/<paramref name="name"/>.cs.</summary>
    public static string Source(string name) => File.ReadAllText(Path.Combine(ModelsDirectory(), name + ".cs"));

    private static string ModelsDirectory([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "src", "Dsl.Models"));
}
