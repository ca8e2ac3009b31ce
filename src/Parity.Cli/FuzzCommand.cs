using Parity.Harness.Ops;
using System.CommandLine;
using System.Globalization;
using Parity.Harness.Fuzz;
using Parity.Native;

namespace Parity.Cli;

/// <summary>
/// <c>parity fuzz --cases N --seed S [--op …]</c>: generated cases (CsCheck) compared native vs libtorch; every
/// disagreement is shrunk and printed as a ready-to-run <c>parity eval</c> case.
/// </summary>
/// <remarks>
/// Exit codes: 0 no disagreement, 1 a disagreement, 2 bad usage, 3 nothing compared (libtorch unavailable, or the
/// backend under test declined every case). Cases the backend declines are counted as unsupported; gradients it does
/// not give (<see cref="ISupportedOps.SupportedGradients"/>) are listed per op as not compared.
/// </remarks>
internal static class FuzzCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("fuzz", "Generate cases per op (CsCheck), compare native and libtorch, and print each disagreement shrunk to a `parity eval` case");
        var cases = new Option<int>("--cases") { Description = "Cases per op", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the whole run (same seed, same cases)", DefaultValueFactory = _ => 1 };
        var ops = new Option<string[]>("--op") { Description = "Only these ops (repeatable): " + string.Join(", ", OpCatalog.Names), AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        cmd.Add(cases);
        cmd.Add(seed);
        cmd.Add(ops);
        cmd.Add(threads);
        var backend = new Option<string?>("--backend") { Description = BackendLoader.Help + " (calls it declines count as unsupported; gradients an ISupportedOps backend does not give are left out and listed)" };
        cmd.Add(backend);
        cmd.SetAction(p =>
        {
            int n = p.GetValue(cases);
            int t = p.GetValue(threads);
            if (n < 1 || t < 1)
            {
                throw new UsageException("--cases and --threads must be at least 1");
            }
            IReadOnlyList<OpDefinition>? selected = null;
            if (p.GetValue(ops) is { Length: > 0 } names)
            {
                try
                {
                    selected = names.Select(OpCatalog.Get).Distinct().ToList();
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
            }
            var underTest = BackendLoader.Load(p.GetValue(backend), host);
            var backends = host.Backends(false);
            if (underTest is not null)
            {
                backends = backends with { Native = underTest };
            }
            if (backends.Torch is null)
            {
                host.Err.WriteLine($"parity fuzz: nothing to compare against ({backends.TorchNote})");
                return ParityApp.ExitNothingVerified;
            }
            var lastReport = DateTime.MinValue;
            var options = new FuzzOptions
            {
                CasesPerOp = n,
                Seed = p.GetValue(seed),
                Ops = selected,
                Threads = t,
                // FuzzRunner reports progress one call at a time.
                Progress = pr =>
                {
                    if (pr.Done == pr.Total || DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(2))
                    {
                        lastReport = DateTime.UtcNow;
                        host.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"[{pr.Op.Name}] {pr.Phase} {pr.Done}/{pr.Total}, {pr.Failures} failure(s)"));
                    }
                },
            };
            var report = new FuzzRunner(backends.Native, backends.Torch).Run(options);
            host.Out.Write(report.Format());
            if (!report.Passed)
            {
                host.Out.WriteLine("parity fuzz: DISAGREEMENTS (each shrunk case above runs with `parity eval`)");
                return ParityApp.ExitFailed;
            }
            if (report.Ops.Sum(o => o.Agreed + o.BothThrew) == 0)
            {
                host.Out.WriteLine("parity fuzz: nothing was compared (every case unsupported or skipped)");
                return ParityApp.ExitNothingVerified;
            }
            host.Out.WriteLine("parity fuzz: no disagreement");
            return 0;
        });
        return cmd;
    }
}
