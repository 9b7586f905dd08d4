using System;
using System.Text;

namespace Dsl.Generator.Emitting;

/// <summary>A small indented text writer: generated code is built line by line, four spaces per level, <c>\n</c> line ends.</summary>
public sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line stays empty).</summary>
    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes several lines, each at the current indentation.</summary>
    public SourceWriter Lines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
            Line(line);
        return this;
    }

    /// <summary>Writes <c>{</c> and indents until the returned scope is disposed, which writes <c>}</c>.</summary>
    public Scope Block(string? header = null, string closing = "}")
    {
        if (header is not null)
            Line(header);
        Line("{");
        _indent++;
        return new Scope(this, closing);
    }

    /// <summary>Indents one level without braces until the returned scope is disposed.</summary>
    public Scope Indent()
    {
        _indent++;
        return new Scope(this, null);
    }

    /// <summary>Appends another writer's text, re-indented to the current level.</summary>
    public SourceWriter Append(SourceWriter other)
    {
        string text = other.ToString();
        if (text.EndsWith("\n", StringComparison.Ordinal))
            text = text.Substring(0, text.Length - 1);
        if (text.Length > 0)
            Lines(text);
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _text.ToString();

    /// <summary>Closes a <see cref="Block"/> or <see cref="Indent"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string? _closing;

        internal Scope(SourceWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _writer._indent--;
            if (_closing is not null)
                _writer.Line(_closing);
        }
    }
}
