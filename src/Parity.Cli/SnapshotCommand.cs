using Parity.Harness.Ops;
using System.CommandLine;
using Parity.Harness.Cases;
using Parity.Harness.Evaluation;
using Parity.Harness.Running;
using Parity.Snapshots;

namespace Parity.Cli;

/// <summary><c>parity snapshot accept|update|check|prune</c> over the built-in matrix.</summary>
internal static class SnapshotCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("snapshot", "Manage the snapshots of the built-in matrix (expected values computed by libtorch, one file per case)");
        cmd.Add(Update(host));
        cmd.Add(Check(host));
        cmd.Add(Accept(host));
        cmd.Add(Prune(host));
        return cmd;
    }

    private static Option<string?> DirOption() => new("--dir") { Description = $"Snapshot directory (default: ./{SnapshotWiring.DefaultDirectory})" };

    private static Command Update(ParityHost host)
    {
        var cmd = new Command("update", "Regenerate the verified snapshots of the selected cases from libtorch (on libtorch's own draw)");
        var sel = new SelectionOptions();
        sel.AddTo(cmd);
        var dir = DirOption();
        cmd.Add(dir);
        cmd.SetAction(p =>
        {
            var catalogue = ParityApp.Catalogue(host);
            var selected = sel.Read(p).Apply(catalogue);
            var backends = host.Backends(false);
            if (backends.Torch is null || backends.TorchRandom is null)
            {
                host.Err.WriteLine($"parity snapshot update: snapshots are made from libtorch, which is unavailable ({backends.TorchNote})");
                return ParityApp.ExitFailed;
            }
            var store = SnapshotWiring.Store(host, p.GetValue(dir));
            Directory.CreateDirectory(store.Directory);
            var provenance = host.Provenance();
            ForEachReference(catalogue, selected, backends, (spec, result, inputs) =>
                store.Write(spec.Name!, StoreVerifier.Content(spec, result, inputs, provenance)));
            host.Out.WriteLine($"wrote {selected.Count} snapshots to {store.Directory}");
            return 0;
        });
        return cmd;
    }

    private static Command Check(ParityHost host)
    {
        var cmd = new Command("check", "Check native and libtorch (each on its own draw) against the snapshots, and report orphan snapshots");
        var sel = new SelectionOptions();
        sel.AddTo(cmd);
        var dir = DirOption();
        var noTorch = new Option<bool>("--no-torch") { Description = "Check the native side only" };
        cmd.Add(dir);
        cmd.Add(noTorch);
        cmd.SetAction(p =>
        {
            var catalogue = ParityApp.Catalogue(host);
            var selected = sel.Read(p).Apply(catalogue);
            var store = SnapshotWiring.Store(host, p.GetValue(dir));
            var verifier = new StoreVerifier(store);
            var backends = host.Backends(p.GetValue(noTorch));
            int failed = 0, passed = 0;
            void Report(string side, SnapshotCheck c)
            {
                if (c.Passed)
                {
                    passed++;
                    return;
                }
                if (c.Status == SnapshotStatus.Missing && !store.Options.IsCi)
                {
                    host.Out.WriteLine($"MISSING ({side}) {c.Name}");
                }
                else
                {
                    host.Out.WriteLine($"FAIL ({side}) {c.Message}");
                }
                failed++;
            }
            var nativeEval = new CaseEvaluator(backends.Native, backends.NativeRandom());
            int last = -2;
            foreach (int index in selected)
            {
                var spec = catalogue[index];
                if (spec.ReferenceUndefined is not null)
                {
                    continue; // no snapshot: libtorch's value is undefined
                }
                ReplayChain(catalogue, index, last, nativeEval.Replay);
                var o = nativeEval.Evaluate(spec);
                last = index;
                Report("native", verifier.Check(spec, o.Native, o.Inputs, writeReceived: false));
            }
            if (backends.Torch is not null && backends.TorchRandom is not null)
            {
                ForEachReference(catalogue, selected, backends, (spec, result, inputs) =>
                    Report("libtorch", verifier.Check(spec, result, inputs, writeReceived: true)));
            }
            else
            {
                host.Err.WriteLine($"note: libtorch not checked ({backends.TorchNote ?? "--no-torch"})");
            }
            var orphans = store.Orphans(catalogue.Select(c => c.Name!));
            foreach (string o in orphans)
            {
                host.Out.WriteLine($"ORPHAN {o} (no case of that name; remove it with parity snapshot prune)");
            }
            host.Out.WriteLine($"{passed} checks passed, {failed} failed, {orphans.Count} orphan snapshots");
            return failed > 0 || orphans.Count > 0 ? ParityApp.ExitFailed : 0;
        });
        return cmd;
    }

    private static Command Accept(ParityHost host)
    {
        var cmd = new Command("accept", "Accept received snapshot files (written by check from libtorch) as verified; refused when CI=true");
        var filter = new Option<string?>("--filter") { Description = "Only names matching this pattern (* and ? wildcards, else a substring)" };
        var dir = DirOption();
        cmd.Add(filter);
        cmd.Add(dir);
        cmd.SetAction(p =>
        {
            var store = SnapshotWiring.Store(host, p.GetValue(dir));
            var re = p.GetValue(filter) is { } f ? CaseSelection.FilterRegex(f) : null;
            try
            {
                var accepted = store.Accept(re is null ? null : re.IsMatch);
                foreach (string a in accepted)
                {
                    host.Out.WriteLine($"accepted {a}");
                }
                host.Out.WriteLine($"{accepted.Count} snapshots accepted");
                return 0;
            }
            catch (InvalidOperationException e)
            {
                host.Err.WriteLine("parity snapshot accept: " + e.Message);
                return ParityApp.ExitFailed;
            }
        });
        return cmd;
    }

    private static Command Prune(ParityHost host)
    {
        var cmd = new Command("prune", "Delete verified snapshots that no built-in case has (orphans)");
        var dir = DirOption();
        cmd.Add(dir);
        cmd.SetAction(p =>
        {
            var store = SnapshotWiring.Store(host, p.GetValue(dir));
            var removed = store.Prune(ParityApp.Catalogue(host).Select(c => c.Name!));
            foreach (string r in removed)
            {
                host.Out.WriteLine($"removed {r}");
            }
            host.Out.WriteLine($"{removed.Count} orphan snapshots removed");
            return 0;
        });
        return cmd;
    }

    /// <summary>Before a seedless case, replays its chain unless the previous evaluated case was its predecessor.</summary>
    private static void ReplayChain(IReadOnlyList<CaseSpec> catalogue, int index, int last, Action<CaseSpec> replay)
    {
        if (catalogue[index].Seed is not null || last == index - 1)
        {
            return;
        }
        int start = index;
        while (start > 0 && catalogue[start].Seed is null)
        {
            start--;
        }
        for (int j = start; j < index; j++)
        {
            replay(catalogue[j]);
        }
    }

    /// <summary>Runs libtorch alone, on its own draw, over the selected cases in order.</summary>
    private static void ForEachReference(IReadOnlyList<CaseSpec> catalogue, IReadOnlyList<int> selected, ParityBackends backends,
        Action<CaseSpec, SideResult, DrawnInputs?> action)
    {
        var torchOnly = new CaseEvaluator(backends.Torch!, backends.TorchRandom!(), backends.Torch, backends.TorchRandom!());
        int last = -2;
        foreach (int index in selected)
        {
            if (catalogue[index].ReferenceUndefined is not null)
            {
                continue; // no snapshot: libtorch's value is undefined
            }
            ReplayChain(catalogue, index, last, torchOnly.Replay);
            var (result, inputs) = torchOnly.EvaluateReference(catalogue[index]);
            last = index;
            action(catalogue[index], result, inputs);
        }
    }
}
