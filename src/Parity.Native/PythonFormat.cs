using System.Globalization;

namespace Parity.Native;

/// <summary>Python's spelling of values, for messages that reproduce PyTorch's Python-frontend texts.</summary>
public static class PythonFormat
{
    /// <summary>
    /// Python's <c>str(float)</c> (= <c>repr</c>): shortest round-trip digits, positional for decimal exponents in
    /// [−4, 16), else <c>d.ddde±XX</c>; <c>inf</c>, <c>-inf</c>, <c>nan</c>; integral values end in <c>.0</c>.
    /// </summary>
    public static string Float(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0.0" : "0.0";
        }
        // "E16" is not shortest; take the shortest digits from "R" and place the point ourselves.
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exp; // decimal exponent of the first digit
        int e = r.IndexOf('E', StringComparison.Ordinal);
        string mant = e < 0 ? r : r[..e];
        int shift = e < 0 ? 0 : int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        int dot = mant.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot < 0 ? mant : mant[..dot], frac = dot < 0 ? "" : mant[(dot + 1)..];
        string all = intPart + frac;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
        }
        digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        exp = intPart.Length - 1 - lead + shift;
        string sign = v < 0 ? "-" : "";
        if (exp is >= -4 and < 16)
        {
            if (exp < 0)
            {
                return sign + "0." + new string('0', -exp - 1) + digits;
            }
            if (digits.Length <= exp + 1)
            {
                return sign + digits + new string('0', exp + 1 - digits.Length) + ".0";
            }
            return sign + digits[..(exp + 1)] + "." + digits[(exp + 1)..];
        }
        string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return sign + m + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }
}
