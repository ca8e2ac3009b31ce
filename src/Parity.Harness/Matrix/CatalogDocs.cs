using System.Globalization;
using System.Text;
using Parity.Harness.Cases;
using Parity.Harness.Cases.Json;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>Documents rendered from the op definitions, so the docs cannot drift from the catalogue.</summary>
public static class CatalogDocs
{
    /// <summary>The repository path of the bad-input table.</summary>
    public const string BadInputsPath = "docs/bad-inputs.md";

    /// <summary>
    /// <c>docs/bad-inputs.md</c>: every op's <see cref="OpDefinition.BadInputs"/> with the Python exception class and the
    /// first line both sides must raise.
    /// </summary>
    public static string BadInputsMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("# Bad inputs: what PyTorch 2.10 rejects, with the Python class and the first line of the message\n\n");
        sb.Append("Rendered from the op definitions (`src/Parity.Harness/Ops/Definitions/`, each op's `BadInputs()`); do not edit by hand.\n");
        sb.Append("`CatalogDocsTests.BadInputsDoc_IsUpToDate` fails when this file differs from the catalogue; run it with\n");
        sb.Append("`PARITY_WRITE_DOCS=1` to rewrite the file. Each row is the matrix case `bad.{op}.{name}`: `parity run` requires libtorch\n");
        sb.Append("and the native ops to raise exactly this class and text (`ErrorTextTests` checks each side on its own too).\n\n");
        sb.Append("Inputs: `dtype[shape] {values}` for explicit tensors (values left out past 8 elements), `randn[shape]`/`rand[shape]`/\n");
        sb.Append("`randint(lo, hi)[shape]` for seeded draws, `→ map` for a sigmoid/softmax/log_softmax applied after drawing.\n");
        foreach (var op in OpCatalog.All)
        {
            var bad = op.BadInputs().ToList();
            sb.Append(CultureInfo.InvariantCulture, $"\n## `{op.Name}` ({bad.Count})\n\n");
            sb.Append("| case | inputs | arguments | class | first line |\n| --- | --- | --- | --- | --- |\n");
            foreach (var b in bad)
            {
                string inputs = string.Join(", ", b.Inputs.Select(Describe));
                string args = b.Args is { Count: > 0 } a ? a.ToString() : "—";
                if (b.Grad)
                {
                    args += " + backward" + (b.GradOnly is { } only ? $" ({string.Join(", ", only)})" : "");
                }
                sb.Append(CultureInfo.InvariantCulture, $"| `{b.Name}` | {Cell(inputs)} | {Cell(args)} | {b.Kind} | {Cell(b.Message)} |\n");
            }
        }
        return sb.ToString();
    }

    private static string Cell(string text) => text.Length == 0 ? "(any, equal on both sides)" : "`" + text.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal) + "`";

    private static string Describe(InputSpec i)
    {
        string map = i.Map == InputMap.None ? "" : " → " + i.Map.ToString().ToLowerInvariant();
        string shape = Tensor.ShapeString(i.Kind == InputKind.Values ? i.Values!.Shape : i.Shape);
        return i.Kind switch
        {
            InputKind.Values => $"{i.Name}={i.Values!.DType.Name()}{shape}{Values(i.Values)}{map}",
            InputKind.Randint => $"{i.Name}=randint({i.Low}, {i.High}){shape}{(i.DType is { } d ? " " + d.Name() : "")}",
            _ => $"{i.Name}={i.Kind.ToString().ToLowerInvariant()}{shape}{(i.DType is { } dt ? " " + dt.Name() : "")}{map}",
        };
    }

    private static string Values(Tensor t)
    {
        if (t.Numel > 8)
        {
            return "";
        }
        var items = new List<string>();
        for (int k = 0; k < t.Numel; k++)
        {
            items.Add(t.DType == DType.Int64 ? t.Int64Span[k].ToString(CultureInfo.InvariantCulture) : JsonOut.FormatNumber(t.GetDouble(k)).Trim('"'));
        }
        return " {" + string.Join(", ", items) + "}";
    }
}
