using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;
using Parity.Torch;
using Parity.Torch.PInvoke;
using Parity.Torch.Tests;

namespace Parity.Harness.Tests.Fuzz;

/// <summary>The fuzzer on the real backends: NativeBackend against TorchBackend (libtorch). Skipped when libtorch is unavailable.</summary>
public sealed class LiveFuzzTests
{
    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);

    public sealed class NativeVersusTorch
    {
        /// <summary>Cases per op: 2,000 × 7 ops run in well under a minute on 2 cores.</summary>
        private const int Cases = 2000;

        public static TheoryData<OpDefinition> Ops => [.. OpCatalog.All];

        /// <summary>
        /// A fixed-seed bounded run per op: every case must agree. (The disagreements this run once found, F1–F6a, are
        /// fixed and pinned as the <c>fuzz.*</c> cases of the built-in matrix.)
        /// </summary>
        [Theory]
        [MemberData(nameof(Ops))]
        public void FixedSeed_Agrees(OpDefinition op)
        {
            TorchAvailability.RequireTorch();
            if (op.OpenFuzzFindings is { } open)
            {
                Assert.Skip($"{op.Name} has open fuzz findings: {open}");
            }
            var runner = new FuzzRunner(new NativeBackend(), new TorchBackend());

            var report = runner.Run(new FuzzOptions
            {
                CasesPerOp = Cases,
                Seed = 1,
                Ops = [op],
                Threads = 2,
                ShrinkAttempts = 1000,
            }, TestContext.Current.CancellationToken);
            Log(report.Format());

            var summary = Assert.Single(report.Ops);
            Assert.Equal(Cases, summary.Cases);
            Assert.Equal(Cases, summary.Agreed + summary.BothThrew + summary.Failed + summary.Skipped + summary.Unsupported);
            Assert.Equal((0, 0), (summary.Skipped, summary.Unsupported));
            Assert.True(report.Passed, "disagreement(s):\n" + string.Join("\n\n", report.Failures.Select(f => f.ShrunkDetail + "\n" + f.Json)));
        }

        /// <summary>
        /// The long run behind the fuzz findings report: <c>PARITY_FUZZ_CASES</c> cases per op (default 2000) from
        /// <c>PARITY_FUZZ_SEED</c> (default 1); the report goes to <c>PARITY_FUZZ_REPORT</c> when set.
        /// </summary>
        [Fact(Explicit = true)]
        public void LongRun_WritesReport()
        {
            TorchAvailability.RequireTorch();
            int cases = int.TryParse(Environment.GetEnvironmentVariable("PARITY_FUZZ_CASES"), out int c) ? c : 2000;
            long seed = long.TryParse(Environment.GetEnvironmentVariable("PARITY_FUZZ_SEED"), out long s) ? s : 1;
            var ops = Environment.GetEnvironmentVariable("PARITY_FUZZ_OPS") is { Length: > 0 } names
                ? names.Split(',').Select(OpCatalog.Get).ToList()
                : null;
            var runner = new FuzzRunner(new NativeBackend(), new TorchBackend());

            var report = runner.Run(new FuzzOptions { CasesPerOp = cases, Seed = seed, Ops = ops, Threads = 2, MaxShrunkPerOp = 16 }, TestContext.Current.CancellationToken);
            string text = report.Format();
            Log(text);
            if (Environment.GetEnvironmentVariable("PARITY_FUZZ_REPORT") is { Length: > 0 } path)
            {
                File.WriteAllText(path, text);
            }

            Assert.True(report.Passed, text);
        }
    }

    /// <summary>The fast kernels (<see cref="FastBackend"/>) against libtorch, as <c>parity fuzz --backend fast</c> runs them.</summary>
    public sealed class FastVersusTorch
    {
        private const int Cases = 2000;

        public static TheoryData<string> Ops => [.. new FastBackend().SupportedOps];

        /// <summary>
        /// Every case the fast API supports agrees (within its declared tolerance, <see cref="IDeclaredTolerance"/>); at
        /// least a quarter of the cases are compared, so a backend that declined everything would fail here.
        /// </summary>
        [Theory]
        [MemberData(nameof(Ops))]
        public void FixedSeed_SupportedCasesAgree(string name)
        {
            TorchAvailability.RequireTorch();
            var runner = new FuzzRunner(new FastBackend(), new TorchBackend());

            var report = runner.Run(new FuzzOptions
            {
                CasesPerOp = Cases,
                Seed = 1,
                Ops = [OpCatalog.Get(name)],
                Threads = 2,
                ShrinkAttempts = 1000,
            }, TestContext.Current.CancellationToken);
            Log(report.Format());

            var summary = Assert.Single(report.Ops);
            Assert.Equal(Cases, summary.Agreed + summary.BothThrew + summary.Failed + summary.Unsupported);
            Assert.InRange(summary.Agreed + summary.BothThrew, Cases / 4, Cases);
            Assert.True(report.Passed, "disagreement(s):\n" + string.Join("\n\n", report.Failures.Select(f => f.ShrunkDetail + "\n" + f.Json)));
        }
    }

    public sealed class InjectedBug
    {
        [Fact]
        public void PosWeightIgnoredWhenTargetFractional_FoundAgainstTorch_AndShrunkToAHandful()
        {
            TorchAvailability.RequireTorch();
            var runner = new FuzzRunner(new PosWeightIgnoredWhenFractional(new NativeBackend()), new TorchBackend());

            var report = runner.Run(new FuzzOptions
            {
                CasesPerOp = 300,
                Seed = 3,
                Ops = [TestOps.BinaryCrossEntropyWithLogits],
                Threads = 2,
            }, TestContext.Current.CancellationToken);
            Log(report.Format());

            Assert.False(report.Passed);
            var failure = report.Failures.First(f => f.Kind is DisagreementKind.Output or DisagreementKind.Gradient);
            Assert.InRange(FuzzCases.ElementCount(failure.Shrunk), 3, 6);
            Assert.NotNull(failure.Shrunk.PosWeight);
            Assert.Contains(failure.Shrunk.Target!.ToDoubleArray(), v => v is > 0 and < 1);
            using var doc = JsonDocument.Parse(failure.Json);
            Assert.Equal("binary_cross_entropy_with_logits", doc.RootElement.GetProperty("op").GetString());
            Assert.True(doc.RootElement.GetProperty("grad").GetBoolean());
            Assert.Equal(TestOps.BinaryCrossEntropyWithLogits, Assert.Single(CaseReader.Parse(failure.Json, "shrunk.json")).Op);
        }
    }
}
