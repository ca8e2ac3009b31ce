using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Cli.Tests;

/// <summary><c>parity fuzz</c>: usage errors, and the real backends with and without a subtly broken native op.</summary>
public class FuzzCommandTests
{
    [Fact]
    public void UnknownOp_ExitsTwo_NamingTheOp()
    {
        using var cli = new CliHarness();
        Assert.Equal(ParityApp.ExitUsage, cli.Run("fuzz", "--op", "hinge_loss"));
        Assert.Contains("unknown op 'hinge_loss'", cli.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroCases_ExitsTwo()
    {
        using var cli = new CliHarness();
        Assert.Equal(ParityApp.ExitUsage, cli.Run("fuzz", "--cases", "0"));
        Assert.Contains("--cases and --threads must be at least 1", cli.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutLibtorch_ExitsThree_NothingCompared()
    {
        using var cli = new CliHarness(torch: false);
        Assert.Equal(ParityApp.ExitNothingVerified, cli.Run("fuzz", "--cases", "5"));
        Assert.Contains("parity fuzz: nothing to compare against", cli.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void RealBackends_Sigmoid_NoDisagreement()
    {
        LiveCliTests.RequireTorch();
        var o = new StringWriter();
        var e = new StringWriter();

        int code = ParityApp.Run(["fuzz", "--cases", "200", "--seed", "3", "--op", "sigmoid"], new NativeBackend(), o, e);

        Assert.True(code == 0, o.ToString() + e.ToString());
        Assert.Contains("sigmoid", o.ToString(), StringComparison.Ordinal);
        Assert.Contains("parity fuzz: no disagreement", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenNativeSigmoid_ExitsOne_PrintsAShrunkEvalCase()
    {
        LiveCliTests.RequireTorch();
        var o = new StringWriter();
        var e = new StringWriter();

        int code = ParityApp.Run(["fuzz", "--cases", "100", "--seed", "3", "--op", "sigmoid"], new LiveCliTests.BrokenOp(TestOps.Sigmoid), o, e);

        Assert.Equal(ParityApp.ExitFailed, code);
        string text = o.ToString();
        Assert.Contains("FAIL sigmoid", text, StringComparison.Ordinal);
        // The shrunk case is printed as `parity eval` JSON: read it back with the case reader.
        int start = text.IndexOf("\n{", StringComparison.Ordinal) + 1;
        int end = text.IndexOf("\n}", start, StringComparison.Ordinal) + 2;
        var shrunk = Assert.Single(CaseReader.Parse(text[start..end]));
        Assert.Equal(TestOps.Sigmoid, shrunk.Op);
        Assert.True(shrunk.Inputs[0].Values!.Numel <= 4, "shrunk to " + shrunk.Inputs[0].Values!.Numel + " elements");
        using var _ = JsonDocument.Parse(text[start..end]);
    }
}
