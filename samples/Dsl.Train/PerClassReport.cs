using System.Globalization;
using System.Text;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>Test accuracy per Fashion-MNIST class: the overall figure hides that shirts are much harder than trousers.</summary>
internal static class PerClassReport
{
    public static string Format(INetwork net, Dataset test, int batchSize)
    {
        int classes = net.OutputSize;
        var correct = new int[classes];
        var total = new int[classes];
        for (int start = 0; start < test.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, test.Count - start);
            ReadOnlySpan<float> logits = net.Forward(test.Examples(start, n));
            for (int i = 0; i < n; i++)
            {
                var row = logits.Slice(i * classes, classes);
                int predicted = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[predicted]) predicted = c;
                int label = test.Labels[start + i];
                total[label]++;
                if (predicted == label) correct[label]++;
            }
        }

        const string title = "per-class test accuracy: ";
        var text = new StringBuilder(title);
        for (int c = 0; c < classes; c++)
        {
            if (c > 0 && c % 5 == 0) text.AppendLine().Append(' ', title.Length);
            else if (c > 0) text.Append("  ");
            string name = c < FashionMnist.ClassNames.Count ? FashionMnist.ClassNames[c] : $"class {c}";
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{name} {(total[c] == 0 ? "-" : ((double)correct[c] / total[c]).ToString("F3", CultureInfo.InvariantCulture))}"));
        }
        return text.ToString();
    }
}
