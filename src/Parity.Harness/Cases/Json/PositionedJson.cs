using System.Globalization;
using System.Text;

namespace Parity.Harness.Cases.Json;

/// <summary>The kind of a <see cref="PositionedJson"/> node.</summary>
internal enum PJKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A JSON value that remembers where it was written (1-based line and column of its first character), so the case
/// reader can name the exact position of a bad field. Numbers keep their source text so each dtype parses it itself
/// (a float32 value is parsed as float32, never rounded twice through double).
/// </summary>
internal sealed class PositionedJson
{
    public PositionedJson(PJKind kind, int line, int column)
    {
        Kind = kind;
        Line = line;
        Column = column;
    }

    public PJKind Kind { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The string value, or the number's source text.</summary>
    public string Text { get; init; } = "";

    /// <summary>Object members in written order (duplicates are rejected by the parser).</summary>
    public List<KeyValuePair<string, PositionedJson>> Members { get; } = [];

    /// <summary>Array items.</summary>
    public List<PositionedJson> Items { get; } = [];

    public PositionedJson? Get(string key)
    {
        foreach (var m in Members)
        {
            if (m.Key == key)
            {
                return m.Value;
            }
        }
        return null;
    }

    public string KindName => Kind switch
    {
        PJKind.Object => "an object",
        PJKind.Array => "an array",
        PJKind.String => "a string",
        PJKind.Number => "a number",
        PJKind.True or PJKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>A syntax error in JSON text, with its 1-based position.</summary>
internal sealed class JsonSyntaxException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>A small strict JSON parser (RFC 8259) that records positions.</summary>
internal sealed class PositionedJsonParser
{
    private readonly string _s;
    private int _i;
    private int _line = 1;
    private int _lineStart;

    private PositionedJsonParser(string s) => _s = s;

    public static PositionedJson Parse(string text)
    {
        var p = new PositionedJsonParser(text);
        if (p._s.Length > 0 && p._s[0] == '\uFEFF')
        {
            p._i = 1;
            p._lineStart = 1;
        }
        p.SkipWs();
        if (p._i >= p._s.Length)
        {
            throw p.Error("the document is empty");
        }
        var v = p.ParseValue(0);
        p.SkipWs();
        if (p._i < p._s.Length)
        {
            throw p.Error($"unexpected '{p._s[p._i]}' after the end of the document");
        }
        return v;
    }

    private JsonSyntaxException Error(string message) => new(message, _line, _i - _lineStart + 1);

    private void SkipWs()
    {
        while (_i < _s.Length)
        {
            char c = _s[_i];
            if (c == '\n')
            {
                _line++;
                _lineStart = _i + 1;
            }
            else if (c is not (' ' or '\t' or '\r'))
            {
                return;
            }
            _i++;
        }
    }

    private PositionedJson ParseValue(int depth)
    {
        if (depth > 64)
        {
            throw Error("nesting deeper than 64 levels");
        }
        if (_i >= _s.Length)
        {
            throw Error("unexpected end of input (truncated JSON?)");
        }
        int line = _line, col = _i - _lineStart + 1;
        char c = _s[_i];
        switch (c)
        {
            case '{':
                return ParseObject(depth, line, col);
            case '[':
                return ParseArray(depth, line, col);
            case '"':
                return new PositionedJson(PJKind.String, line, col) { Text = ParseString() };
            case 't':
                Literal("true");
                return new PositionedJson(PJKind.True, line, col);
            case 'f':
                Literal("false");
                return new PositionedJson(PJKind.False, line, col);
            case 'n':
                Literal("null");
                return new PositionedJson(PJKind.Null, line, col);
            default:
                if (c == '-' || char.IsAsciiDigit(c))
                {
                    return new PositionedJson(PJKind.Number, line, col) { Text = ParseNumber() };
                }
                throw Error($"unexpected character '{c}'");
        }
    }

    private void Literal(string word)
    {
        if (string.CompareOrdinal(_s, _i, word, 0, word.Length) != 0)
        {
            throw _i + word.Length > _s.Length && word.StartsWith(_s[_i..], StringComparison.Ordinal)
                ? Error("unexpected end of input (truncated JSON?)")
                : Error($"invalid literal (expected '{word}')");
        }
        _i += word.Length;
    }

    private PositionedJson ParseObject(int depth, int line, int col)
    {
        var node = new PositionedJson(PJKind.Object, line, col);
        _i++;
        SkipWs();
        if (_i < _s.Length && _s[_i] == '}')
        {
            _i++;
            return node;
        }
        while (true)
        {
            SkipWs();
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside an object (truncated JSON?)");
            }
            if (_s[_i] != '"')
            {
                throw Error($"expected a property name in double quotes, found '{_s[_i]}'");
            }
            int kline = _line, kcol = _i - _lineStart + 1;
            string key = ParseString();
            if (node.Get(key) is not null)
            {
                throw new JsonSyntaxException($"duplicate property \"{key}\"", kline, kcol);
            }
            SkipWs();
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside an object (truncated JSON?)");
            }
            if (_s[_i] != ':')
            {
                throw Error($"expected ':' after the property name, found '{_s[_i]}'");
            }
            _i++;
            SkipWs();
            node.Members.Add(new(key, ParseValue(depth + 1)));
            SkipWs();
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside an object (truncated JSON?)");
            }
            if (_s[_i] == ',')
            {
                _i++;
                continue;
            }
            if (_s[_i] == '}')
            {
                _i++;
                return node;
            }
            throw Error($"expected ',' or '}}' in an object, found '{_s[_i]}'");
        }
    }

    private PositionedJson ParseArray(int depth, int line, int col)
    {
        var node = new PositionedJson(PJKind.Array, line, col);
        _i++;
        SkipWs();
        if (_i < _s.Length && _s[_i] == ']')
        {
            _i++;
            return node;
        }
        while (true)
        {
            SkipWs();
            node.Items.Add(ParseValue(depth + 1));
            SkipWs();
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside an array (truncated JSON?)");
            }
            if (_s[_i] == ',')
            {
                _i++;
                continue;
            }
            if (_s[_i] == ']')
            {
                _i++;
                return node;
            }
            throw Error($"expected ',' or ']' in an array, found '{_s[_i]}'");
        }
    }

    private string ParseString()
    {
        _i++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside a string (truncated JSON?)");
            }
            char c = _s[_i++];
            if (c == '"')
            {
                return sb.ToString();
            }
            if (c < ' ')
            {
                _i--;
                throw Error("control character in a string");
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_i >= _s.Length)
            {
                throw Error("unexpected end of input inside a string (truncated JSON?)");
            }
            char e = _s[_i++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_i + 4 > _s.Length || !int.TryParse(_s.AsSpan(_i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error("invalid \\u escape");
                    }
                    sb.Append((char)code);
                    _i += 4;
                    break;
                default:
                    _i--;
                    throw Error($"invalid escape '\\{e}'");
            }
        }
    }

    private string ParseNumber()
    {
        int start = _i;
        if (_s[_i] == '-')
        {
            _i++;
        }
        if (_i >= _s.Length || !char.IsAsciiDigit(_s[_i]))
        {
            throw Error("invalid number");
        }
        if (_s[_i] == '0')
        {
            _i++;
        }
        else
        {
            Digits();
        }
        if (_i < _s.Length && _s[_i] == '.')
        {
            _i++;
            if (_i >= _s.Length || !char.IsAsciiDigit(_s[_i]))
            {
                throw Error("invalid number: digits expected after '.'");
            }
            Digits();
        }
        if (_i < _s.Length && (_s[_i] == 'e' || _s[_i] == 'E'))
        {
            _i++;
            if (_i < _s.Length && (_s[_i] == '+' || _s[_i] == '-'))
            {
                _i++;
            }
            if (_i >= _s.Length || !char.IsAsciiDigit(_s[_i]))
            {
                throw Error("invalid number: digits expected in the exponent");
            }
            Digits();
        }
        return _s[start.._i];
    }

    private void Digits()
    {
        while (_i < _s.Length && char.IsAsciiDigit(_s[_i]))
        {
            _i++;
        }
    }
}
