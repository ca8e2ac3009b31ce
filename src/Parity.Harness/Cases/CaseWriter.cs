using Parity.Harness.Cases.Json;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Cases;

/// <summary>
/// Writes cases in the <c>parity eval</c> format, so built-in, fuzzed or shrunk cases can be pasted into a case file
/// and read back by <see cref="CaseReader"/> to the same case.
/// </summary>
public static class CaseWriter
{
    /// <summary>One case as a JSON object.</summary>
    public static JsonOut.Obj ToJson(CaseSpec c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var o = new JsonOut.Obj();
        if (c.Name is not null)
        {
            o.Add("name", JsonOut.String(c.Name));
        }
        o.Add("op", JsonOut.String(c.Op.Name));
        if (c.DTypeWritten || c.DType != DType.Float32)
        {
            o.Add("dtype", JsonOut.String(c.DType.Name()));
        }
        if (c.Seed is long seed)
        {
            o.Add("seed", JsonOut.Int(seed));
        }
        var inputs = new JsonOut.Obj();
        foreach (var i in c.Inputs)
        {
            inputs.Add(i.Name, Input(i));
        }
        o.Add("inputs", inputs);
        if (c.Args.Count > 0)
        {
            var args = new JsonOut.Obj();
            foreach (var kv in c.Args.Items)
            {
                args.Add(kv.Key, Arg(kv.Value));
            }
            o.Add("args", args);
        }
        if (c.Grad)
        {
            if (c.GradOnly is { } only)
            {
                var names = new JsonOut.Arr();
                foreach (string n in only)
                {
                    names.Add(JsonOut.String(n));
                }
                o.Add("grad", names);
            }
            else
            {
                o.Add("grad", JsonOut.Bool(true));
            }
        }
        return o;
    }

    /// <summary>One argument value: a bool, an int, a float (non-finite ones as strings), a string, or null.</summary>
    public static JsonOut Arg(ArgValue v) => v.Boxed switch
    {
        null => JsonOut.Null(),
        bool b => JsonOut.Bool(b),
        long l => JsonOut.Int(l),
        double d => JsonOut.Double(d),
        string s => JsonOut.String(s),
        _ => throw new ArgumentException("unknown argument value", nameof(v)),
    };

    /// <summary>Cases as JSON text: a single object for one case when <paramref name="asArray"/> is false, else an array.</summary>
    public static string Write(IReadOnlyList<CaseSpec> cases, bool asArray = true)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (!asArray && cases.Count == 1)
        {
            return ToJson(cases[0]).ToJson();
        }
        var a = new JsonOut.Arr();
        foreach (var c in cases)
        {
            a.Add(ToJson(c));
        }
        return a.ToJson();
    }

    private static JsonOut.Obj Input(InputSpec i)
    {
        var o = new JsonOut.Obj();
        switch (i.Kind)
        {
            case InputKind.Values:
                o.Add("values", Nested(i.Values!));
                break;
            case InputKind.Randn:
                o.Add("randn", JsonOut.Shape(i.Shape));
                break;
            case InputKind.Rand:
                o.Add("rand", JsonOut.Shape(i.Shape));
                break;
            default:
                o.Add("randint", new JsonOut.Obj().Add("low", JsonOut.Int(i.Low)).Add("high", JsonOut.Int(i.High)).Add("shape", JsonOut.Shape(i.Shape)));
                break;
        }
        var dtype = i.Kind == InputKind.Values ? i.Values!.DType : i.DType;
        if (dtype is DType d && (i.DType is not null || i.Kind == InputKind.Values))
        {
            o.Add("dtype", JsonOut.String(d.Name()));
        }
        if (i.Map != InputMap.None)
        {
            o.Add("map", JsonOut.String(i.Map switch
            {
                InputMap.Sigmoid => "sigmoid",
                InputMap.Softmax => "softmax",
                _ => "log_softmax",
            }));
        }
        return o;
    }

    /// <summary>A tensor's values as nested arrays following its shape (a bare number for a 0-D tensor).</summary>
    public static JsonOut Nested(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Dim == 0)
        {
            return JsonOut.Element(t, 0);
        }
        int k = 0;
        return Level(0);

        JsonOut Level(int d)
        {
            var a = new JsonOut.Arr();
            for (int i = 0; i < t.Size(d); i++)
            {
                a.Add(d + 1 == t.Dim ? JsonOut.Element(t, k++) : Level(d + 1));
            }
            return a;
        }
    }
}
