using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Parity.Harness.Cases.Json;
using Parity.Harness.Running;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Reports;

/// <summary>The report formats of <c>parity run --report PATH</c>, chosen by extension.</summary>
public enum ReportFormat
{
    /// <summary><c>.md</c>: the summary table and the failures.</summary>
    Markdown,

    /// <summary><c>.json</c>: totals, summary rows, every case.</summary>
    Json,

    /// <summary><c>.xml</c>: JUnit XML, one test suite per op × dtype, one test case per case.</summary>
    JUnit,

    /// <summary><c>.html</c>: a self-contained page with the summary and one inline-SVG ULP histogram per op.</summary>
    Html,
}

/// <summary>Writes run reports.</summary>
public static class RunReports
{
    /// <summary>The format for a path's extension.</summary>
    /// <exception cref="ArgumentException">Unknown extension.</exception>
    public static ReportFormat FormatFor(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".MD" or ".MARKDOWN" => ReportFormat.Markdown,
        ".JSON" => ReportFormat.Json,
        ".XML" => ReportFormat.JUnit,
        ".HTML" or ".HTM" => ReportFormat.Html,
        _ => throw new ArgumentException($"unknown report extension '{Path.GetExtension(path)}' (expected .md, .json, .xml or .html)", nameof(path)),
    };

    /// <summary>Writes the report for <paramref name="run"/> to <paramref name="path"/> in the format of its extension.</summary>
    public static void Write(RunResult run, string path)
    {
        ArgumentNullException.ThrowIfNull(run);
        string text = Render(run, FormatFor(path));
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    /// <summary>Renders a report.</summary>
    public static string Render(RunResult run, ReportFormat format) => format switch
    {
        ReportFormat.Markdown => Markdown(run),
        ReportFormat.Json => Json(run),
        ReportFormat.JUnit => JUnit(run),
        _ => Html(run),
    };

    /// <summary>An abs/rel difference for tables: <c>0</c>, or three significant digits.</summary>
    public static string Diff(double v) => v == 0 ? "0" : v.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>A ULP difference for tables (<c>inf</c> when NaN meets a number).</summary>
    public static string Ulp(long v) => v == long.MaxValue ? "inf" : v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The one-line totals.</summary>
    public static string Totals(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var rows = run.Summary;
        return $"{run.Cases.Count} cases: {run.Passed} passed, {run.Failed} failed, {run.Skipped} skipped" +
               (run.ReferenceUndefined > 0 ? $", {run.ReferenceUndefined} reference undefined" : "") +
               (run.Unsupported > 0 ? $", {run.Unsupported} unsupported" : "") + "; " +
               $"bit-identical {rows.Sum(r => r.BitIdentical)} (expected {rows.Sum(r => r.ExpectedBitIdentical)}, " +
               $"of which {rows.Sum(r => r.ExpectedBitIdenticalHit)} were)";
    }

    /// <summary>The column headers of the summary table.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "op", "dtype", "cases", "passed", "failed", "skipped",
        "value max abs", "value max rel", "value max ulp", "grad max abs", "grad max rel", "grad max ulp", "bit-identical",
    ];

    /// <summary>The cells of one summary row, in <see cref="Columns"/> order.</summary>
    public static IReadOnlyList<string> Cells(SummaryRow r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return
        [
            r.Op.Name, r.DType.Name(), I(r.Cases), I(r.Passed), I(r.Failed), I(r.Skipped),
            Diff(r.ValueMaxAbs), Diff(r.ValueMaxRel), Ulp(r.ValueMaxUlp), Diff(r.GradMaxAbs), Diff(r.GradMaxRel), Ulp(r.GradMaxUlp),
            $"{I(r.BitIdentical)} ({I(r.ExpectedBitIdenticalHit)}/{I(r.ExpectedBitIdentical)} expected)",
        ];
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<string> Notes(RunResult run)
    {
        if (run.TorchNote is not null)
        {
            yield return $"libtorch comparisons skipped: {run.TorchNote}";
        }
        if (run.SnapshotNote is not null)
        {
            yield return run.SnapshotNote;
        }
    }

    private static string Markdown(RunResult run)
    {
        var sb = new StringBuilder();
        sb.Append("# Parity run\n\n").Append(Totals(run)).Append("\n\n");
        foreach (string n in Notes(run))
        {
            sb.Append("> ").Append(n).Append("\n\n");
        }
        sb.Append("| ").Append(string.Join(" | ", Columns)).Append(" |\n");
        sb.Append('|').Append(string.Concat(Columns.Select((_, i) => i < 2 ? " --- |" : " ---: |"))).Append('\n');
        foreach (var r in run.Summary)
        {
            sb.Append("| ").Append(string.Join(" | ", Cells(r))).Append(" |\n");
        }
        var failures = run.Cases.Where(c => c.Status == CaseStatus.Failed).ToList();
        sb.Append("\n## Failures (").Append(I(failures.Count)).Append(")\n\n");
        if (failures.Count == 0)
        {
            sb.Append("None.\n");
        }
        foreach (var f in failures)
        {
            sb.Append("- `").Append(f.Case.Name).Append("`: ").Append(f.FailureMessage.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Json(RunResult run)
    {
        var rows = run.Summary;
        var totals = new JsonOut.Obj()
            .Add("cases", JsonOut.Int(run.Cases.Count)).Add("passed", JsonOut.Int(run.Passed)).Add("failed", JsonOut.Int(run.Failed))
            .Add("skipped", JsonOut.Int(run.Skipped)).Add("bit_identical", JsonOut.Int(rows.Sum(r => r.BitIdentical)))
            .Add("expected_bit_identical", JsonOut.Int(rows.Sum(r => r.ExpectedBitIdentical)))
            .Add("expected_bit_identical_hit", JsonOut.Int(rows.Sum(r => r.ExpectedBitIdenticalHit)))
            .Add("exit_code", JsonOut.Int(run.ExitCode));
        var notes = new JsonOut.Arr();
        foreach (string n in Notes(run))
        {
            notes.Add(JsonOut.String(n));
        }
        var summary = new JsonOut.Arr();
        foreach (var r in rows)
        {
            summary.Add(new JsonOut.Obj()
                .Add("op", JsonOut.String(r.Op.Name)).Add("dtype", JsonOut.String(r.DType.Name()))
                .Add("cases", JsonOut.Int(r.Cases)).Add("passed", JsonOut.Int(r.Passed)).Add("failed", JsonOut.Int(r.Failed)).Add("skipped", JsonOut.Int(r.Skipped))
                .Add("value_max_abs", JsonOut.Double(r.ValueMaxAbs)).Add("value_max_rel", JsonOut.Double(r.ValueMaxRel)).Add("value_max_ulp", JsonOut.Int(r.ValueMaxUlp))
                .Add("grad_max_abs", JsonOut.Double(r.GradMaxAbs)).Add("grad_max_rel", JsonOut.Double(r.GradMaxRel)).Add("grad_max_ulp", JsonOut.Int(r.GradMaxUlp))
                .Add("bit_identical", JsonOut.Int(r.BitIdentical)).Add("expected_bit_identical", JsonOut.Int(r.ExpectedBitIdentical))
                .Add("expected_bit_identical_hit", JsonOut.Int(r.ExpectedBitIdenticalHit)));
        }
        var cases = new JsonOut.Arr();
        foreach (var c in run.Cases)
        {
            var o = new JsonOut.Obj()
                .Add("name", JsonOut.String(c.Case.Name ?? ""))
                .Add("status", JsonOut.String(c.Status.ToString().ToLowerInvariant()))
                .Add("torch", JsonOut.String(c.Torch.ToString().ToLowerInvariant()))
                .Add("snapshot", JsonOut.String(c.Snapshot is null ? "not checked" : c.Snapshot.Failed ? "failed" : c.Snapshot.Missing ? "missing" : c.Snapshot.Passed ? "passed" : "not checked"))
                .Add("max_abs_diff", JsonOut.Double(c.Outcome.MaxAbsDiff))
                .Add("max_ulp_diff", JsonOut.Int(c.Outcome.MaxUlpDiff))
                .Add("bit_identical", JsonOut.Bool(c.BitIdentical))
                .Add("expect_bit_identical", JsonOut.Bool(c.Case.ExpectBitIdentical));
            if (c.Status == CaseStatus.Failed)
            {
                o.Add("message", JsonOut.String(c.FailureMessage));
            }
            cases.Add(o);
        }
        return new JsonOut.Obj().Add("totals", totals).Add("notes", notes).Add("summary", summary).Add("cases", cases).ToJson() + "\n";
    }

    private static string JUnit(RunResult run)
    {
        var suites = new XElement("testsuites",
            new XAttribute("name", "parity"),
            new XAttribute("tests", run.Cases.Count),
            new XAttribute("failures", run.Failed),
            new XAttribute("errors", 0),
            new XAttribute("skipped", run.Skipped));
        foreach (var g in run.Cases.GroupBy(c => (c.Case.Op, c.Case.DType)).OrderBy(g => OpCatalog.Order(g.Key.Op)).ThenBy(g => g.Key.DType))
        {
            string suiteName = $"{g.Key.Op.Name}.{g.Key.DType.Name()}";
            var suite = new XElement("testsuite",
                new XAttribute("name", suiteName),
                new XAttribute("tests", g.Count()),
                new XAttribute("failures", g.Count(c => c.Status == CaseStatus.Failed)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", g.Count(c => c.Status == CaseStatus.Skipped)));
            foreach (var c in g)
            {
                var tc = new XElement("testcase", new XAttribute("classname", "parity." + suiteName), new XAttribute("name", c.Case.Name ?? ""));
                if (c.Status == CaseStatus.Failed)
                {
                    string msg = c.FailureMessage;
                    tc.Add(new XElement("failure", new XAttribute("message", Xml(msg.Length > 500 ? msg[..500] + "…" : msg)), Xml(msg)));
                }
                else if (c.Status == CaseStatus.Unsupported)
                {
                    tc.Add(new XElement("skipped", new XAttribute("message", Xml("unsupported: " + c.Outcome.Native.Unsupported))));
                }
                else if (c.Status == CaseStatus.ReferenceUndefined)
                {
                    tc.Add(new XElement("skipped", new XAttribute("message", Xml("reference undefined: " + c.Case.ReferenceUndefined))));
                }
                else if (c.Status == CaseStatus.Skipped)
                {
                    tc.Add(new XElement("skipped", new XAttribute("message", Xml(run.TorchNote is null ? "nothing to compare against" : "libtorch comparisons skipped: " + run.TorchNote))));
                }
                suite.Add(tc);
            }
            suites.Add(suite);
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites).Declaration + "\n" + suites + "\n";
    }

    // XML 1.0 cannot carry most control characters; replace them.
    private static string Xml(string s) => new(s.Select(ch => ch < ' ' && ch is not ('\n' or '\t' or '\r') ? '?' : ch).ToArray());

    private static string Html(RunResult run)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Parity run</title>\n<style>\n")
          .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
          .Append("th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l{text-align:left}")
          .Append("tr.fail td{background:#fde2e2}.plot{display:inline-block;margin:1em 2em 1em 0;vertical-align:top}")
          .Append("svg text{font-size:10px;font-family:system-ui,sans-serif}.note{background:#fff7d6;padding:.5em}\n")
          .Append("</style>\n</head>\n<body>\n<h1>Parity run</h1>\n");
        sb.Append("<p id=\"totals\">").Append(E(Totals(run))).Append("</p>\n");
        foreach (string n in Notes(run))
        {
            sb.Append("<p class=\"note\">").Append(E(n)).Append("</p>\n");
        }
        sb.Append("<h2>Summary</h2>\n<table id=\"summary\">\n<tr>");
        foreach (string c in Columns)
        {
            sb.Append("<th>").Append(E(c)).Append("</th>");
        }
        sb.Append("</tr>\n");
        foreach (var r in run.Summary)
        {
            sb.Append(r.Failed > 0 ? "<tr class=\"fail\">" : "<tr>");
            var cells = Cells(r);
            for (int i = 0; i < cells.Count; i++)
            {
                sb.Append(i < 2 ? "<td class=\"l\">" : "<td>").Append(E(cells[i])).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n<h2>ULP differences, native vs libtorch (outputs and gradients, per element)</h2>\n");
        var hists = UlpHistogram.Build(run.Cases);
        foreach (var h in hists)
        {
            sb.Append(Svg(h));
        }
        if (hists.Count == 0)
        {
            sb.Append("<p>No cases.</p>\n");
        }
        var failures = run.Cases.Where(c => c.Status == CaseStatus.Failed).ToList();
        sb.Append("<h2>Failures (").Append(I(failures.Count)).Append(")</h2>\n<ul id=\"failures\">\n");
        foreach (var f in failures)
        {
            sb.Append("<li><code>").Append(E(f.Case.Name ?? "")).Append("</code>: ").Append(E(f.FailureMessage)).Append("</li>\n");
        }
        sb.Append("</ul>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>One histogram as an inline SVG bar chart (log-scaled bar heights, counts printed above the bars).</summary>
    private static string Svg(UlpHistogram h)
    {
        const int barW = 22, gap = 4, plotH = 120, top = 24, bottom = 48, left = 8;
        int n = h.Counts.Count;
        int width = left + (n * (barW + gap)) + 8;
        int height = top + plotH + bottom;
        double maxLog = Math.Log10(1 + h.Counts.DefaultIfEmpty(0).Max());
        long total = h.Counts.Sum();
        var sb = new StringBuilder();
        string title = $"{h.Op.Name}: {total} elements";
        sb.Append("<div class=\"plot\" data-op=\"").Append(h.Op.Name).Append("\">\n")
          .Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(I(width)).Append("\" height=\"").Append(I(height))
          .Append("\" role=\"img\" aria-label=\"").Append(WebUtility.HtmlEncode(title)).Append("\">\n")
          .Append("<text x=\"").Append(I(left)).Append("\" y=\"14\" font-weight=\"bold\">").Append(WebUtility.HtmlEncode(title)).Append("</text>\n");
        for (int i = 0; i < n; i++)
        {
            long c = h.Counts[i];
            double hh = maxLog == 0 ? 0 : plotH * Math.Log10(1 + c) / maxLog;
            int x = left + (i * (barW + gap));
            string y = (top + plotH - hh).ToString("0.#", CultureInfo.InvariantCulture);
            string color = i == 0 ? "#3a7d44" : i < 3 ? "#8cb369" : i == n - 1 ? "#bc4749" : "#f4a259";
            sb.Append("<rect x=\"").Append(I(x)).Append("\" y=\"").Append(y).Append("\" width=\"").Append(I(barW))
              .Append("\" height=\"").Append(hh.ToString("0.#", CultureInfo.InvariantCulture)).Append("\" fill=\"").Append(color).Append("\"><title>")
              .Append(WebUtility.HtmlEncode($"{h.Labels[i]} ulp: {c}")).Append("</title></rect>\n");
            if (c > 0)
            {
                sb.Append("<text x=\"").Append(I(x + (barW / 2))).Append("\" y=\"").Append((top + plotH - hh - 2).ToString("0.#", CultureInfo.InvariantCulture))
                  .Append("\" text-anchor=\"middle\">").Append(I(c)).Append("</text>\n");
            }
            sb.Append("<text transform=\"translate(").Append(I(x + (barW / 2))).Append(',').Append(I(top + plotH + 8))
              .Append(") rotate(45)\">").Append(WebUtility.HtmlEncode(h.Labels[i])).Append("</text>\n");
        }
        sb.Append("</svg>\n</div>\n");
        return sb.ToString();
    }
}
