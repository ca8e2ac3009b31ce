using System.Globalization;
using System.Text;

namespace Parity.Native;

/// <summary>
/// Formats a <see cref="Tensor"/> the way <c>print(tensor)</c> does in PyTorch with default print options:
/// 4 decimals, one common width per tensor, integer mode when every value is whole, scientific mode for wide ranges,
/// 80-column wrapping of the innermost dimension, and summarisation (3 edge items) beyond 1000 elements.
/// </summary>
internal static class TensorFormatter
{
    private const int Precision = 4;
    private const int LineWidth = 80;
    private const int Threshold = 1000;
    private const int EdgeItems = 3;

    public static string Format(Tensor t)
    {
        const string prefix = "tensor(";
        string suffix = t.DType == DType.Float64 ? ", dtype=torch.float64" : "";
        if (t.Numel == 0)
        {
            string size = t.Dim == 1 ? "" : ", size=(" + string.Join(", ", t.ShapeArray()) + (t.Dim == 1 ? ",)" : ")");
            return prefix + "[]" + size + suffix + ")";
        }
        bool summarize = t.Numel > Threshold;
        var fmt = new ElementFormat(t, summarize);
        var sb = new StringBuilder(prefix);
        AppendTensor(sb, t, fmt, 0, 0, prefix.Length, summarize);
        sb.Append(suffix).Append(')');
        return sb.ToString();
    }

    private static void AppendTensor(StringBuilder sb, Tensor t, ElementFormat fmt, int dim, int offset, int indent, bool summarize)
    {
        if (t.Dim == 0)
        {
            sb.Append(fmt.Format(t.GetDouble(0)).Trim());
            return;
        }
        int size = t.Size(dim);
        int stride = 1;
        for (int d = dim + 1; d < t.Dim; d++)
        {
            stride *= t.Size(d);
        }
        var indices = Indices(size, summarize);
        if (dim == t.Dim - 1)
        {
            int perLine = Math.Max(1, (LineWidth - indent) / (fmt.Width + 2));
            sb.Append('[');
            for (int k = 0; k < indices.Count; k++)
            {
                if (k > 0)
                {
                    sb.Append(',');
                    sb.Append(k % perLine == 0 ? "\n" + new string(' ', indent + 1) : " ");
                }
                sb.Append(indices[k] < 0 ? "..." : fmt.Format(t.GetDouble(offset + indices[k])));
            }
            sb.Append(']');
            return;
        }
        sb.Append('[');
        string sep = "," + new string('\n', t.Dim - dim - 1) + new string(' ', indent + 1);
        for (int k = 0; k < indices.Count; k++)
        {
            if (k > 0)
            {
                sb.Append(sep);
            }
            if (indices[k] < 0)
            {
                sb.Append("...");
                continue;
            }
            AppendTensor(sb, t, fmt, dim + 1, offset + (indices[k] * stride), indent + 1, summarize);
        }
        sb.Append(']');
    }

    /// <summary>Indices to print along a dimension; -1 marks the ellipsis.</summary>
    private static List<int> Indices(int size, bool summarize)
    {
        var list = new List<int>();
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++)
            {
                list.Add(i);
            }
            list.Add(-1);
            for (int i = size - EdgeItems; i < size; i++)
            {
                list.Add(i);
            }
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                list.Add(i);
            }
        }
        return list;
    }

    /// <summary>The one format shared by every element of a tensor, chosen from its finite non-zero magnitudes.</summary>
    private sealed class ElementFormat
    {
        private readonly bool _int;
        private readonly bool _intMode;
        private readonly bool _sciMode;

        public ElementFormat(Tensor t, bool summarize)
        {
            _int = t.DType == DType.Int64;
            var values = t.ToDoubleArray();
            var finite = values.Where(double.IsFinite).ToArray();
            var nonzero = finite.Where(v => v != 0).Select(Math.Abs).ToArray();
            if (!_int)
            {
                _intMode = finite.All(v => Math.Ceiling(v) == v);
                if (nonzero.Length > 0)
                {
                    double max = nonzero.Max();
                    double min = nonzero.Min();
                    _sciMode = _intMode ? max > 1e8 : (max / min > 1000.0 || max > 1e8 || min < 1e-4);
                }
            }
            _ = summarize;
            Width = 1;
            foreach (double v in values)
            {
                Width = Math.Max(Width, Raw(v).Length);
            }
        }

        public int Width { get; }

        public string Format(double v) => Raw(v).PadLeft(Width);

        private string Raw(double v)
        {
            if (_int)
            {
                return ((long)v).ToString(CultureInfo.InvariantCulture);
            }
            if (double.IsNaN(v))
            {
                return "nan";
            }
            if (double.IsInfinity(v))
            {
                return v > 0 ? "inf" : "-inf";
            }
            if (_sciMode)
            {
                // Python's '{:.4e}': mantissa with 4 decimals, exponent with sign and at least 2 digits.
                string s = v.ToString("0.0000e+00", CultureInfo.InvariantCulture);
                return s;
            }
            if (_intMode)
            {
                return v.ToString("0", CultureInfo.InvariantCulture) + ".";
            }
            string f = v.ToString("F" + Precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (v == 0 && double.IsNegative(v))
            {
                f = "-" + f.TrimStart('-');
            }
            return f;
        }
    }
}
