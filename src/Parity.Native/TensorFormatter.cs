using System.Globalization;
using System.Text;

namespace Parity.Native;

/// <summary>
/// Formats a <see cref="Tensor"/> the way <c>print(tensor)</c> does in PyTorch with default print options
/// (<c>torch/_tensor_str.py</c>): 4 decimals, one common width per tensor, integer mode when every value is whole,
/// scientific mode for wide ranges, 80-column wrapping of the innermost dimension, and summarisation (3 edge items)
/// beyond 1000 elements.
/// </summary>
/// <remarks>
/// The shared format is chosen from the non-zero finite values only (of the summarised data when summarising):
/// integer mode if all are whole; then scientific if max/min &gt; 1000 or max &gt; 1e8 (or, outside integer mode,
/// min &lt; 1e-4). The width is the longest of those values; zeros and non-finite values are padded to it but do not
/// widen it. Numbers are rounded as Python's <c>format</c> rounds (correctly rounded, ties to even).
/// </remarks>
internal static class TensorFormatter
{
    private const int Precision = 4;
    private const int LineWidth = 80;
    private const int Threshold = 1000;
    private const int EdgeItems = 3;

    public static string Format(Tensor t)
    {
        const string prefix = "tensor(";
        var suffixes = new List<string>();
        string body;
        if (t.Numel == 0)
        {
            if (t.Dim != 1)
            {
                suffixes.Add("size=(" + string.Join(", ", t.ShapeArray()) + (t.Dim == 1 ? ",)" : ")"));
            }
            if (t.DType != DType.Float32)
            {
                suffixes.Add("dtype=torch." + t.DType.Name());
            }
            body = "[]";
        }
        else
        {
            if (t.DType is DType.Float64 or DType.Int32)
            {
                // Only the default dtypes (float32, and int64 for integers) go unnamed.
                suffixes.Add("dtype=torch." + t.DType.Name());
            }
            bool summarize = t.Numel > Threshold;
            var fmt = new ElementFormat(t, summarize ? SummarizedValues(t) : t.ToDoubleArray());
            var sb = new StringBuilder();
            if (t.Dim == 0)
            {
                sb.Append(fmt.Format(t.GetDouble(0)));
            }
            else
            {
                AppendTensor(sb, t, fmt, 0, 0, prefix.Length, summarize);
            }
            body = sb.ToString();
        }
        var result = new StringBuilder(prefix).Append(body);
        foreach (string s in suffixes)
        {
            result.Append(", ").Append(s);
        }
        return result.Append(')').ToString();
    }

    private static void AppendTensor(StringBuilder sb, Tensor t, ElementFormat fmt, int dim, int offset, int indent, bool summarize)
    {
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
                sb.Append(indices[k] < 0 ? " ..." : fmt.Format(t.GetDouble(offset + indices[k])));
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

    /// <summary>The values PyTorch's <c>get_summarized_data</c> keeps: the edge items of every dimension.</summary>
    private static double[] SummarizedValues(Tensor t)
    {
        var values = new List<double>();
        void Walk(int dim, int offset)
        {
            if (dim == t.Dim)
            {
                values.Add(t.GetDouble(offset));
                return;
            }
            int stride = 1;
            for (int d = dim + 1; d < t.Dim; d++)
            {
                stride *= t.Size(d);
            }
            foreach (int i in Indices(t.Size(dim), summarize: true))
            {
                if (i >= 0)
                {
                    Walk(dim + 1, offset + (i * stride));
                }
            }
        }
        Walk(0, 0);
        return [.. values];
    }

    /// <summary>The one format shared by every element of a tensor (PyTorch's <c>_Formatter</c>).</summary>
    private sealed class ElementFormat
    {
        private readonly bool _floating;
        private readonly bool _intMode = true;
        private readonly bool _sciMode;

        public ElementFormat(Tensor t, double[] values)
        {
            _floating = t.DType.IsFloatingPoint();
            Width = 1;
            if (!_floating)
            {
                foreach (double v in values)
                {
                    Width = Math.Max(Width, ((long)v).ToString(CultureInfo.InvariantCulture).Length);
                }
                return;
            }
            var nonzero = values.Where(v => double.IsFinite(v) && v != 0).ToArray();
            if (nonzero.Length == 0)
            {
                return;
            }
            double max = nonzero.Max(Math.Abs);
            double min = nonzero.Min(Math.Abs);
            _intMode = nonzero.All(v => Math.Ceiling(v) == v);
            _sciMode = _intMode ? (max / min > 1000.0 || max > 1.0e8) : (max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4);
            foreach (double v in nonzero)
            {
                int len = _sciMode ? Sci(v).Length : _intMode ? Fixed(v, 0).Length + 1 : Fixed(v, Precision).Length;
                Width = Math.Max(Width, len);
            }
        }

        public int Width { get; }

        public string Format(double v) => Raw(v).PadLeft(Width);

        private string Raw(double v)
        {
            if (!_floating)
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
                return Sci(v);
            }
            return _intMode ? Fixed(v, 0) + "." : Fixed(v, Precision);
        }

        /// <summary>Python's <c>'{:.Nf}'</c>: .NET's standard "F" format is correctly rounded with ties to even, as Python is.</summary>
        private static string Fixed(double v, int decimals) =>
            v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        /// <summary>Python's <c>'{:.4e}'</c>: mantissa with 4 decimals, exponent with a sign and at least two digits.</summary>
        private static string Sci(double v)
        {
            string s = v.ToString("E" + Precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            int e = s.IndexOf('E', StringComparison.Ordinal);
            int exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            string sign = exponent < 0 ? "-" : "+";
            return s[..e] + "e" + sign + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
    }
}
