using System.Globalization;
using Parity.Harness.Cases.Json;
using Parity.Harness.Ops;
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
/// Reads the <c>parity eval</c> case format: one case object or an array of them. Every op-specific rule (which tensors
/// and arguments an op takes, their types and allowed values) comes from the op's <see cref="OpSchema"/>.
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
        var op = OpCatalog.Find(opName)
            ?? throw ctx.Fail(opNode, p + "op", $"unknown op '{opName}' (expected one of: {string.Join(", ", OpCatalog.Names)})");

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
        IReadOnlyList<string>? gradOnly = null;
        if (obj.Get("grad") is { } g)
        {
            (grad, gradOnly) = ReadGrad(ctx, g, p + "grad", op);
        }

        var inputsNode = obj.Get("inputs") ?? throw ctx.Fail(obj, p + "inputs", "missing required field");
        if (inputsNode.Kind != PJKind.Object)
        {
            throw ctx.Fail(inputsNode, p + "inputs", $"expected an object of tensor arguments, found {inputsNode.KindName}");
        }
        var schema = op.Schema;
        var inputs = new List<InputSpec>();
        foreach (var m in inputsNode.Members)
        {
            string ip = p + "inputs." + m.Key;
            if (schema.Tensor(m.Key) is null)
            {
                throw ctx.Fail(m.Value, ip, $"{op.Name} has no tensor argument '{m.Key}' (expected: {string.Join(", ", schema.Tensors.Select(t => t.Name))})");
            }
            inputs.Add(ReadInput(ctx, m.Key, m.Value, ip, dtype));
        }
        foreach (var t in schema.Tensors.Where(t => t.Required))
        {
            if (!inputs.Any(i => i.Name == t.Name))
            {
                throw ctx.Fail(inputsNode, p + "inputs." + t.Name, t == schema.Primary
                    ? "missing required tensor argument"
                    : $"missing required tensor argument (required by {op.Name})");
            }
        }

        var args = ArgSet.Empty;
        if (obj.Get("args") is { } a)
        {
            args = ReadArgs(ctx, a, p + "args", op);
        }
        return new CaseSpec
        {
            Name = name, Op = op, DType = dtype, DTypeWritten = dtypeNode is not null, Seed = seed,
            Inputs = inputs, Args = args, Grad = grad, GradOnly = gradOnly,
        };
    }

    private static (bool Grad, IReadOnlyList<string>? Only) ReadGrad(Ctx ctx, PositionedJson g, string p, OpDefinition op)
    {
        switch (g.Kind)
        {
            case PJKind.True:
                return (true, null);
            case PJKind.False:
                return (false, null);
            case PJKind.Array:
                var names = new List<string>();
                for (int i = 0; i < g.Items.Count; i++)
                {
                    string n = Str(ctx, g.Items[i], $"{p}[{i}]");
                    if (op.Schema.Tensor(n) is null)
                    {
                        throw ctx.Fail(g.Items[i], $"{p}[{i}]", $"{op.Name} has no tensor argument '{n}' (expected: {string.Join(", ", op.Schema.Tensors.Select(t => t.Name))})");
                    }
                    if (names.Contains(n))
                    {
                        throw ctx.Fail(g.Items[i], $"{p}[{i}]", $"'{n}' is listed twice");
                    }
                    names.Add(n);
                }
                if (names.Count == 0)
                {
                    throw ctx.Fail(g, p, "an empty list asks for no gradient; write false instead");
                }
                return (true, names);
            default:
                throw ctx.Fail(g, p, $"expected a boolean or a list of tensor argument names, found {g.KindName}");
        }
    }

    private static ArgSet ReadArgs(Ctx ctx, PositionedJson a, string p, OpDefinition op)
    {
        if (a.Kind != PJKind.Object)
        {
            throw ctx.Fail(a, p, $"expected an object, found {a.KindName}");
        }
        var scalars = op.Schema.Scalars;
        var args = ArgSet.Empty;
        foreach (var m in a.Members)
        {
            string fp = p + "." + m.Key;
            var param = op.Schema.Scalar(m.Key) ?? throw ctx.Fail(m.Value, fp, $"{op.Name} takes no argument '{m.Key}'" +
                (scalars.Count == 0 ? "" : $" (it takes: {string.Join(", ", scalars.Select(s => s.Name))})"));
            var value = ReadArg(ctx, m.Value, fp, param);
            if (m.Key == "reduction" && value.Boxed is "elementwise_mean" && !op.ModelsElementwiseMean)
            {
                throw ctx.Fail(m.Value, fp, $"reduction 'elementwise_mean' (PyTorch's deprecated spelling of 'mean') is not modelled for {op.Name}; write 'mean'");
            }
            args = args.With(m.Key, value);
        }
        return args;
    }

    private static ArgValue ReadArg(Ctx ctx, PositionedJson v, string p, ScalarParam param)
    {
        if (v.Kind == PJKind.Null)
        {
            return param.Nullable ? ArgValue.None : throw ctx.Fail(v, p, $"{param.Name} cannot be None");
        }
        switch (param.Kind)
        {
            case ArgKind.Bool:
                return v.Kind switch
                {
                    PJKind.True => ArgValue.Of(true),
                    PJKind.False => ArgValue.Of(false),
                    _ => throw ctx.Fail(v, p, $"expected a boolean, found {v.KindName}"),
                };
            case ArgKind.Int:
                long l = Int(ctx, v, p);
                if (param.Name == "dim" && l is < int.MinValue or > int.MaxValue)
                {
                    throw ctx.Fail(v, p, "dim out of range");
                }
                return ArgValue.Of(l);
            case ArgKind.Float:
                return ArgValue.Of(Num(ctx, v, p));
            default:
                string text = Str(ctx, v, p);
                if (param.Choices is { } choices && !choices.Contains(text) && !param.CheckedByOp)
                {
                    throw ctx.Fail(v, p, $"'{text}' is not a valid value for {param.Name} (expected {string.Join(", ", choices)})");
                }
                return ArgValue.Of(text);
        }
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
                "int32" => DType.Int32,
                _ => throw ctx.Fail(dn, p + ".dtype", $"unknown dtype '{d}' (expected float32, float64, int64 or int32)"),
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
        if (map != InputMap.None && eff.IsIntegral())
        {
            throw ctx.Fail(node.Get("map")!, p + ".map", $"a map needs a floating-point tensor, but the dtype is {eff.Name()}");
        }
        var (kind, v) = (present[0].Key, present[0].Value);
        string kp = p + "." + kind;
        switch (kind)
        {
            case "values":
                return new InputSpec { Name = name, Kind = InputKind.Values, Values = ReadValues(ctx, v, kp, eff), DType = dtype, Map = map };
            case "randn":
            case "rand":
                if (eff.IsIntegral())
                {
                    throw ctx.Fail(v, kp, $"{kind} draws floating-point numbers; the dtype {eff.Name()} is not allowed (use randint)");
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
        if (node.Kind == PJKind.String && t.DType.IsFloatingPoint())
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
            case DType.Int32:
                if (!int.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
                {
                    throw ctx.Fail(node, path, $"expected an int32 integer, found {node.Text}");
                }
                t.Int32Span[index] = n;
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
