using Parity.Harness.Cases;
using Parity.Harness.Matrix;

namespace Parity.Cli.Tests;

public class ListCommandTests
{
    [Fact]
    public void Ops_PrintsEveryRegisteredOpsSignature()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("list", "--ops"));
        var lines = cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Parity.Harness.Ops.OpCatalog.All.Count, lines.Length);
        Assert.Contains("cross_entropy(input*, target*, weight*=None, ignore_index=-100, reduction='mean' {none|mean|sum}, label_smoothing=0.0)", lines);
        Assert.Contains("sigmoid(input*)", lines);
    }

    [Fact]
    public void Names_OnePerLine_AllCases()
    {
        using var cli = new CliHarness(catalogue: ParityMatrix.All);
        Assert.Equal(0, cli.Run("list"));
        Assert.Equal(ParityMatrix.All.Select(c => c.Name!), cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"{ParityMatrix.All.Count} of {ParityMatrix.All.Count} cases", cli.Err.Trim());
    }

    [Fact]
    public void Filter_Wildcards_AndOp()
    {
        using var cli = new CliHarness(catalogue: ParityMatrix.All);
        Assert.Equal(0, cli.Run("list", "--op", "nll_loss", "--filter", "*.float64.sum.w.ii=1.*"));
        Assert.Equal(["nll_loss.float64.sum.w.ii=1.C5", "nll_loss.float64.sum.w.ii=1.N4C5", "nll_loss.float64.sum.w.ii=1.N2C3d4",
                      "nll_loss.float64.sum.w.ii=1.N2C3d2x1x2", "nll_loss.float64.sum.w.ii=1.N0C5", "nll_loss.float64.sum.w.ii=1.N4C1",
                      "nll_loss.float64.sum.w.ii=1.edges.all-ignored"],
                     cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Json_IsTheEvalFormat_AndReadsBack()
    {
        using var cli = new CliHarness(catalogue: ParityMatrix.All);
        Assert.Equal(0, cli.Run("list", "--json", "--filter", "cross_entropy.float32.mean.w.ii=1.ls=0.1."));
        var cases = CaseReader.Parse(cli.Out, "list.json");
        Assert.Equal(12, cases.Count);
        Assert.Equal(ParityMatrix.All.Where(c => c.Name!.Contains("cross_entropy.float32.mean.w.ii=1.ls=0.1.", StringComparison.Ordinal)).Select(c => c.Name), cases.Select(c => c.Name));
        Assert.Equal(cli.Out.TrimEnd(), CaseWriter.Write(cases));
    }
}
