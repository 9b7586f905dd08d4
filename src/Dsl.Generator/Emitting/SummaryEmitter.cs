using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Dsl.Generator.Model;
using Dsl.Generator.Ops;

namespace Dsl.Generator.Emitting;

/// <summary>The Keras-style table in <c>Summary</c>: layer, output shape, parameters and FLOPs, then totals and planned memory.</summary>
public static class SummaryEmitter
{
    /// <summary>The summary text of <paramref name="model"/>, lines ending in <c>\n</c>.</summary>
    public static string Summarize(NetworkModel model)
    {
        var rows = new List<string[]> { new[] { "Layer (type)", "Output shape", "Param #", "FLOPs" } };
        rows.Add(new[] { "input (Input)", model.Input.ToString(), "0", "0" });
        foreach (Op op in model.Ops)
        {
            int parameters = op.Parameters.Sum(p => p.Length);
            rows.Add(new[] { $"{op.Name} ({op.TypeName})", op.Output.ToString(), Literals.Grouped(parameters), Literals.Grouped(op.Flops) });
        }
        int[] widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length)).ToArray();
        int total = widths.Sum() + 3 * 3;

        var text = new StringBuilder();
        text.Append("Network: ").Append(model.DisplayName).Append('\n');
        text.Append(new string('=', total)).Append('\n');
        for (int r = 0; r < rows.Count; r++)
        {
            string[] row = rows[r];
            text.Append(row[0].PadRight(widths[0])).Append("   ")
                .Append(row[1].PadRight(widths[1])).Append("   ")
                .Append(row[2].PadLeft(widths[2])).Append("   ")
                .Append(row[3].PadLeft(widths[3])).Append('\n');
            if (r == 0)
                text.Append(new string('-', total)).Append('\n');
        }
        text.Append(new string('=', total)).Append('\n');

        int parameterCount = model.Plan.ParameterCount;
        long flops = model.Ops.Sum(op => op.Flops);
        text.Append("Total params: ").Append(Literals.Grouped(parameterCount)).Append(" (").Append(Bytes(parameterCount * 4L)).Append(")\n");
        text.Append("Forward FLOPs per example: ").Append(Literals.Grouped(flops)).Append(" (multiply-adds in Conv and Dense, element operations in the other layers)\n");
        // Papers and torchvision quote a network's cost as the multiply-adds of its weight layers alone (ResNet-18: 1.8 G).
        long multiplyAdds = model.Ops.Where(op => op is ConvOp or DenseOp).Sum(op => op.Flops);
        text.Append("Multiply-adds in Conv and Dense per example: ").Append(Literals.Grouped(multiplyAdds)).Append(" (")
            .Append(Scaled(multiplyAdds)).Append(")\n");
        text.Append("Planned arena per example: ").Append(Literals.Grouped(model.Plan.FloatsPerExample)).Append(" floats (")
            .Append(Bytes(model.Plan.FloatsPerExample * 4L)).Append("), ")
            .Append(Literals.Grouped(model.Plan.FloatsPerExampleWithoutReuse)).Append(" without buffer reuse");
        if (model.Ops.Any(op => op.UsesWorkspace))
            text.Append(", plus convolution workspace");
        text.Append('\n');
        return text.ToString();
    }

    private static string Scaled(long count) => count switch
    {
        >= 1_000_000_000 => (count / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
        >= 1_000_000 => (count / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (count / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " k",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };

    // Binary units, spelt as such: 241.04 KiB is 241.04 × 1024 bytes.
    private static string Bytes(long bytes)
    {
        if (bytes < 1024)
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        if (bytes < 1024 * 1024)
            return (bytes / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " KiB";
        return (bytes / (1024.0 * 1024.0)).ToString("0.00", CultureInfo.InvariantCulture) + " MiB";
    }
}
