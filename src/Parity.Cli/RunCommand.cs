using Parity.Harness.Ops;
using System.CommandLine;
using System.Globalization;
using Parity.Harness.Reports;
using Parity.Harness.Running;
using Spectre.Console;

namespace Parity.Cli;

/// <summary><c>parity run</c>: the whole matrix, native vs libtorch and vs snapshots, a summary table, reports.</summary>
internal static class RunCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("run", "Run the built-in parity matrix: native vs libtorch (values, gradients, errors) and vs the snapshots; exit 0 only when nothing failed");
        var sel = new SelectionOptions();
        sel.AddTo(cmd);
        var threads = new Option<int>("--threads") { Description = "Worker threads (each case is seeded, so results do not depend on it)", DefaultValueFactory = _ => 1 };
        var noTorch = new Option<bool>("--no-torch") { Description = "Do not load libtorch: compare with the snapshots only (libtorch comparisons count as skipped)" };
        var report = new Option<string[]>("--report") { Description = "Write a report; the format follows the extension: .md, .json, .xml (JUnit), .html" };
        var snapshots = new Option<string?>("--snapshots") { Description = "Snapshot directory (default: ./snapshots when it exists)" };
        var noSnapshots = new Option<bool>("--no-snapshots") { Description = "Do not compare with snapshots" };
        var backend = new Option<string?>("--backend") { Description = BackendLoader.Help };
        cmd.Add(backend);
        cmd.Add(threads);
        cmd.Add(noTorch);
        cmd.Add(report);
        cmd.Add(snapshots);
        cmd.Add(noSnapshots);
        cmd.SetAction(p =>
        {
            var selection = sel.Read(p);
            var reports = p.GetValue(report) ?? [];
            foreach (string r in reports)
            {
                try
                {
                    RunReports.FormatFor(r);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException("--report: " + e.Message.Split(" (Parameter", 2)[0]);
                }
            }
            int n = p.GetValue(threads);
            if (n < 1)
            {
                throw new UsageException("--threads must be at least 1");
            }
            var underTest = BackendLoader.Load(p.GetValue(backend), host);
            return Execute(host, selection, n, p.GetValue(noTorch), reports, p.GetValue(snapshots), p.GetValue(noSnapshots), underTest);
        });
        return cmd;
    }

    private static int Execute(ParityHost host, CaseSelection selection, int threads, bool noTorch, string[] reports, string? snapshotDir, bool noSnapshots,
                               IOpBackend? underTest)
    {
        var catalogue = ParityApp.Catalogue(host);
        var selected = selection.Apply(catalogue);
        var backends = host.Backends(noTorch);
        if (underTest is not null)
        {
            backends = backends with { Native = underTest };
            host.Err.WriteLine($"note: backend under test: {underTest.Name} ({underTest.GetType().FullName}) in place of the native ops");
        }
        var console = Consoles.Create(host.Out);
        var err = host.Err;
        if (backends.Torch is null)
        {
            err.WriteLine($"note: libtorch comparisons are skipped ({backends.TorchNote ?? "libtorch not used"}); they count as skipped, never as passed.");
        }
        var (verifier, snapshotNote) = SnapshotWiring.ForRun(host, snapshotDir, noSnapshots);
        if (snapshotNote is not null)
        {
            err.WriteLine("note: " + snapshotNote);
        }

        bool interactive = host.Interactive ?? (!Console.IsOutputRedirected && !host.IsCi && ReferenceEquals(host.Out, Console.Out));
        RunResult result;
        if (interactive)
        {
            result = console.Progress().AutoClear(false).Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"parity: {selected.Count} cases", maxValue: Math.Max(1, selected.Count));
                    return MatrixRunner.Run(catalogue, selected, backends, verifier, threads, _ => task.Increment(1));
                });
        }
        else
        {
            int done = 0, failed = 0;
            int step = Math.Max(1, selected.Count / 20);
            host.Out.WriteLine($"parity: running {selected.Count} cases");
            result = MatrixRunner.Run(catalogue, selected, backends, verifier, threads, r =>
            {
                done++;
                if (r.Status == CaseStatus.Failed)
                {
                    failed++;
                    host.Out.WriteLine($"FAIL {r.Case.Name}: {r.FailureMessage}");
                }
                if (done % step == 0 || done == selected.Count)
                {
                    host.Out.WriteLine($"[{done}/{selected.Count}] {failed} failed");
                }
            });
        }
        result = result with { SnapshotNote = snapshotNote ?? result.SnapshotNote };
        PrintSummary(console, result);
        foreach (string r in reports)
        {
            string path = host.Resolve(r);
            RunReports.Write(result, path);
            host.Out.WriteLine($"report: {path}");
        }
        return result.ExitCode;
    }

    private static void PrintSummary(IAnsiConsole console, RunResult result)
    {
        string side = result.Cases.Count > 0 ? result.Cases[0].Side : "native";
        var table = new Table().Border(TableBorder.Rounded).Title($"parity: {Markup.Escape(side)} vs libtorch, per op × dtype");
        for (int i = 0; i < RunReports.Columns.Count; i++)
        {
            var col = new TableColumn(RunReports.Columns[i]);
            table.AddColumn(i < 2 ? col : col.RightAligned());
        }
        foreach (var row in result.Summary)
        {
            var cells = RunReports.Cells(row).Select(c => Markup.Escape(c)).ToArray();
            if (row.Failed > 0)
            {
                cells[4] = $"[red]{cells[4]}[/]";
            }
            table.AddRow(cells);
        }
        console.Write(table);
        console.WriteLine(RunReports.Totals(result));
        if (result.Unsupported > 0)
        {
            console.WriteLine("Run / unsupported by the backend under test, per op:");
            foreach (var g in result.Cases.GroupBy(c => c.Case.Op).OrderBy(g => OpCatalog.Order(g.Key)))
            {
                int unsupported = g.Count(c => c.Status == CaseStatus.Unsupported);
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {g.Key.Name,-34} run {g.Count() - unsupported,5}  unsupported {unsupported,5}"));
            }
        }
        var partial = result.Cases.Where(c => c.Status != CaseStatus.Unsupported && c.Outcome.Native.GradientsNotCompared.Count > 0).ToList();
        if (partial.Count > 0)
        {
            console.WriteLine("Gradients the backend under test does not give (those cases ran without them), per op:");
            foreach (var g in partial.GroupBy(c => c.Case.Op).OrderBy(g => OpCatalog.Order(g.Key)))
            {
                var names = g.SelectMany(c => c.Outcome.Native.GradientsNotCompared).GroupBy(n => n).Select(n => $"{n.Key} ({n.Count()} case(s))");
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {g.Key.Name,-34} {string.Join(", ", names)}"));
            }
        }
        if (result.TorchNote is not null)
        {
            console.WriteLine($"libtorch comparisons skipped: {result.TorchNote}");
        }
        if (result.SnapshotNote is not null)
        {
            console.WriteLine(result.SnapshotNote);
        }
        var failures = result.Cases.Where(c => c.Status == CaseStatus.Failed).ToList();
        if (failures.Count > 0)
        {
            console.WriteLine($"Failed cases ({failures.Count.ToString(CultureInfo.InvariantCulture)}):");
            foreach (var f in failures.Take(100))
            {
                console.WriteLine($"  {f.Case.Name}: {f.FailureMessage}");
            }
            if (failures.Count > 100)
            {
                console.WriteLine($"  … and {(failures.Count - 100).ToString(CultureInfo.InvariantCulture)} more (see --report)");
            }
        }
        console.WriteLine(result.ExitCode switch
        {
            0 => "parity: OK",
            ParityApp.ExitNothingVerified => "parity: nothing was verified (every case skipped)",
            _ => "parity: FAILED",
        });
    }
}

/// <summary>Spectre consoles over a writer.</summary>
internal static class Consoles
{
    public static IAnsiConsole Create(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 240;
        }
        return console;
    }
}
