using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Cli.Tests;

/// <summary>
/// A deliberately wrong user backend, loaded by <c>parity run --backend</c> from this test assembly: sigmoid is off by
/// one part in a thousand, softmax is not implemented.
/// </summary>
public sealed class WrongUserBackend : IOpBackend
{
    private readonly NativeBackend _inner = new();

    public string Name => "wrong-user";

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Op.Name == "softmax")
        {
            throw new NotSupportedException("softmax is not in this engine yet");
        }
        var r = _inner.Evaluate(call, wrt, gradOutput);
        if (call.Op.Name != "sigmoid")
        {
            return r;
        }
        var o = r.Output.Clone();
        for (int i = 0; i < o.Numel; i++)
        {
            o.SetDouble(i, o.GetDouble(i) * 1.001);
        }
        return r with { Output = o };
    }
}

public class UserBackendTests
{
    private static string RepositorySnapshots()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parity.sln")))
            {
                return Path.Combine(dir.FullName, "snapshots");
            }
        }
        throw new InvalidOperationException("Parity.sln not found above " + AppContext.BaseDirectory);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ParityApp.Run(args, new NativeBackend(), o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Run_WrongUserBackend_Exits1_NamesFailingCases_CountsUnsupportedApart()
    {
        string spec = typeof(WrongUserBackend).Assembly.Location + ":" + typeof(WrongUserBackend).FullName;
        // Against the committed snapshots (libtorch's values), so the test needs no libtorch.
        var (code, output, err) = Run("run", "--backend", spec, "--op", "sigmoid,softmax", "--no-torch", "--snapshots", RepositorySnapshots());
        Assert.True(code == ParityApp.ExitFailed, output + err);
        Assert.Contains("note: backend under test: wrong-user (Parity.Cli.Tests.WrongUserBackend)", err, StringComparison.Ordinal);
        Assert.Contains("FAIL sigmoid.float32.", output, StringComparison.Ordinal);
        Assert.Contains("FAIL sigmoid.float64.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL softmax.", output, StringComparison.Ordinal);
        // 3 sigmoid edge cases (exact 0 and 1, empty) survive a relative error; the other 14 fail, softmax is unsupported.
        Assert.Contains("63 cases: 3 passed, 14 failed, 0 skipped, 46 unsupported", output, StringComparison.Ordinal);
        Assert.Contains("FAIL sigmoid.float32.N4C5: snapshot: native Snapshot 'sigmoid.float32.N4C5' does not match its verified file", output, StringComparison.Ordinal);
        Assert.Matches(@"softmax\s+run\s+0\s+unsupported\s+46", output);
    }

    [Fact]
    public void Run_FastBackend_OnlyItsOps_NoFailure()
    {
        var (code, output, err) = Run("run", "--backend", "fast", "--op", "nll_loss,sigmoid", "--no-torch", "--snapshots", RepositorySnapshots());
        Assert.True(code == 0, output + err);
        Assert.Matches(@"sigmoid\s+run\s+0\s+unsupported\s+17", output);
        Assert.Matches(@"nll_loss\s+run\s+238\s+unsupported\s+30", output);
    }

    [Fact]
    public void Run_MissingBackendAssembly_IsUsageError()
    {
        var (code, _, err) = Run("run", "--backend", "/nonexistent/engine.dll", "--no-torch", "--no-snapshots");
        Assert.Equal(ParityApp.ExitUsage, code);
        Assert.Contains("--backend: no such assembly '/nonexistent/engine.dll'", err, StringComparison.Ordinal);
    }
}
