using System.Globalization;
using System.Text;

namespace Parity.Snapshots;

/// <summary>
/// The one string-literal escaper, shared by the case JSON writer and the snapshot format:
/// double quotes, with <c>\" \\ \n \r \t</c> and <c>\uXXXX</c> for other control characters, DEL and lone surrogates,
/// so the result is valid JSON and round-trips through either reader.
/// </summary>
internal static class QuotedString
{
    /// <summary>Appends <paramref name="s"/> as a quoted, escaped literal.</summary>
    public static void Append(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    bool lone = char.IsSurrogate(c) &&
                                !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) &&
                                !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1]));
                    if (c < 0x20 || c == 0x7F || lone)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary><paramref name="s"/> as a quoted, escaped literal.</summary>
    public static string Of(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        Append(sb, s);
        return sb.ToString();
    }
}
