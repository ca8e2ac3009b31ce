using Parity.Harness.Ops;
using System.CommandLine;
using Parity.Harness.Cases;

namespace Parity.Cli;

/// <summary><c>parity list</c>: the built-in cases, filterable; <c>--json</c> prints them in the <c>parity eval</c> format.</summary>
internal static class ListCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("list", "List the built-in matrix cases (names, or --json in the parity eval case format)");
        var sel = new SelectionOptions();
        sel.AddTo(cmd);
        var json = new Option<bool>("--json") { Description = "Print the cases as a JSON array in the parity eval case format" };
        cmd.Add(json);
        var ops = new Option<bool>("--ops") { Description = "Print the registered ops with their PyTorch signatures (differentiable tensors marked *) instead of cases" };
        cmd.Add(ops);
        cmd.SetAction(p =>
        {
            if (p.GetValue(ops))
            {
                foreach (var op in OpCatalog.All)
                {
                    host.Out.WriteLine(Signature(op));
                }
                return 0;
            }
            var catalogue = ParityApp.Catalogue(host);
            var selected = sel.Read(p).Apply(catalogue).Select(i => catalogue[i]).ToList();
            if (p.GetValue(json))
            {
                host.Out.WriteLine(CaseWriter.Write(selected));
            }
            else
            {
                foreach (var c in selected)
                {
                    host.Out.WriteLine(c.Name);
                }
            }
            host.Err.WriteLine($"{selected.Count} of {catalogue.Count} cases");
            return 0;
        });
        return cmd;
    }

    /// <summary><c>name(input*, target, weight=None, ignore_index=-100, reduction='mean')</c>: PyTorch's parameters and defaults.</summary>
    internal static string Signature(OpDefinition op)
    {
        var parts = op.Schema.Tensors.Select(t => t.Name + (t.Differentiable ? "*" : "") + (t.Required ? "" : "=None"))
            .Concat(op.Schema.Scalars.Select(s => $"{s.Name}={s.Default}" + (s.Choices is { } c ? " {" + string.Join("|", c) + "}" : "")));
        return $"{op.Name}({string.Join(", ", parts)})";
    }
}
