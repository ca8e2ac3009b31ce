using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Tests.Fakes;
using Parity.Native;

namespace Parity.Cli.Tests;

// Snapshot commands over a temp directory with stand-in backends (machinery only; never the repository's snapshots/).
public class SnapshotCommandTests
{
    [Fact]
    public void Update_ThenCheck_Passes_ThenRunComparesWithThem()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("snapshot", "update", "--op", "sigmoid", "--dir", "snaps"));
        int n = CliHarness.GoodCases.Count(c => c.Op == TestOps.Sigmoid);
        Assert.Equal($"wrote {n} snapshots to {Path.Combine(cli.WorkDir, "snaps")}", cli.Out.Trim());
        string file = Path.Combine(cli.WorkDir, "snaps", "sigmoid.float32.N4C5.verified.txt");
        Assert.Contains("meta libtorch \"fake\"", File.ReadAllText(file), StringComparison.Ordinal);

        Assert.Equal(0, cli.Run("snapshot", "check", "--op", "sigmoid", "--dir", "snaps"));
        Assert.Equal($"{2 * n} checks passed, 0 failed, 0 orphan snapshots", cli.Out.Trim());

        // --no-torch: the snapshots alone decide, and they pass.
        Assert.Equal(0, cli.Run("run", "--op", "sigmoid", "--no-torch", "--snapshots", "snaps"));
        Assert.Contains($"{n} cases: {n} passed, 0 failed, 0 skipped", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenNative_FailsAgainstTheSnapshots_WithoutWritingReceivedFiles()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("snapshot", "update", "--filter", "sigmoid.float32.*", "--dir", "snaps"));
        cli.Native.Broken.Add(TestOps.Sigmoid);
        Assert.Equal(1, cli.Run("run", "--filter", "sigmoid.float32.*", "--no-torch", "--snapshots", "snaps"));
        Assert.Contains("FAIL sigmoid.float32.N4C5: snapshot: native Snapshot 'sigmoid.float32.N4C5' does not match its verified file:", cli.Out, StringComparison.Ordinal);
        // A received file from native values could be accepted into the verified snapshots: none is written.
        Assert.Empty(Directory.GetFiles(Path.Combine(cli.WorkDir, "snaps"), "*.received.*"));
    }

    [Fact]
    public void Check_ReportsMissingAndOrphans_PruneRemovesOrphans()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("snapshot", "update", "--op", "sigmoid", "--dir", "snaps"));
        string dir = Path.Combine(cli.WorkDir, "snaps");
        File.Copy(Path.Combine(dir, "sigmoid.float32.N4C5.verified.txt"), Path.Combine(dir, "sigmoid.float32.gone.verified.txt"));
        File.Delete(Path.Combine(dir, "sigmoid.float64.S.verified.txt"));

        Assert.Equal(1, cli.Run("snapshot", "check", "--op", "sigmoid", "--dir", "snaps"));
        Assert.Contains("MISSING (native) sigmoid.float64.S", cli.Out, StringComparison.Ordinal);
        Assert.Contains("ORPHAN sigmoid.float32.gone (no case of that name; remove it with parity snapshot prune)", cli.Out, StringComparison.Ordinal);

        Assert.Equal(0, cli.Run("snapshot", "prune", "--dir", "snaps"));
        Assert.Equal("removed sigmoid.float32.gone\n1 orphan snapshots removed", cli.Out.Trim().ReplaceLineEndings("\n"));
        Assert.False(File.Exists(Path.Combine(dir, "sigmoid.float32.gone.verified.txt")));
    }

    [Fact]
    public void Check_WritesLibtorchReceivedFiles_AcceptMovesThem()
    {
        using var cli = new CliHarness();
        Assert.Equal(0, cli.Run("snapshot", "update", "--filter", "sigmoid.float64.*", "--dir", "snaps"));
        string dir = Path.Combine(cli.WorkDir, "snaps");
        File.Delete(Path.Combine(dir, "sigmoid.float64.C5.verified.txt"));
        Assert.Equal(1, cli.Run("snapshot", "check", "--filter", "sigmoid.float64.*", "--dir", "snaps"));
        Assert.Single(Directory.GetFiles(dir, "sigmoid.float64.C5.received.*"));

        Assert.Equal(0, cli.Run("snapshot", "accept", "--filter", "sigmoid.float64.C5", "--dir", "snaps"));
        Assert.Equal("accepted sigmoid.float64.C5\n1 snapshots accepted", cli.Out.Trim().ReplaceLineEndings("\n"));
        Assert.True(File.Exists(Path.Combine(dir, "sigmoid.float64.C5.verified.txt")));
        Assert.Equal(0, cli.Run("snapshot", "check", "--filter", "sigmoid.float64.*", "--dir", "snaps"));
    }

    [Fact]
    public void Accept_RefusedInCi()
    {
        using var cli = new CliHarness(ci: "true");
        Directory.CreateDirectory(Path.Combine(cli.WorkDir, "snaps"));
        Assert.Equal(1, cli.Run("snapshot", "accept", "--dir", "snaps"));
        Assert.Equal("parity snapshot accept: Snapshots are never accepted in CI (CI=true); accept them locally and commit the verified files.", cli.Err.Trim());
    }

    [Fact]
    public void MissingSnapshot_FailsRunInCi_ButNotLocally()
    {
        using var local = new CliHarness();
        Assert.Equal(0, local.Run("snapshot", "update", "--filter", "sigmoid.float32.S", "--dir", "snaps"));
        Assert.Equal(0, local.Run("run", "--filter", "sigmoid.float32.*", "--snapshots", "snaps"));

        using var ci = new CliHarness(ci: "true");
        Assert.Equal(0, ci.Run("snapshot", "update", "--filter", "sigmoid.float32.S", "--dir", "snaps"));
        Assert.Equal(1, ci.Run("run", "--filter", "sigmoid.float32.*", "--snapshots", "snaps"));
        Assert.Contains("FAIL sigmoid.float32.C5: snapshot: Snapshot 'sigmoid.float32.C5' is missing: there is no verified file.", ci.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_WithoutLibtorch_Refuses()
    {
        using var cli = new CliHarness(torch: false);
        Assert.Equal(1, cli.Run("snapshot", "update", "--dir", "snaps"));
        Assert.Equal("parity snapshot update: snapshots are made from libtorch, which is unavailable (libtorch unavailable: test)", cli.Err.Trim());
    }
}
