using System.Globalization;
using System.Text;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>
/// Prints an <see cref="OpCall"/> as one <c>parity eval</c> case (issue 6 format): explicit <c>{"values": …}</c>
/// inputs, the dtype, the arguments the op takes, and <c>"grad": true</c>.
/// </summary>
/// <remarks>
/// Numbers are in the shortest round-trip form of their dtype; NaN and infinities are the strings <c>"NaN"</c>,
/// <c>"Infinity"</c>, <c>"-Infinity"</c>. A tensor with no elements cannot be written as nested arrays without losing
/// its shape (<c>[[], []]</c> is [2, 0] whatever the trailing sizes), so it is written as <c>{"randn": shape}</c>
/// (or <c>randint</c> for int64), which draws no random numbers.
/// </remarks>
public static class FuzzCaseJson
{
    /// <summary>The case as indented JSON text.</summary>
    /// <param name="call">The call.</param>
    /// <param name="name">The case name (only [A-Za-z0-9._=-] is kept).</param>
    public static string Write(OpCall call, string name)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(name);
        var dtype = call.Input.DType;
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"name\": ").Append(Quote(SafeName(name))).Append(",\n");
        sb.Append("  \"op\": ").Append(Quote(call.Op.Name())).Append(",\n");
        sb.Append("  \"dtype\": ").Append(Quote(dtype.Name())).Append(",\n");
        sb.Append("  \"inputs\": {\n");
        var inputs = new List<(string Name, Tensor T)> { ("input", call.Input) };
        if (call.Target is not null)
        {
            inputs.Add(("target", call.Target));
        }
        if (call.Weight is not null)
        {
            inputs.Add(("weight", call.Weight));
        }
        if (call.PosWeight is not null)
        {
            inputs.Add(("pos_weight", call.PosWeight));
        }
        for (int i = 0; i < inputs.Count; i++)
        {
            sb.Append("    ").Append(Quote(inputs[i].Name)).Append(": ").Append(Input(inputs[i].T, dtype));
            sb.Append(i + 1 < inputs.Count ? ",\n" : "\n");
        }
        sb.Append("  },\n");
        var args = new List<string>();
        if (call.Op.IsLoss())
        {
            args.Add($"\"reduction\": {Quote(call.Reduction.Name())}");
        }
        if (call.Op is LossOp.NllLoss or LossOp.CrossEntropy)
        {
            args.Add($"\"ignore_index\": {call.IgnoreIndex.ToString(CultureInfo.InvariantCulture)}");
        }
        if (call.Op == LossOp.CrossEntropy)
        {
            args.Add($"\"label_smoothing\": {Number(call.LabelSmoothing, DType.Float64)}");
        }
        if (call.Op is LossOp.Softmax or LossOp.LogSoftmax && call.Dim is int dim)
        {
            args.Add($"\"dim\": {dim.ToString(CultureInfo.InvariantCulture)}");
        }
        if (args.Count > 0)
        {
            sb.Append("  \"args\": { ").Append(string.Join(", ", args)).Append(" },\n");
        }
        sb.Append("  \"grad\": true\n}");
        return sb.ToString();
    }

    private static string Input(Tensor t, DType caseDType)
    {
        string dtype = t.DType == caseDType ? "" : $", \"dtype\": {Quote(t.DType.Name())}";
        if (t.Numel == 0)
        {
            string shape = "[" + string.Join(", ", t.ShapeArray()) + "]";
            return t.DType == DType.Int64
                ? $"{{ \"randint\": {{ \"low\": 0, \"high\": 1, \"shape\": {shape} }}{dtype} }}"
                : $"{{ \"randn\": {shape}{dtype} }}";
        }
        var sb = new StringBuilder("{ \"values\": ");
        int k = 0;
        Nested(sb, t, 0, ref k);
        return sb.Append(dtype).Append(" }").ToString();
    }

    private static void Nested(StringBuilder sb, Tensor t, int d, ref int k)
    {
        if (d == t.Dim)
        {
            sb.Append(Element(t, k++));
            return;
        }
        sb.Append('[');
        for (int i = 0; i < t.Size(d); i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            Nested(sb, t, d + 1, ref k);
        }
        sb.Append(']');
    }

    private static string Element(Tensor t, int i) => t.DType switch
    {
        DType.Int64 => t.Int64Span[i].ToString(CultureInfo.InvariantCulture),
        DType.Float32 => Number(t.Float32Span[i], DType.Float32),
        _ => Number(t.Float64Span[i], DType.Float64),
    };

    /// <summary>A number in the shortest round-trip form of <paramref name="dtype"/>, or <c>"NaN"</c>/<c>"Infinity"</c>/<c>"-Infinity"</c>.</summary>
    public static string Number(double v, DType dtype)
    {
        if (double.IsNaN(v))
        {
            return "\"NaN\"";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        }
        return dtype == DType.Float32
            ? ((float)v).ToString("R", CultureInfo.InvariantCulture)
            : v.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string SafeName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '=' or '-' ? c : '_');
        }
        return sb.ToString();
    }
}
