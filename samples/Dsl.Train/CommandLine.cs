using System.Globalization;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>A command line that cannot be run; the message says what was wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The sample's options, parsed from <c>--name value</c> or <c>--name=value</c> arguments.</summary>
internal sealed record CommandLine
{
    public string Model { get; private set; } = ModelRegistry.DefaultModel;
    public int Epochs { get; private set; } = 10;
    public int BatchSize { get; private set; } = 256;
    public float? LearningRate { get; private set; }
    public float? Momentum { get; private set; }
    public float? WeightDecay { get; private set; }
    public string? DataDirectory { get; private set; }
    public int? Threads { get; private set; }
    public int Seed { get; private set; }
    public int Patience { get; private set; }
    public int Validation { get; private set; }
    public int? Limit { get; private set; }
    public bool SummaryOnly { get; private set; }
    public bool Help { get; private set; }

    public static string Usage
    {
        get
        {
            var text = new System.Text.StringBuilder();
            text.AppendLine("Trains a network written with the Dsl attributes on Fashion-MNIST and reports its test accuracy.");
            text.AppendLine();
            text.AppendLine("usage: dotnet run -c Release --project samples/Dsl.Train -- [options]");
            text.AppendLine();
            text.AppendLine("  --model NAME        one of the models below (default lenet-modern)");
            text.AppendLine("  --epochs N          most epochs to run (default 10)");
            text.AppendLine("  --batch N           minibatch size (default 256)");
            text.AppendLine("  --lr X              SGD learning rate (default: per model, below)");
            text.AppendLine("  --momentum X        SGD momentum, 0 for plain SGD (default: per model, below)");
            text.AppendLine("  --weight-decay X    L2 weight decay, applied to every parameter (default 0)");
            text.AppendLine("  --patience N        stop after N epochs without a better accuracy, then restore the best epoch's");
            text.AppendLine("                      parameters (default: off); watches the test set unless --validation is given");
            text.AppendLine("  --validation N      hold out the last N training examples as a validation set for --patience");
            text.AppendLine("  --limit N           train on the first N training examples only, for quick runs");
            text.AppendLine($"  --data DIR          directory holding the four Fashion-MNIST IDX files, .gz or not");
            text.AppendLine($"                      (default {FashionMnist.DefaultDirectory}, from the Debian package {FashionMnist.DebianPackage})");
            text.AppendLine($"  --threads N         threads the kernels use (default: all {Environment.ProcessorCount} processors)");
            text.AppendLine("  --seed N            seed of the initial weights and of the shuffle (default 0)");
            text.AppendLine("  --summary           print the model's layer table and exit");
            text.AppendLine("  -h, --help          print this help and exit");
            text.AppendLine();
            text.AppendLine("sequence models (chapters 9-10): lm, translate, sine; e.g. `-- lm --help`");
            text.AppendLine();
            text.AppendLine("models                                                                   default lr  momentum");
            foreach (var m in ModelRegistry.All)
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {m.Name,-15}{m.Description,-56}{m.Defaults.LearningRate,10:0.###}{m.Defaults.Momentum,10:0.###}"));
            return text.ToString();
        }
    }

    /// <exception cref="UsageException">An option is unknown, lacks its value, or has a value out of range.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{name} needs a value.");
                return args[++i];
            }

            switch (name)
            {
                case "-h" or "--help" or "-?": result.Help = true; break;
                case "--summary": result.SummaryOnly = true; break;
                case "--model":
                    string model = Value();
                    result.Model = ModelRegistry.Find(model)?.Name
                        ?? throw new UsageException($"--model expects one of {string.Join(", ", ModelRegistry.All.Select(m => m.Name))} but got '{model}'.");
                    break;
                case "--epochs": result.Epochs = Int(name, Value(), min: 1); break;
                case "--batch": result.BatchSize = Int(name, Value(), min: 1); break;
                case "--lr": result.LearningRate = Float(name, Value(), positive: true); break;
                case "--momentum":
                    result.Momentum = Float(name, Value(), positive: false);
                    if (result.Momentum >= 1f) throw new UsageException($"--momentum expects a value in [0, 1) but got {result.Momentum}.");
                    break;
                case "--weight-decay": result.WeightDecay = Float(name, Value(), positive: false); break;
                case "--data": result.DataDirectory = Value(); break;
                case "--threads": result.Threads = Int(name, Value(), min: 1); break;
                case "--seed": result.Seed = Int(name, Value(), min: 0); break;
                case "--patience": result.Patience = Int(name, Value(), min: 1); break;
                case "--validation": result.Validation = Int(name, Value(), min: 1); break;
                case "--limit": result.Limit = Int(name, Value(), min: 1); break;
                default:
                    throw new UsageException(arg.StartsWith('-') ? $"unknown option '{name}'." : $"unexpected argument '{arg}'; options start with --.");
            }
            if (inlineValue is not null && name is "-h" or "--help" or "-?" or "--summary")
                throw new UsageException($"{name} takes no value.");
        }
        return result;
    }

    private static int Int(string name, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min)
            throw new UsageException($"{name} expects {(min == 0 ? "a whole number ≥ 0" : min == 1 ? "a positive whole number" : $"a whole number ≥ {min}")} but got '{value}'.");
        return n;
    }

    private static float Float(string name, string value, bool positive)
    {
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x) || (positive ? x <= 0 : x < 0))
            throw new UsageException($"{name} expects {(positive ? "a positive number" : "a number ≥ 0")} but got '{value}'.");
        return x;
    }
}
