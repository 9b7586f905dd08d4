using System.Globalization;
using System.Text;

namespace Dsl.Runtime;

/// <summary>Saving and loading a <see cref="Vocabulary"/> as UTF-8 text, so a trained model's indices can be reused.</summary>
/// <remarks>
/// Format: a header line <c># dsl-vocabulary 1</c>, a line <c>reserved&lt;TAB&gt;N</c>, then one line per token in
/// index order, <c>token&lt;TAB&gt;frequency</c>. Backslash, tab, carriage return and line feed inside a token are
/// written as <c>\\ \t \r \n</c>, so character vocabularies (which hold " " and "\n") survive.
/// </remarks>
public sealed partial class Vocabulary
{
    private const string Header = "# dsl-vocabulary 1";

    /// <summary>
    /// Writes the vocabulary to <paramref name="path"/>: first to a temporary file next to it, then renamed over it,
    /// so a reader never sees half a file.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.NewLine = "\n";
                writer.WriteLine(Header);
                writer.WriteLine("reserved\t" + ReservedCount.ToString(CultureInfo.InvariantCulture));
                for (int i = 0; i < _tokens.Length; i++)
                    writer.WriteLine(Escape(_tokens[i]) + "\t" + _frequencies[i].ToString(CultureInfo.InvariantCulture));
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { }   // keep the original error, not the clean-up's
            throw;
        }
    }

    /// <summary>Reads a vocabulary written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not in that format; the message names the line.</exception>
    public static Vocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string[] lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--;   // the final newline
        if (count < 3 || lines[0] != Header)
            throw new InvalidDataException($"{path}: expected a first line '{Header}' and at least the reserved count and <unk>, but found {count} lines starting '{(count > 0 ? lines[0] : "")}'.");
        string[] reservedParts = lines[1].Split('\t');
        if (reservedParts.Length != 2 || reservedParts[0] != "reserved"
            || !int.TryParse(reservedParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int reservedCount))
            throw new InvalidDataException($"{path}, line 2: expected 'reserved<TAB>count' but found '{lines[1]}'.");

        var tokens = new string[count - 2];
        var frequencies = new long[count - 2];
        for (int i = 0; i < tokens.Length; i++)
        {
            string line = lines[i + 2];
            int tab = line.LastIndexOf('\t');
            if (tab < 0 || !long.TryParse(line.AsSpan(tab + 1), NumberStyles.None, CultureInfo.InvariantCulture, out frequencies[i]))
                throw new InvalidDataException($"{path}, line {i + 3}: expected 'token<TAB>frequency' but found '{line}'.");
            tokens[i] = Unescape(line.AsSpan(0, tab), path, i + 3);
        }
        if (reservedCount < 1 || reservedCount > tokens.Length)
            throw new InvalidDataException($"{path}: the reserved count {reservedCount} must lie between 1 and the {tokens.Length} tokens listed.");
        try { return new Vocabulary(tokens, frequencies, reservedCount); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    private static string Escape(string token)
    {
        if (token.AsSpan().IndexOfAny("\\\t\r\n") < 0) return token;
        var sb = new StringBuilder(token.Length + 4);
        foreach (char c in token)
            sb.Append(c switch { '\\' => "\\\\", '\t' => "\\t", '\r' => "\\r", '\n' => "\\n", _ => c.ToString() });
        return sb.ToString();
    }

    private static string Unescape(ReadOnlySpan<char> text, string path, int line)
    {
        if (text.IndexOf('\\') < 0) return text.ToString();
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { sb.Append(text[i]); continue; }
            if (++i == text.Length)
                throw new InvalidDataException($"{path}, line {line}: a token ends in a lone backslash; expected one of \\\\ \\t \\r \\n.");
            sb.Append(text[i] switch
            {
                '\\' => '\\', 't' => '\t', 'r' => '\r', 'n' => '\n',
                _ => throw new InvalidDataException($"{path}, line {line}: unknown escape '\\{text[i]}'; expected one of \\\\ \\t \\r \\n."),
            });
        }
        return sb.ToString();
    }
}
