using System.Globalization;
using Parity.Harness.Cases.Json;
using Parity.Native;

namespace Parity.Harness.Cases;

/// <summary>
/// A case file that cannot be read: names the file, the JSON position (1-based line and column) and the field.
/// </summary>
public sealed class CaseFormatException : Exception
{
    /// <summary>Creates the error; <see cref="Exception.Message"/> is <c>{file}:{line}:{column}: {field}: {detail}</c>.</summary>
    public CaseFormatException(string file, int line, int column, string field, string detail)
        : base($"{file}:{line}:{column}: {field}: {detail}")
    {
        File = file;
        Line = line;
        Column = column;
        Field = field;
        Detail = detail;
    }

    /// <summary>Creates an error with a plain message.</summary>
    public CaseFormatException(string message)
        : base(message)
    {
        File = Field = Detail = "";
    }

    /// <summary>Creates an error with a plain message and a cause.</summary>
    public CaseFormatException(string message, Exception inner)
        : base(message, inner)
    {
        File = Field = Detail = "";
    }

    /// <summary>Creates an empty error.</summary>
    public CaseFormatException()
        : this("bad case file")
    {
    }

    /// <summary>The file name as given (<c>-</c> or <c>&lt;stdin&gt;</c> for standard input).</summary>
    public string File { get; }

    /// <summary>1-based line of the offending JSON value.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending JSON value.</summary>
    public int Column { get; }

    /// <summary>The field path, e.g. <c>[1].inputs.target.randint.high</c>, or <c>(document)</c> for syntax errors.</summary>
    public string Field { get; }

    /// <summary>What is wrong.</summary>
    public string Detail { get; }
}

/// <summary>
/// Reads the <c>parity eval</c> case format (issue 6): one case object or an array of them.
/// Strict: unknown fields, wrong types, arguments the op does not take and ragged value arrays are errors.
/// </summary>
public static class CaseReader
{
    private static readonly string[] CaseFields = ["name", "op", "dtype", "seed", "inputs", "args", "grad"];

    /// <summary>Parses case JSON text.</summary>
    /// <param name="json">The text.</param>
    /// <param name="file">The file name used in error messages.</param>
    /// <returns>The cases in written order (one element for a single case object).</returns>
    /// <exception cref="CaseFormatException">The text is not valid JSON or not a valid case (names file, line/column, field).</exception>
    public static IReadOnlyList<CaseSpec> Parse(string json, string file = "<input>")
    {
        ArgumentNullException.ThrowIfNull(json);
        PositionedJson root;
        try
        {
            root = PositionedJsonParser.Parse(json);
        }
        catch (JsonSyntaxException e)
        {
            throw new CaseFormatException(file, e.Line, e.Column, "(document)", "invalid JSON: " + e.Message);
        }
        var ctx = new Ctx(file);
        if (root.Kind == PJKind.Object)
        {
            return [ReadCase(ctx, root, "")];
        }
        if (root.Kind == PJKind.Array)
        {
            if (root.Items.Count == 0)
            {
                throw ctx.Fail(root, "(document)", "the case array is empty");
            }
            var list = new List<CaseSpec>();
            for (int i = 0; i < root.Items.Count; i++)
            {
                var item = root.Items[i];
                string path = $"[{i}]";
                if (item.Kind != PJKind.Object)
                {
                    throw ctx.Fail(item, path, $"expected a case object, found {item.KindName}");
                }
                list.Add(ReadCase(ctx, item, path + "."));
            }
            return list;
        }
        throw ctx.Fail(root, "(document)", $"expected a case object or an array of case objects, found {root.KindName}");
    }

    /// <summary>Reads a case file (<c>-</c> reads standard input from <paramref name="stdin"/>).</summary>
    /// <exception cref="CaseFormatException">Unreadable or invalid file.</exception>
    public static IReadOnlyList<CaseSpec> ReadFile(string path, TextReader? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        if (path == "-")
        {
            text = (stdin ?? Console.In).ReadToEnd();
            return Parse(text, "<stdin>");
        }
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaseFormatException($"{path}: cannot read the case file: {e.Message}", e);
        }
        return Parse(text, path);
    }

    private sealed class Ctx(string file)
    {
        public string File { get; } = file;

        public CaseFormatException Fail(PositionedJson at, string field, string detail) =>
            new(File, at.Line, at.Column, field.Length == 0 ? "(case)" : field.TrimEnd('.'), detail);
    }

    private static CaseSpec ReadCase(Ctx ctx, PositionedJson obj, string p)
    {
        foreach (var m in obj.Members)
        {
            if (!CaseFields.Contains(m.Key))
            {
                throw ctx.Fail(m.Value, p + m.Key, $"unknown field (expected one of: {string.Join(", ", CaseFields)})");
            }
        }
        string? name = obj.Get("name") is { } n ? Str(ctx, n, p + "name") : null;
        var opNode = obj.Get("op") ?? throw ctx.Fail(obj, p + "op", "missing required field");
        string opName = Str(ctx, opNode, p + "op");
        LossOp op;
        try
        {
            op = LossOps.Parse(opName);
        }
        catch (ArgumentException)
        {
            throw ctx.Fail(opNode, p + "op", $"unknown op '{opName}' (expected one of: {string.Join(", ", LossOps.All.Select(o => o.Name()))})");
        }

        var dtype = DType.Float32;
        var dtypeNode = obj.Get("dtype");
        if (dtypeNode is not null)
        {
            string d = Str(ctx, dtypeNode, p + "dtype");
            dtype = d switch
            {
                "float32" => DType.Float32,
                "float64" => DType.Float64,
                _ => throw ctx.Fail(dtypeNode, p + "dtype", $"unknown case dtype '{d}' (expected float32 or float64)"),
            };
        }
        long? seed = obj.Get("seed") is { } s ? Int(ctx, s, p + "seed") : null;
        bool grad = false;
        if (obj.Get("grad") is { } g)
        {
            grad = g.Kind switch
            {
                PJKind.True => true,
                PJKind.False => false,
                _ => throw ctx.Fail(g, p + "grad", $"expected a boolean, found {g.KindName}"),
            };
        }

        var inputsNode = obj.Get("inputs") ?? throw ctx.Fail(obj, p + "inputs", "missing required field");
        if (inputsNode.Kind != PJKind.Object)
        {
            throw ctx.Fail(inputsNode, p + "inputs", $"expected an object of tensor arguments, found {inputsNode.KindName}");
        }
        var allowed = TensorArguments(op);
        var inputs = new List<InputSpec>();
        foreach (var m in inputsNode.Members)
        {
            string ip = p + "inputs." + m.Key;
            if (!allowed.Contains(m.Key))
            {
                throw ctx.Fail(m.Value, ip, $"{op.Name()} has no tensor argument '{m.Key}' (expected: {string.Join(", ", allowed)})");
            }
            inputs.Add(ReadInput(ctx, m.Key, m.Value, ip, dtype));
        }
        if (!inputs.Any(i => i.Name == "input"))
        {
            throw ctx.Fail(inputsNode, p + "inputs.input", "missing required tensor argument");
        }
        if (op.IsLoss() && !inputs.Any(i => i.Name == "target"))
        {
            throw ctx.Fail(inputsNode, p + "inputs.target", $"missing required tensor argument (required by {op.Name()})");
        }

        var args = new CaseArgs();
        if (obj.Get("args") is { } a)
        {
            args = ReadArgs(ctx, a, p + "args", op);
        }
        return new CaseSpec
        {
            Name = name, Op = op, DType = dtype, DTypeWritten = dtypeNode is not null, Seed = seed,
            Inputs = inputs, Args = args, Grad = grad,
        };
    }

    /// <summary>The tensor arguments an op takes, by PyTorch's names.</summary>
    public static IReadOnlyList<string> TensorArguments(LossOp op) => op switch
    {
        LossOp.Sigmoid or LossOp.Softmax or LossOp.LogSoftmax => ["input"],
        LossOp.BinaryCrossEntropyWithLogits => ["input", "target", "weight", "pos_weight"],
        _ => ["input", "target", "weight"],
    };

    /// <summary>The non-tensor arguments (<c>"args"</c>) an op takes.</summary>
    public static IReadOnlyList<string> ScalarArguments(LossOp op) => op switch
    {
        LossOp.Sigmoid => [],
        LossOp.Softmax or LossOp.LogSoftmax => ["dim"],
        LossOp.BinaryCrossEntropy or LossOp.BinaryCrossEntropyWithLogits => ["reduction"],
        LossOp.NllLoss => ["reduction", "ignore_index"],
        _ => ["reduction", "ignore_index", "label_smoothing"],
    };

    private static CaseArgs ReadArgs(Ctx ctx, PositionedJson a, string p, LossOp op)
    {
        if (a.Kind != PJKind.Object)
        {
            throw ctx.Fail(a, p, $"expected an object, found {a.KindName}");
        }
        var allowed = ScalarArguments(op);
        var args = new CaseArgs();
        foreach (var m in a.Members)
        {
            string fp = p + "." + m.Key;
            if (m.Key is not ("reduction" or "ignore_index" or "label_smoothing" or "dim"))
            {
                throw ctx.Fail(m.Value, fp, "unknown argument (expected reduction, ignore_index, label_smoothing or dim)");
            }
            if (!allowed.Contains(m.Key))
            {
                throw ctx.Fail(m.Value, fp, $"{op.Name()} takes no argument '{m.Key}'" +
                    (allowed.Count == 0 ? "" : $" (it takes: {string.Join(", ", allowed)})"));
            }
            switch (m.Key)
            {
                case "reduction":
                    string r = Str(ctx, m.Value, fp);
                    try
                    {
                        args = args with { Reduction = Reductions.Parse(r), ReductionWritten = true };
                    }
                    catch (ArgumentException)
                    {
                        throw ctx.Fail(m.Value, fp, $"'{r}' is not a valid value for reduction (expected none, mean or sum)");
                    }
                    break;
                case "ignore_index":
                    args = args with { IgnoreIndex = Int(ctx, m.Value, fp) };
                    break;
                case "label_smoothing":
                    args = args with { LabelSmoothing = Num(ctx, m.Value, fp) };
                    break;
                default:
                    long d = Int(ctx, m.Value, fp);
                    if (d is < int.MinValue or > int.MaxValue)
                    {
                        throw ctx.Fail(m.Value, fp, "dim out of range");
                    }
                    args = args with { Dim = (int)d };
                    break;
            }
        }
        return args;
    }

    private static InputSpec ReadInput(Ctx ctx, string name, PositionedJson node, string p, DType caseDType)
    {
        if (node.Kind != PJKind.Object)
        {
            throw ctx.Fail(node, p, $"expected an object with one of values, randn, rand, randint; found {node.KindName}");
        }
        string[] kinds = ["values", "randn", "rand", "randint"];
        foreach (var m in node.Members)
        {
            if (!kinds.Contains(m.Key) && m.Key is not ("dtype" or "map"))
            {
                throw ctx.Fail(m.Value, p + "." + m.Key, "unknown field (expected values, randn, rand or randint, and optionally dtype, map)");
            }
        }
        var present = node.Members.Where(m => kinds.Contains(m.Key)).ToList();
        if (present.Count != 1)
        {
            throw ctx.Fail(node, p, present.Count == 0
                ? "expected one of values, randn, rand, randint"
                : $"expected exactly one of values, randn, rand, randint, found {string.Join(" and ", present.Select(m => m.Key))}");
        }
        DType? dtype = null;
        if (node.Get("dtype") is { } dn)
        {
            string d = Str(ctx, dn, p + ".dtype");
            dtype = d switch
            {
                "float32" => DType.Float32,
                "float64" => DType.Float64,
                "int64" => DType.Int64,
                _ => throw ctx.Fail(dn, p + ".dtype", $"unknown dtype '{d}' (expected float32, float64 or int64)"),
            };
        }
        var map = InputMap.None;
        if (node.Get("map") is { } mn)
        {
            string mapName = Str(ctx, mn, p + ".map");
            map = mapName switch
            {
                "sigmoid" => InputMap.Sigmoid,
                "softmax" => InputMap.Softmax,
                "log_softmax" => InputMap.LogSoftmax,
                _ => throw ctx.Fail(mn, p + ".map", $"unknown map '{mapName}' (expected sigmoid, softmax or log_softmax)"),
            };
        }
        var eff = dtype ?? caseDType;
        if (map != InputMap.None && eff == DType.Int64)
        {
            throw ctx.Fail(node.Get("map")!, p + ".map", "a map needs a floating-point tensor, but the dtype is int64");
        }
        var (kind, v) = (present[0].Key, present[0].Value);
        string kp = p + "." + kind;
        switch (kind)
        {
            case "values":
                return new InputSpec { Name = name, Kind = InputKind.Values, Values = ReadValues(ctx, v, kp, eff), DType = dtype, Map = map };
            case "randn":
            case "rand":
                if (eff == DType.Int64)
                {
                    throw ctx.Fail(v, kp, $"{kind} draws floating-point numbers; the dtype int64 is not allowed (use randint)");
                }
                return new InputSpec
                {
                    Name = name, Kind = kind == "randn" ? InputKind.Randn : InputKind.Rand, Shape = ReadShape(ctx, v, kp), DType = dtype, Map = map,
                };
            default:
                if (v.Kind != PJKind.Object)
                {
                    throw ctx.Fail(v, kp, $"expected an object {{\"low\": L, \"high\": H, \"shape\": [...]}}, found {v.KindName}");
                }
                foreach (var m in v.Members)
                {
                    if (m.Key is not ("low" or "high" or "shape"))
                    {
                        throw ctx.Fail(m.Value, kp + "." + m.Key, "unknown field (expected low, high, shape)");
                    }
                }
                long low = v.Get("low") is { } ln ? Int(ctx, ln, kp + ".low") : 0;
                var hn = v.Get("high") ?? throw ctx.Fail(v, kp + ".high", "missing required field");
                long high = Int(ctx, hn, kp + ".high");
                var sn = v.Get("shape") ?? throw ctx.Fail(v, kp + ".shape", "missing required field");
                return new InputSpec
                {
                    Name = name, Kind = InputKind.Randint, Low = low, High = high, Shape = ReadShape(ctx, sn, kp + ".shape"), DType = dtype, Map = map,
                };
        }
    }

    private static int[] ReadShape(Ctx ctx, PositionedJson v, string p)
    {
        if (v.Kind != PJKind.Array)
        {
            throw ctx.Fail(v, p, $"expected a shape (an array of sizes), found {v.KindName}");
        }
        var shape = new int[v.Items.Count];
        long numel = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long s = Int(ctx, v.Items[i], $"{p}[{i}]");
            if (s < 0)
            {
                throw ctx.Fail(v.Items[i], $"{p}[{i}]", $"negative size {s}");
            }
            numel *= Math.Max(s, 1);
            if (s > int.MaxValue || numel > 100_000_000)
            {
                throw ctx.Fail(v.Items[i], $"{p}[{i}]", "tensor too large (more than 100,000,000 elements)");
            }
            shape[i] = (int)s;
        }
        return shape;
    }

    private static Tensor ReadValues(Ctx ctx, PositionedJson v, string p, DType dtype)
    {
        // Infer the shape from the first element of each level, then require every level to be rectangular.
        var shape = new List<int>();
        for (var cur = v; cur.Kind == PJKind.Array; cur = cur.Items[0])
        {
            shape.Add(cur.Items.Count);
            if (cur.Items.Count == 0)
            {
                break;
            }
        }
        var t = Tensor.Zeros(dtype, [.. shape]);
        int k = 0;
        Fill(v, 0, p);
        return t;

        void Fill(PositionedJson node, int depth, string path)
        {
            if (depth < shape.Count)
            {
                if (node.Kind != PJKind.Array)
                {
                    throw ctx.Fail(node, path, $"shape mismatch: expected an array of {shape[depth]} items at depth {depth} (shape {Tensor.ShapeString([.. shape])}), found {node.KindName}");
                }
                if (node.Items.Count != shape[depth])
                {
                    throw ctx.Fail(node, path, $"shape mismatch: expected {shape[depth]} items at depth {depth} (shape {Tensor.ShapeString([.. shape])}), found {node.Items.Count}");
                }
                for (int i = 0; i < node.Items.Count; i++)
                {
                    Fill(node.Items[i], depth + 1, $"{path}[{i}]");
                }
                return;
            }
            if (node.Kind == PJKind.Array)
            {
                throw ctx.Fail(node, path, $"shape mismatch: expected a number at depth {depth} (shape {Tensor.ShapeString([.. shape])}), found an array");
            }
            SetElement(ctx, t, k++, node, path);
        }
    }

    private static void SetElement(Ctx ctx, Tensor t, int index, PositionedJson node, string path)
    {
        if (node.Kind == PJKind.String && t.DType != DType.Int64)
        {
            t.SetDouble(index, SpecialNumber(ctx, node, path));
            return;
        }
        if (node.Kind != PJKind.Number)
        {
            throw ctx.Fail(node, path, $"expected a number, found {node.KindName}");
        }
        switch (t.DType)
        {
            case DType.Float32:
                t.Float32Span[index] = float.Parse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                break;
            case DType.Float64:
                t.Float64Span[index] = double.Parse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                break;
            default:
                if (!long.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                {
                    throw ctx.Fail(node, path, $"expected an int64 integer, found {node.Text}");
                }
                t.Int64Span[index] = l;
                break;
        }
    }

    private static string Str(Ctx ctx, PositionedJson v, string p) =>
        v.Kind == PJKind.String ? v.Text : throw ctx.Fail(v, p, $"expected a string, found {v.KindName}");

    private static long Int(Ctx ctx, PositionedJson v, string p)
    {
        if (v.Kind != PJKind.Number)
        {
            throw ctx.Fail(v, p, $"expected an integer, found {v.KindName}");
        }
        if (!long.TryParse(v.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
        {
            throw ctx.Fail(v, p, $"expected an integer, found {v.Text}");
        }
        return l;
    }

    /// <summary>A number, or one of the strings the writer uses for non-finite values ("NaN", "Infinity", "-Infinity").</summary>
    private static double Num(Ctx ctx, PositionedJson v, string p) => v.Kind switch
    {
        PJKind.Number => double.Parse(v.Text, NumberStyles.Float, CultureInfo.InvariantCulture),
        PJKind.String => SpecialNumber(ctx, v, p),
        _ => throw ctx.Fail(v, p, $"expected a number, found {v.KindName}"),
    };

    private static double SpecialNumber(Ctx ctx, PositionedJson node, string path) => node.Text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => throw ctx.Fail(node, path, $"expected a number or \"NaN\", \"Infinity\", \"-Infinity\", found the string \"{node.Text}\""),
    };
}
