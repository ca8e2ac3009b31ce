using System.Globalization;
using System.Text;
using Parity.Native;

namespace Parity.Snapshots;

/// <summary>
/// The text format of snapshot files, schema version 1 (described in docs/snapshots.md).
/// Writing is a pure function of the content, so the same content always gives the same bytes; reading is strict and
/// accepts only what writing produces, reporting the first problem with its line and column.
/// </summary>
internal static class SnapshotFormat
{
    /// <summary>The schema version this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The first line's keyword.</summary>
    public const string Magic = "parity-snapshot";

    private const uint Float32QuietNaN = 0x7FC00000;
    private const uint Float32NegativeQuietNaN = 0xFFC00000;
    private const ulong Float64QuietNaN = 0x7FF8000000000000;
    private const ulong Float64NegativeQuietNaN = 0xFFF8000000000000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks a metadata key or tensor name: <c>[A-Za-z0-9._:/-]+</c>.</summary>
    public static bool IsIdentifier(string s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws when the content cannot be written faithfully (bad or duplicate keys and names).</summary>
    public static void Validate(SnapshotContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(content.Metadata);
        ArgumentNullException.ThrowIfNull(content.Tensors);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in content.Metadata)
        {
            if (!IsIdentifier(key))
            {
                throw new ArgumentException($"metadata key '{key}' is not allowed: keys match [A-Za-z0-9._:/-]+", nameof(content));
            }
            if (!keys.Add(key))
            {
                throw new ArgumentException($"metadata key '{key}' appears twice", nameof(content));
            }
            if (value is null)
            {
                throw new ArgumentException($"metadata '{key}' has a null value", nameof(content));
            }
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in content.Tensors)
        {
            if (!IsIdentifier(name))
            {
                throw new ArgumentException($"tensor name '{name}' is not allowed: names match [A-Za-z0-9._:/-]+", nameof(content));
            }
            if (!names.Add(name))
            {
                throw new ArgumentException($"tensor '{name}' appears twice", nameof(content));
            }
            if (tensor is null)
            {
                throw new ArgumentException($"tensor '{name}' is null", nameof(content));
            }
        }
    }

    /// <summary>The file text for <paramref name="content"/> (LF line endings, ends with a newline).</summary>
    public static string Serialize(string name, SnapshotContent content)
    {
        Validate(content);
        var sb = new StringBuilder();
        sb.Append(Magic).Append(' ').Append(Version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("name ").Append(name).Append('\n');
        foreach (var (key, value) in content.Metadata)
        {
            sb.Append("meta ").Append(key).Append(' ');
            AppendQuoted(sb, value);
            sb.Append('\n');
        }
        if (content.Error is not null)
        {
            sb.Append("error ");
            AppendQuoted(sb, content.Error);
            sb.Append('\n');
        }
        foreach (var (tensorName, t) in content.Tensors)
        {
            sb.Append("tensor ").Append(tensorName).Append(' ').Append(t.DType.Name()).Append(' ')
              .Append(Tensor.ShapeString(t.Shape)).Append('\n');
            for (int i = 0; i < t.Numel; i++)
            {
                sb.Append(FormatElement(t, i)).Append('\n');
            }
        }
        sb.Append("end\n");
        return sb.ToString();
    }

    /// <summary>The UTF-8 bytes of <see cref="Serialize"/> (no byte order mark).</summary>
    public static byte[] SerializeBytes(string name, SnapshotContent content) => StrictUtf8.GetBytes(Serialize(name, content));

    /// <summary>The canonical spelling of element <paramref name="i"/>.</summary>
    public static string FormatElement(Tensor t, int i) => t.DType switch
    {
        DType.Float32 => Format(t.Float32Span[i]),
        DType.Float64 => Format(t.Float64Span[i]),
        DType.Int32 => t.Int32Span[i].ToString(CultureInfo.InvariantCulture),
        _ => t.Int64Span[i].ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Shortest round-trip float32 spelling: <c>0.2576</c>, <c>-0</c>, <c>1E-45</c>, <c>Infinity</c>, <c>-Infinity</c>,
    /// <c>NaN</c> (0x7FC00000), <c>-NaN</c> (0xFFC00000, the x86 default NaN), <c>NaN:0x7FC00001</c> (any other NaN).
    /// </summary>
    public static string Format(float v)
    {
        if (float.IsNaN(v))
        {
            uint bits = BitConverter.SingleToUInt32Bits(v);
            return bits switch
            {
                Float32QuietNaN => "NaN",
                Float32NegativeQuietNaN => "-NaN",
                _ => "NaN:0x" + bits.ToString("X8", CultureInfo.InvariantCulture),
            };
        }
        if (float.IsInfinity(v))
        {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Shortest round-trip float64 spelling, with the same NaN and infinity words as for float32.</summary>
    public static string Format(double v)
    {
        if (double.IsNaN(v))
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(v);
            return bits switch
            {
                Float64QuietNaN => "NaN",
                Float64NegativeQuietNaN => "-NaN",
                _ => "NaN:0x" + bits.ToString("X16", CultureInfo.InvariantCulture),
            };
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Appends <paramref name="s"/> in double quotes with <c>\" \\ \n \r \t \uXXXX</c> escapes.</summary>
    public static void AppendQuoted(StringBuilder sb, string s) => QuotedString.Append(sb, s);

    /// <summary>Parses a snapshot file's bytes; <paramref name="expectedName"/>, when given, must match the name line.</summary>
    /// <exception cref="SnapshotFormatException">The bytes are not a valid version-1 snapshot.</exception>
    public static SnapshotContent Parse(byte[] bytes, string path, string? expectedName) =>
        new Parser(bytes, path).Run(expectedName);

    private sealed class Parser(byte[] bytes, string path)
    {
        private string[] _lines = [];
        private int _line; // 0-based index of the current line

        public SnapshotContent Run(string? expectedName)
        {
            if (bytes.Length == 0)
            {
                throw Fail(1, 1, "the file is empty (truncated?); expected the header 'parity-snapshot 1'");
            }
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                throw Fail(1, 1, "the file starts with a UTF-8 byte order mark; snapshot files have none");
            }
            string text;
            try
            {
                text = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                int at = Math.Clamp(e.Index, 0, bytes.Length);
                int line = 1, lineStart = 0;
                for (int i = 0; i < at; i++)
                {
                    if (bytes[i] == (byte)'\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                }
                throw Fail(line, at - lineStart + 1, "invalid UTF-8");
            }
            _lines = text.Split('\n');
            for (int i = 0; i < _lines.Length; i++)
            {
                int cr = _lines[i].IndexOf('\r', StringComparison.Ordinal);
                if (cr >= 0)
                {
                    throw Fail(i + 1, cr + 1, "carriage return: snapshot files use LF line endings (see .gitattributes)");
                }
            }

            ParseHeader();
            string name = ParseName(expectedName);
            _ = name;
            var metadata = new List<KeyValuePair<string, string>>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (Peek("meta "))
            {
                string rest = Current[5..];
                int space = rest.IndexOf(' ', StringComparison.Ordinal);
                if (space <= 0)
                {
                    throw Fail(_line + 1, 6, "expected 'meta <key> \"<value>\"'");
                }
                string key = rest[..space];
                if (!IsIdentifier(key))
                {
                    throw Fail(_line + 1, 6, $"metadata key '{key}' has characters outside [A-Za-z0-9._:/-]");
                }
                if (!keys.Add(key))
                {
                    throw Fail(_line + 1, 6, $"metadata key '{key}' appears twice");
                }
                metadata.Add(new(key, ParseQuoted(Current, 5 + space + 1)));
                _line++;
            }
            string? error = null;
            if (Peek("error "))
            {
                error = ParseQuoted(Current, 6);
                _line++;
            }
            var tensors = new List<KeyValuePair<string, Tensor>>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            while (Peek("tensor "))
            {
                int headerLine = _line + 1;
                var (tensorName, tensor) = ParseTensor();
                if (!names.Add(tensorName))
                {
                    throw Fail(headerLine, 8, $"tensor '{tensorName}' appears twice");
                }
                tensors.Add(new(tensorName, tensor));
            }
            if (AtEof)
            {
                throw Fail(_line + 1, 1, "unexpected end of file (truncated?): expected 'tensor ...' or 'end'");
            }
            if (Current != "end")
            {
                string what = Current.StartsWith("meta ", StringComparison.Ordinal) ? "a 'meta' line after 'error' or 'tensor' lines"
                    : Current.StartsWith("error ", StringComparison.Ordinal) ? "a second or misplaced 'error' line"
                    : $"'{Abbrev(Current)}'";
                throw Fail(_line + 1, 1, $"unexpected {what}: expected 'tensor ...' or 'end'");
            }
            // "end" must be followed by exactly one newline and nothing else: the split leaves one empty last element.
            if (_line == _lines.Length - 1)
            {
                throw Fail(_line + 1, 4, "missing newline after 'end' (truncated?)");
            }
            if (_line != _lines.Length - 2 || _lines[^1].Length != 0)
            {
                throw Fail(_line + 2, 1, "unexpected content after 'end'");
            }
            return new SnapshotContent(metadata, tensors, error);
        }

        private bool AtEof => _line >= _lines.Length || (_line == _lines.Length - 1 && _lines[_line].Length == 0);

        private string Current => _lines[_line];

        private bool Peek(string prefix) => !AtEof && Current.StartsWith(prefix, StringComparison.Ordinal);

        private void ParseHeader()
        {
            string h = _lines[0];
            string prefix = Magic + " ";
            if (!h.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw Fail(1, 1, $"not a snapshot file: expected the header 'parity-snapshot {Version}', found '{Abbrev(h)}'");
            }
            string v = h[prefix.Length..];
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int version) ||
                version.ToString(CultureInfo.InvariantCulture) != v)
            {
                throw Fail(1, prefix.Length + 1, $"malformed schema version '{Abbrev(v)}'");
            }
            if (version != Version)
            {
                throw Fail(1, prefix.Length + 1, $"unsupported schema version {v}; this build reads version {Version}");
            }
            if (_lines.Length == 1)
            {
                throw Fail(1, h.Length + 1, "missing newline after the header (truncated?)");
            }
            _line = 1;
        }

        private string ParseName(string? expectedName)
        {
            if (AtEof)
            {
                throw Fail(_line + 1, 1, "unexpected end of file (truncated?): expected 'name <case name>'");
            }
            if (!Peek("name "))
            {
                throw Fail(_line + 1, 1, $"expected 'name <case name>', found '{Abbrev(Current)}'");
            }
            string name = Current[5..];
            if (!SnapshotNames.IsValid(name))
            {
                throw Fail(_line + 1, 6, $"invalid snapshot name '{Abbrev(name)}'");
            }
            if (expectedName is not null && name != expectedName)
            {
                throw Fail(_line + 1, 6, $"the file names snapshot '{name}' but is stored as '{expectedName}'");
            }
            _line++;
            return name;
        }

        private (string Name, Tensor Tensor) ParseTensor()
        {
            int lineNo = _line + 1;
            string l = Current;
            // tensor <name> <dtype> [<d0>, <d1>, ...]
            int p1 = l.IndexOf(' ', 7);
            int p2 = p1 < 0 ? -1 : l.IndexOf(' ', p1 + 1);
            if (p1 <= 7 || p2 < 0)
            {
                throw Fail(lineNo, 8, "expected 'tensor <name> <dtype> [<shape>]'");
            }
            string name = l[7..p1];
            if (!IsIdentifier(name))
            {
                throw Fail(lineNo, 8, $"tensor name '{name}' has characters outside [A-Za-z0-9._:/-]");
            }
            string dtypeText = l[(p1 + 1)..p2];
            DType dtype = dtypeText switch
            {
                "float32" => DType.Float32,
                "float64" => DType.Float64,
                "int64" => DType.Int64,
                "int32" => DType.Int32,
                _ => throw Fail(lineNo, p1 + 2, $"unknown dtype '{dtypeText}' (expected float32, float64, int64 or int32)"),
            };
            string shapeText = l[(p2 + 1)..];
            int[] shape = ParseShape(shapeText, lineNo, p2 + 2);
            var numel = System.Numerics.BigInteger.One;
            foreach (int d in shape)
            {
                numel *= d;
            }
            _line++;
            // A shape the rest of the file cannot fill is a truncated file or a damaged header: read what is there
            // (reporting a bad value where there is one) without allocating the declared size.
            if (numel > _lines.Length - _line)
            {
                var scratch = Tensor.Zeros(dtype, 1);
                int have = 0;
                for (; !AtEof; _line++, have++)
                {
                    ParseElement(scratch, 0, Current, _line + 1);
                }
                throw Fail(_line + 1, 1, $"unexpected end of file (truncated?): tensor '{name}' has {have} of {numel} values");
            }
            var t = Tensor.Zeros(dtype, shape);
            for (int i = 0; i < t.Numel; i++)
            {
                if (AtEof)
                {
                    throw Fail(_line + 1, 1, $"unexpected end of file (truncated?): tensor '{name}' has {i} of {t.Numel} values");
                }
                ParseElement(t, i, Current, _line + 1);
                _line++;
            }
            return (name, t);
        }

        private int[] ParseShape(string s, int lineNo, int column)
        {
            if (s.Length < 2 || s[0] != '[' || s[^1] != ']')
            {
                throw Fail(lineNo, column, $"expected a shape like [4, 5] or [], found '{Abbrev(s)}'");
            }
            string inner = s[1..^1];
            if (inner.Length == 0)
            {
                return [];
            }
            string[] parts = inner.Split(", ");
            var shape = new int[parts.Length];
            for (int d = 0; d < parts.Length; d++)
            {
                if (!int.TryParse(parts[d], NumberStyles.None, CultureInfo.InvariantCulture, out shape[d]) ||
                    shape[d].ToString(CultureInfo.InvariantCulture) != parts[d])
                {
                    throw Fail(lineNo, column, $"expected a shape like [4, 5] or [], found '{Abbrev(s)}'");
                }
            }
            return shape;
        }

        private void ParseElement(Tensor t, int i, string text, int lineNo)
        {
            switch (t.DType)
            {
                case DType.Float32:
                {
                    if (!TryParseFloat32(text, out float f))
                    {
                        throw Fail(lineNo, 1, $"expected a float32 value, found '{Abbrev(text)}'");
                    }
                    string canonical = Format(f);
                    if (canonical != text)
                    {
                        throw Fail(lineNo, 1, $"float32 value '{Abbrev(text)}' is not in canonical form; write it as '{canonical}'");
                    }
                    t.Float32Span[i] = f;
                    break;
                }
                case DType.Float64:
                {
                    if (!TryParseFloat64(text, out double d))
                    {
                        throw Fail(lineNo, 1, $"expected a float64 value, found '{Abbrev(text)}'");
                    }
                    string canonical = Format(d);
                    if (canonical != text)
                    {
                        throw Fail(lineNo, 1, $"float64 value '{Abbrev(text)}' is not in canonical form; write it as '{canonical}'");
                    }
                    t.Float64Span[i] = d;
                    break;
                }
                case DType.Int32:
                {
                    if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ||
                        n.ToString(CultureInfo.InvariantCulture) != text)
                    {
                        throw Fail(lineNo, 1, $"expected an int32 value, found '{Abbrev(text)}'");
                    }
                    t.Int32Span[i] = n;
                    break;
                }
                default:
                {
                    if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ||
                        v.ToString(CultureInfo.InvariantCulture) != text)
                    {
                        throw Fail(lineNo, 1, $"expected an int64 value, found '{Abbrev(text)}'");
                    }
                    t.Int64Span[i] = v;
                    break;
                }
            }
        }

        private static bool TryParseFloat32(string s, out float value)
        {
            switch (s)
            {
                case "NaN": value = BitConverter.UInt32BitsToSingle(Float32QuietNaN); return true;
                case "-NaN": value = BitConverter.UInt32BitsToSingle(Float32NegativeQuietNaN); return true;
                case "Infinity": value = float.PositiveInfinity; return true;
                case "-Infinity": value = float.NegativeInfinity; return true;
                default: break;
            }
            if (s.StartsWith("NaN:0x", StringComparison.Ordinal))
            {
                bool ok = uint.TryParse(s.AsSpan(6), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits);
                value = BitConverter.UInt32BitsToSingle(bits);
                return ok && s.Length == 14 && float.IsNaN(value);
            }
            return TryParseDecimal(s) && float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value)
                   || Fail(out value);
        }

        private static bool TryParseFloat64(string s, out double value)
        {
            switch (s)
            {
                case "NaN": value = BitConverter.UInt64BitsToDouble(Float64QuietNaN); return true;
                case "-NaN": value = BitConverter.UInt64BitsToDouble(Float64NegativeQuietNaN); return true;
                case "Infinity": value = double.PositiveInfinity; return true;
                case "-Infinity": value = double.NegativeInfinity; return true;
                default: break;
            }
            if (s.StartsWith("NaN:0x", StringComparison.Ordinal))
            {
                bool ok = ulong.TryParse(s.AsSpan(6), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bits);
                value = BitConverter.UInt64BitsToDouble(bits);
                return ok && s.Length == 22 && double.IsNaN(value);
            }
            return TryParseDecimal(s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)
                   || Fail(out value);
        }

        /// <summary>Only digits, sign, point and exponent: keeps .NET's word forms ("∞", "nan") out of the number path.</summary>
        private static bool TryParseDecimal(string s)
        {
            if (s.Length == 0)
            {
                return false;
            }
            foreach (char c in s)
            {
                if (!(char.IsAsciiDigit(c) || c is '-' or '+' or '.' or 'E' or 'e'))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool Fail<T>(out T value)
        {
            value = default!;
            return false;
        }

        /// <summary>Reads a double-quoted, escaped string that starts at 0-based <paramref name="start"/> and ends the line.</summary>
        private string ParseQuoted(string l, int start)
        {
            int lineNo = _line + 1;
            if (start >= l.Length || l[start] != '"')
            {
                throw Fail(lineNo, start + 1, "expected a double-quoted value");
            }
            var sb = new StringBuilder();
            int i = start + 1;
            while (true)
            {
                if (i >= l.Length)
                {
                    throw Fail(lineNo, i + 1, "unterminated quoted value (truncated?)");
                }
                char c = l[i];
                if (c == '"')
                {
                    break;
                }
                if (c == '\\')
                {
                    if (i + 1 >= l.Length)
                    {
                        throw Fail(lineNo, i + 1, "unterminated escape sequence");
                    }
                    char e = l[i + 1];
                    switch (e)
                    {
                        case '"': sb.Append('"'); i += 2; continue;
                        case '\\': sb.Append('\\'); i += 2; continue;
                        case 'n': sb.Append('\n'); i += 2; continue;
                        case 'r': sb.Append('\r'); i += 2; continue;
                        case 't': sb.Append('\t'); i += 2; continue;
                        case 'u':
                            if (i + 6 <= l.Length && ushort.TryParse(l.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort u))
                            {
                                sb.Append((char)u);
                                i += 6;
                                continue;
                            }
                            throw Fail(lineNo, i + 1, "malformed \\u escape: expected four hex digits");
                        default:
                            throw Fail(lineNo, i + 1, $"unknown escape sequence '\\{e}'");
                    }
                }
                if (c < 0x20 || c == 0x7F)
                {
                    throw Fail(lineNo, i + 1, "unescaped control character in a quoted value");
                }
                sb.Append(c);
                i++;
            }
            if (i + 1 != l.Length)
            {
                throw Fail(lineNo, i + 2, "unexpected text after the closing quote");
            }
            return sb.ToString();
        }

        private static string Abbrev(string s) => s.Length <= 40 ? s : s[..40] + "…";

        private SnapshotFormatException Fail(int line, int column, string reason) => new(path, line, column, reason);
    }
}
