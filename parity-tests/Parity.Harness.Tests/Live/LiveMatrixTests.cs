using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Matrix;
using Parity.Harness.Running;
using Parity.Snapshots;

namespace Parity.Harness.Tests.Live;

/// <summary>
/// The whole built-in matrix, one reported test per case: native vs libtorch (values, gradients, error texts) with the
/// tolerance model, and native vs the committed snapshot of the case. Skipped (never passed) when libtorch or the
/// snapshot is unavailable.
/// </summary>
public class LiveMatrixTests
{
    public static TheoryData<string> Names { get; } = new(ParityMatrix.All.Select(c => c.Name!));

    [Theory]
    [MemberData(nameof(Names))]
    public void NativeAgreesWithLibtorch(string name)
    {
        SkipWhenUndefined(name);
        var o = LiveBackends.EvaluateMatrixCase(name);
        Assert.True(o.Match == true, $"{name}: {o.Reason}");
        Assert.True(o.InputsIdentical == true, $"{name}: the native generator drew different inputs than libtorch");
        // Cases on libtorch's plain scalar paths (BCE forward and backward, NLL, float sum/mean) are marked
        // ExpectBitIdentical in the catalogue: for those a tolerance is not enough, every bit must agree.
        if (o.Case.ExpectBitIdentical)
        {
            Assert.True(o.ExpectedBitsMet, $"{name}: expected bit-identical to libtorch (scalar kernel), but {o.Output?.Describe("output")}; {o.Grad?.Describe("grad")}");
        }
    }

    [Fact]
    public void ExpectedBitIdenticalCases_AreCountedAndCoverTheScalarOps()
    {
        var marked = ParityMatrix.All.Where(c => c.ExpectBitIdentical).ToList();
        // The count the reports print as "expected N": BCE and NLL forward/backward over both dtypes.
        Assert.True(marked.Count >= 400, $"only {marked.Count} cases are marked bit-identical");
        Assert.Contains(marked, c => c.Op == TestOps.BinaryCrossEntropy);
        Assert.Contains(marked, c => c.Op == TestOps.NllLoss);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void NativeAgreesWithTheSnapshot(string name)
    {
        SkipWhenUndefined(name);
        string? root = LiveBackends.RepositoryRoot();
        string dir = root is null ? "" : Path.Combine(root, "snapshots");
        if (!Directory.Exists(dir))
        {
            Assert.Skip("no snapshots/ directory in the repository");
        }
        var store = new SnapshotStore(dir);
        if (store.Read(name) is null)
        {
            // Locally a missing snapshot is reported as skipped; in CI it fails (snapshots are never made there).
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                $"no snapshot for {name} in CI (run locally: parity snapshot update --filter {name}, then commit it)");
            Assert.Skip($"no snapshot for {name} (run: parity snapshot update --filter {name})");
        }
        var spec = LiveBackends.Case(name);
        // Native only, on its own draw: the snapshot was made by libtorch on libtorch's draw; the input digest ties them.
        var all = ParityMatrix.All;
        int index = all.ToList().FindIndex(c => c.Name == name);
        var evaluator = new Harness.Evaluation.CaseEvaluator(LiveBackends.Native, new Native.Rng.Generator());
        int start = index;
        while (start > 0 && all[start].Seed is null)
        {
            start--;
        }
        for (int j = start; j < index; j++)
        {
            evaluator.Replay(all[j]);
        }
        var o = evaluator.Evaluate(spec);
        var check = new StoreVerifier(store).Check(spec, o.Native, o.Inputs, writeReceived: false);
        Assert.True(check.Passed, check.Message);
    }

    /// <summary>A case whose reference result is undefined is reported as skipped, with the reason — never as passed.</summary>
    private static void SkipWhenUndefined(string name)
    {
        if (ParityMatrix.Find(name) is { ReferenceUndefined: { } why })
        {
            Assert.Skip("reference undefined: " + why);
        }
    }
}
