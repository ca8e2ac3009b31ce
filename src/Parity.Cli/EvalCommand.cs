using Parity.Harness.Ops;
using System.CommandLine;
using Parity.Harness.Cases;
using Parity.Harness.Evaluation;

namespace Parity.Cli;

/// <summary>
/// <c>parity eval CASE.json|-</c>: evaluates user-written cases on both sides and prints the result JSON (<see cref="Parity.Harness.Evaluation.ResultWriter"/>).
/// </summary>
/// <remarks>Exit codes: 0 every case matched (or libtorch was not run), 1 some case did not match, 2 a bad case file.</remarks>
internal static class EvalCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("eval", "Evaluate a case file (one case object or an array sharing one generator) natively and with libtorch; print the results as JSON");
        var file = new Argument<string>("CASE") { Description = "The case file, or - for standard input" };
        var noTorch = new Option<bool>("--no-torch") { Description = "Native only: omit the torch result and inputs_identical" };
        var showInputs = new Option<bool>("--show-inputs") { Description = "Also print the natively drawn (and mapped) inputs of each case" };
        cmd.Add(file);
        cmd.Add(noTorch);
        cmd.Add(showInputs);
        var backend = new Option<string?>("--backend") { Description = BackendLoader.Help };
        cmd.Add(backend);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(file)!;
            IReadOnlyList<CaseSpec> cases;
            try
            {
                cases = CaseReader.ReadFile(path == "-" ? "-" : host.Resolve(path), host.In);
            }
            catch (CaseFormatException e)
            {
                // Name the file as the user wrote it, not its resolved full path.
                host.Err.WriteLine("parity eval: " + (path == "-" ? e.Message : e.Message.Replace(host.Resolve(path), path, StringComparison.Ordinal)));
                return ParityApp.ExitUsage;
            }
            bool skipTorch = p.GetValue(noTorch);
            var underTest = BackendLoader.Load(p.GetValue(backend), host);
            var backends = host.Backends(skipTorch);
            if (underTest is not null)
            {
                backends = backends with { Native = underTest };
            }
            if (!skipTorch && backends.Torch is null)
            {
                host.Err.WriteLine($"parity eval: libtorch unavailable ({backends.TorchNote}); printing native results only");
            }
            var evaluator = new CaseEvaluator(backends.Native, backends.NativeRandom(), backends.Torch, backends.TorchRandom?.Invoke());
            var outcomes = evaluator.EvaluateAll(cases);
            host.Out.WriteLine(ResultWriter.Write(outcomes, p.GetValue(showInputs)));
            return outcomes.Any(o => o.Match == false) ? ParityApp.ExitFailed : 0;
        });
        return cmd;
    }
}
