using System.Globalization;
using System.Text;
using Parity.Native;
using Parity.Snapshots;

namespace Parity.Harness.Cases.Json;

/// <summary>
/// A tiny JSON tree for output with a stable, readable layout: objects one member per line, arrays of scalars on one
/// line. Numbers are written by the caller in the shortest round-trip form of their dtype.
/// </summary>
public abstract class JsonOut
{
    /// <summary>Writes the tree as indented JSON text (no trailing newline).</summary>
    public string ToJson()
    {
        var sb = new StringBuilder();
        Write(sb, 0);
        return sb.ToString();
    }

    /// <summary>Writes the tree as JSON text on one line (no spaces).</summary>
    public string ToCompactJson()
    {
        var sb = new StringBuilder();
        WriteCompact(sb);
        return sb.ToString();
    }

    internal abstract void Write(StringBuilder sb, int indent);

    internal abstract void WriteCompact(StringBuilder sb);

    internal virtual bool IsScalar => true;

    /// <summary>A JSON string.</summary>
    public static JsonOut String(string s) => new Raw(Quote(s));

    /// <summary>A JSON boolean.</summary>
    public static JsonOut Bool(bool b) => new Raw(b ? "true" : "false");

    /// <summary>JSON null.</summary>
    public static JsonOut Null() => new Raw("null");

    /// <summary>An integer.</summary>
    public static JsonOut Int(long v) => new Raw(v.ToString(CultureInfo.InvariantCulture));

    /// <summary>A double in shortest round-trip form; NaN/±∞ as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>.</summary>
    public static JsonOut Double(double v) => new Raw(FormatNumber(v));

    /// <summary>A float in float32's shortest round-trip form; NaN/±∞ as strings.</summary>
    public static JsonOut Float(float v) => new Raw(FormatNumber(v));

    /// <summary>Element <paramref name="i"/> of a tensor in the shortest round-trip form of its dtype.</summary>
    public static JsonOut Element(Tensor t, int i)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.DType switch
        {
            DType.Float32 => Float(t.Float32Span[i]),
            DType.Float64 => Double(t.Float64Span[i]),
            DType.Int32 => Int(t.Int32Span[i]),
            _ => Int(t.Int64Span[i]),
        };
    }

    /// <summary>The tensor format <c>T</c> of the eval results (<see cref="Evaluation.ResultWriter"/>): <c>{"shape": [...], "values": [flat, row-major]}</c>.</summary>
    public static JsonOut TensorValue(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var values = new Arr();
        for (int i = 0; i < t.Numel; i++)
        {
            values.Add(Element(t, i));
        }
        return new Obj().Add("shape", Shape(t.Shape)).Add("values", values);
    }

    /// <summary>A shape as an array of integers.</summary>
    public static Arr Shape(ReadOnlySpan<int> shape)
    {
        var a = new Arr();
        foreach (int s in shape)
        {
            a.Add(Int(s));
        }
        return a;
    }

    /// <summary>Shortest round-trip text of a double (invariant culture), or the NaN/Infinity strings quoted.</summary>
    public static string FormatNumber(double v) =>
        double.IsNaN(v) ? "\"NaN\"" : double.IsPositiveInfinity(v) ? "\"Infinity\"" : double.IsNegativeInfinity(v) ? "\"-Infinity\""
        : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip text of a float (invariant culture), or the NaN/Infinity strings quoted.</summary>
    public static string FormatNumber(float v) =>
        float.IsNaN(v) ? "\"NaN\"" : float.IsPositiveInfinity(v) ? "\"Infinity\"" : float.IsNegativeInfinity(v) ? "\"-Infinity\""
        : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A JSON string literal with escapes.</summary>
    public static string Quote(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return QuotedString.Of(s);
    }

    private sealed class Raw(string text) : JsonOut
    {
        internal override void Write(StringBuilder sb, int indent) => sb.Append(text);

        internal override void WriteCompact(StringBuilder sb) => sb.Append(text);
    }

    /// <summary>A JSON object with members in insertion order.</summary>
    public sealed class Obj : JsonOut
    {
        private readonly List<KeyValuePair<string, JsonOut>> _members = [];

        internal override bool IsScalar => false;

        /// <summary>Appends a member.</summary>
        public Obj Add(string key, JsonOut value)
        {
            _members.Add(new(key, value));
            return this;
        }

        internal override void WriteCompact(StringBuilder sb)
        {
            sb.Append('{');
            for (int i = 0; i < _members.Count; i++)
            {
                sb.Append(i > 0 ? "," : "").Append(Quote(_members[i].Key)).Append(':');
                _members[i].Value.WriteCompact(sb);
            }
            sb.Append('}');
        }

        internal override void Write(StringBuilder sb, int indent)
        {
            if (_members.Count == 0)
            {
                sb.Append("{}");
                return;
            }
            sb.Append("{\n");
            for (int i = 0; i < _members.Count; i++)
            {
                sb.Append(' ', indent + 2).Append(Quote(_members[i].Key)).Append(": ");
                _members[i].Value.Write(sb, indent + 2);
                sb.Append(i + 1 < _members.Count ? ",\n" : "\n");
            }
            sb.Append(' ', indent).Append('}');
        }
    }

    /// <summary>A JSON array; written on one line when it holds only scalars (and nested scalar arrays).</summary>
    public sealed class Arr : JsonOut
    {
        private readonly List<JsonOut> _items = [];

        internal override bool IsScalar => false;

        /// <summary>Appends an item.</summary>
        public Arr Add(JsonOut item)
        {
            _items.Add(item);
            return this;
        }

        private bool Inline => _items.All(i => i.IsScalar || (i is Arr a && a.Inline));

        internal override void WriteCompact(StringBuilder sb)
        {
            sb.Append('[');
            for (int i = 0; i < _items.Count; i++)
            {
                sb.Append(i > 0 ? "," : "");
                _items[i].WriteCompact(sb);
            }
            sb.Append(']');
        }

        internal override void Write(StringBuilder sb, int indent)
        {
            if (Inline)
            {
                sb.Append('[');
                for (int i = 0; i < _items.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }
                    _items[i].Write(sb, indent);
                }
                sb.Append(']');
                return;
            }
            sb.Append("[\n");
            for (int i = 0; i < _items.Count; i++)
            {
                sb.Append(' ', indent + 2);
                _items[i].Write(sb, indent + 2);
                sb.Append(i + 1 < _items.Count ? ",\n" : "\n");
            }
            sb.Append(' ', indent).Append(']');
        }
    }
}
