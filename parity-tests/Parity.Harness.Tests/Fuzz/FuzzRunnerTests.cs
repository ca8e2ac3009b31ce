using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;

namespace Parity.Harness.Tests.Fuzz;

/// <summary>The fuzzer's machinery on fake backends (formula implementations in float64, and decorators that break them).</summary>
public sealed class FuzzRunnerTests
{
    private static FuzzOptions Options(OpDefinition op, int cases, long seed = 7) => new()
    {
        CasesPerOp = cases,
        Seed = seed,
        Ops = [op],
        Threads = 2,
    };

    public sealed class InjectedBug
    {
        [Fact]
        public void PosWeightIgnoredWhenTargetFractional_FoundAndShrunkToAHandfulOfElements()
        {
            var runner = new FuzzRunner(new PosWeightIgnoredWhenFractional(new FormulaBackend("native")), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 300), TestContext.Current.CancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine(report.Format());

            Assert.False(report.Passed);
            var summary = Assert.Single(report.Ops);
            Assert.True(summary.Failed > 0, "the injected bug was not found");
            var failure = report.Failures.First(f => f.Kind is DisagreementKind.Output or DisagreementKind.Gradient);
            // The smallest witness: one logit, one fractional target, one pos_weight ≠ 1 (a weight may survive).
            Assert.InRange(FuzzCases.ElementCount(failure.Shrunk), 3, 6);
            Assert.True(FuzzCases.ElementCount(failure.Shrunk) <= FuzzCases.ElementCount(failure.Original));
            Assert.NotNull(failure.Shrunk.PosWeight);
            Assert.Contains(failure.Shrunk.Target!.ToDoubleArray(), v => v is > 0 and < 1);

            using var doc = JsonDocument.Parse(failure.Json);
            var root = doc.RootElement;
            Assert.Equal("binary_cross_entropy_with_logits", root.GetProperty("op").GetString());
            Assert.True(root.GetProperty("grad").GetBoolean());
            var inputs = root.GetProperty("inputs");
            Assert.True(inputs.GetProperty("input").TryGetProperty("values", out _));
            Assert.True(inputs.GetProperty("pos_weight").TryGetProperty("values", out _));
            Assert.Contains(failure.Json, report.Format(), StringComparison.Ordinal);
            var spec = Assert.Single(CaseReader.Parse(failure.Json, "shrunk.json"));
            Assert.Equal(TestOps.BinaryCrossEntropyWithLogits, spec.Op);
            Assert.True(failure.Shrunk.PosWeight!.BitEquals(spec.Input("pos_weight")!.Values!));
        }

        [Fact]
        public void ShrunkCase_StillFailsWhenReplayed()
        {
            var native = new PosWeightIgnoredWhenFractional(new FormulaBackend("native"));
            var torch = new FormulaBackend("torch");
            var runner = new FuzzRunner(native, torch);

            var failure = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 200), TestContext.Current.CancellationToken).Failures[0];

            Assert.False(runner.Check(failure.Shrunk).Agrees);
            Assert.False(runner.Check(failure.Original).Agrees);
        }
    }

    public sealed class Agreement
    {
        [Fact]
        public void SameImplementationOnBothSides_NoFailures()
        {
            var runner = new FuzzRunner(new FormulaBackend("native"), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 300), TestContext.Current.CancellationToken);

            Assert.True(report.Passed, report.Format());
            var summary = Assert.Single(report.Ops);
            Assert.Equal(300, summary.Cases);
            Assert.Equal(300, summary.Agreed + summary.BothThrew);
            Assert.True(summary.BothThrew > 0, "no structurally invalid case was generated");
            Assert.Empty(report.Failures);
        }

        [Fact]
        public void BothThrowSameMessage_Agree()
        {
            var runner = new FuzzRunner(new ThrowingBackend("native", "Target 3 is out of bounds."), new ThrowingBackend("torch", "Target 3 is out of bounds.\nException raised from nll_loss_out_frame"));

            var report = runner.Run(Options(TestOps.NllLoss, 50), TestContext.Current.CancellationToken);

            Assert.True(report.Passed, report.Format());
            Assert.Equal(50, report.Ops[0].BothThrew);
        }
    }

    public sealed class Disagreement
    {
        [Fact]
        public void DifferentMessages_ErrorMessageFailureNamingBoth()
        {
            var runner = new FuzzRunner(new ThrowingBackend("native", "Target 3 is out of range."), new ThrowingBackend("torch", "Target 3 is out of bounds."));

            var report = runner.Run(Options(TestOps.NllLoss, 40) with { ShrinkAttempts = 200 }, TestContext.Current.CancellationToken);

            var failure = Assert.Single(report.Failures);
            Assert.Equal(DisagreementKind.ErrorMessage, failure.Kind);
            Assert.Equal(40, failure.Occurrences);
            Assert.Equal("messages differ: torch \"Target 3 is out of bounds.\", native \"Target 3 is out of range.\"", failure.ShrunkDetail);
        }

        [Fact]
        public void OneSideThrows_ErrorVersusResult()
        {
            var runner = new FuzzRunner(new FormulaBackend("native"), new ThrowingBackend("torch", "all elements of input should be between 0 and 1"));

            var report = runner.Run(Options(TestOps.Sigmoid, 30) with { ShrinkAttempts = 300 }, TestContext.Current.CancellationToken);

            var failure = Assert.Single(report.Failures);
            Assert.Equal(DisagreementKind.ErrorVersusResult, failure.Kind);
            Assert.StartsWith("torch threw \"all elements of input should be between 0 and 1\", native returned", failure.ShrunkDetail, StringComparison.Ordinal);
            // Any input fails, so shrinking reaches the smallest: an empty tensor or a scalar.
            Assert.InRange(failure.Shrunk.Input.Numel, 0, 1);
        }

        [Fact]
        public void NativeCrash_ReportedAsCrash()
        {
            var runner = new FuzzRunner(new CrashingBackend(), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.Sigmoid, 10) with { ShrinkAttempts = 50 }, TestContext.Current.CancellationToken);

            var failure = Assert.Single(report.Failures);
            Assert.Equal(DisagreementKind.NativeCrash, failure.Kind);
            Assert.StartsWith("native crashed with System.IndexOutOfRangeException: boom; torch returned", failure.ShrunkDetail, StringComparison.Ordinal);
        }

        private sealed class CrashingBackend : IOpBackend
        {
            public string Name => "native";

            public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null) => throw new IndexOutOfRangeException("boom");
        }
    }

    public sealed class BackendUnderTestDeclines
    {
        [Fact]
        public void NotSupportedException_CountedUnsupported_NeitherAgreedNorFailed()
        {
            var runner = new FuzzRunner(new DecliningBackend(), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.Sigmoid, 40), TestContext.Current.CancellationToken);

            var summary = Assert.Single(report.Ops);
            Assert.Equal((40, 0, 0, 0), (summary.Unsupported, summary.Agreed, summary.BothThrew, summary.Failed));
            Assert.Empty(report.Failures);
            Assert.Contains("unsupported     40", report.Format(), StringComparison.Ordinal);
        }

        [Fact]
        public void GradientsTheBackendDoesNotGive_LeftOutOfTheComparison_AndListed()
        {
            var runner = new FuzzRunner(new InputGradientOnly(new FormulaBackend("native")), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 200), TestContext.Current.CancellationToken);

            Assert.True(report.Passed, report.Format());
            var summary = Assert.Single(report.Ops);
            Assert.Equal(0, summary.Unsupported);
            // Float targets are differentiable: every compared case leaves the target gradient out.
            Assert.Equal(summary.Agreed + summary.BothThrew, summary.GradientsNotCompared["target"]);
            Assert.Contains("not compared: ", report.Format(), StringComparison.Ordinal);
        }

        [Fact]
        public void ShrunkCaseOfANarrowedRun_AsksForTheComparedGradientsOnly()
        {
            var runner = new FuzzRunner(new InputGradientOnly(new PosWeightIgnoredWhenFractional(new FormulaBackend("native"))), new FormulaBackend("torch"));

            var report = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 300, seed: 3), TestContext.Current.CancellationToken);

            var failure = report.Failures.First(f => f.Kind is DisagreementKind.Output or DisagreementKind.Gradient);
            using var doc = JsonDocument.Parse(failure.Json);
            Assert.Equal(["input"], doc.RootElement.GetProperty("grad").EnumerateArray().Select(e => e.GetString()));
        }

        [Fact]
        public void DeclaredTolerance_WidensTheComparison_OnlyAsFarAsDeclared()
        {
            var op = TestOps.Sigmoid;
            var undeclared = new FuzzRunner(new OffsetBackend(new FormulaBackend("native"), 1e-3, null), new FormulaBackend("torch"))
                .Run(Options(op, 30) with { ShrinkAttempts = 50 }, TestContext.Current.CancellationToken);
            var tooNarrow = new FuzzRunner(new OffsetBackend(new FormulaBackend("native"), 1e-3, 5e-4), new FormulaBackend("torch"))
                .Run(Options(op, 30) with { ShrinkAttempts = 50 }, TestContext.Current.CancellationToken);
            var covered = new FuzzRunner(new OffsetBackend(new FormulaBackend("native"), 1e-3, 2e-3), new FormulaBackend("torch"))
                .Run(Options(op, 30), TestContext.Current.CancellationToken);

            Assert.False(undeclared.Passed);
            Assert.False(tooNarrow.Passed);
            Assert.True(covered.Passed, covered.Format());
            Assert.Equal(30, covered.Ops[0].Agreed + covered.Ops[0].BothThrew);
        }
    }

    public sealed class Determinism
    {
        [Fact]
        public void SameSeed_SameFailuresWhateverTheThreadCount()
        {
            var runner = new FuzzRunner(new PosWeightIgnoredWhenFractional(new FormulaBackend("native")), new FormulaBackend("torch"));
            var options = Options(TestOps.BinaryCrossEntropyWithLogits, 150, seed: 11) with { ShrinkAttempts = 600 };

            var one = runner.Run(options with { Threads = 1 }, TestContext.Current.CancellationToken);
            var two = runner.Run(options with { Threads = 2 }, TestContext.Current.CancellationToken);

            Assert.Equal(one.Ops, two.Ops);
            Assert.Equal(one.Failures.Select(f => f.Json), two.Failures.Select(f => f.Json));
            Assert.Equal(one.Failures.Select(f => f.CsCheckSeed), two.Failures.Select(f => f.CsCheckSeed));
        }

        [Fact]
        public void CsCheckSeed_RegeneratesTheOriginalCase()
        {
            var runner = new FuzzRunner(new PosWeightIgnoredWhenFractional(new FormulaBackend("native")), new FormulaBackend("torch"));
            var failure = runner.Run(Options(TestOps.BinaryCrossEntropyWithLogits, 100) with { ShrinkAttempts = 10 }, TestContext.Current.CancellationToken).Failures[0];

            var again = FuzzCases.For(TestOps.BinaryCrossEntropyWithLogits).Generate(CsCheck.PCG.Parse(failure.CsCheckSeed), null, out _);

            Assert.Equal(
                FuzzCaseJson.Write(failure.Original, "x"),
                FuzzCaseJson.Write(again, "x"));
        }

        [Fact]
        public void Progress_ReportsEveryCaseCountUpToTotal()
        {
            var seen = new List<FuzzProgress>();
            var runner = new FuzzRunner(new FormulaBackend("native"), new FormulaBackend("torch"));

            runner.Run(Options(TestOps.Sigmoid, 200) with { Progress = p => seen.Add(p) }, TestContext.Current.CancellationToken);

            Assert.Equal(100, seen.Count(p => p.Phase == "fuzz"));
            Assert.Equal(200, seen.Max(p => p.Done));
            Assert.All(seen, p => Assert.Equal(TestOps.Sigmoid, p.Op));
        }
    }
}
