using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Cases;
using Parity.Comparison;
using Parity.Harness.Evaluation;
using Parity.Harness.Tests.Fakes;
using Parity.Native;

namespace Parity.Harness.Tests.Evaluation;

// The evaluator's own logic with stand-in backends (not loss implementations).
public class CaseEvaluatorTests
{
    private static CaseSpec Sigmoid(long? seed, params int[] shape) => new()
    {
        Op = TestOps.Sigmoid, Seed = seed, Inputs = [InputSpec.Randn("input", shape)],
    };

    public class Drawing
    {
        [Fact]
        public void SeedReseeds_NoSeedContinues_OnBothStreams()
        {
            var nr = new FakeRandom();
            var tr = new FakeRandom();
            var ev = new CaseEvaluator(new FakeBackend(), nr, new FakeBackend("torch"), tr);
            ev.EvaluateAll([Sigmoid(7, 2), Sigmoid(null, 3), Sigmoid(8, 1)]);
            string[] expected = ["seed 0", "seed 7", "randn [2] float32", "randn [3] float32", "seed 8", "randn [1] float32"];
            Assert.Equal(expected, nr.Calls);
            Assert.Equal(expected, tr.Calls);
        }

        [Fact]
        public void InputsDrawnInWrittenOrder_MapsConsumeNoRandomNumbers()
        {
            var nr = new FakeRandom();
            var spec = new CaseSpec
            {
                Op = TestOps.BinaryCrossEntropyWithLogits, Seed = 1,
                Inputs = [InputSpec.Rand("weight", [3]), InputSpec.Randint("target", 0, 2, [3]), InputSpec.Randn("input", [3], InputMap.Sigmoid)],
            };
            new CaseEvaluator(new FakeBackend(), nr).Evaluate(spec);
            Assert.Equal(["seed 0", "seed 1", "rand [3] float32", "randint 0 2 [3] float32", "randn [3] float32"], nr.Calls);
        }

        [Fact]
        public void BothOpsReceiveTheNativeDraw_EvenWhenTheDrawsDiffer()
        {
            var native = new FakeBackend();
            var torch = new FakeBackend("torch");
            var o = new CaseEvaluator(native, new FakeRandom(1), torch, new FakeRandom(2)).Evaluate(Sigmoid(null, 4));
            Assert.False(o.InputsIdentical);
            var nIn = native.Received.Last().Input;
            var tIn = torch.Received.Last().Input;
            Assert.True(nIn.BitEquals(tIn));
            Assert.True(o.Inputs!["input"]!.BitEquals(nIn));
            Assert.True(o.Match);
        }

        [Fact]
        public void IdenticalDraws_Reported()
        {
            var o = new CaseEvaluator(new FakeBackend(), new FakeRandom(), new FakeBackend("torch"), new FakeRandom()).Evaluate(Sigmoid(3, 4));
            Assert.True(o.InputsIdentical);
        }

        [Fact]
        public void DrawError_IsAResultOnBothSides()
        {
            var spec = new CaseSpec
            {
                Op = TestOps.NllLoss, Seed = 1, Inputs = [InputSpec.Randn("input", [2, 3]), InputSpec.Randint("target", 5, 5, [2], DType.Int64)],
            };
            var o = new CaseEvaluator(new FakeBackend(), new FakeRandom(), new FakeBackend("torch"), new FakeRandom()).Evaluate(spec);
            Assert.Equal("random_ expects 'from' to be less than 'to', but got from=5 >= to=5", o.Native.Error);
            Assert.Equal(o.Native.Error, o.Torch!.Error);
            Assert.True(o.Match);
        }
    }

    public class Comparing
    {
        private static readonly CaseSpec Spec = new() { Name = "c", Op = TestOps.Sigmoid, Inputs = [] };

        private static SideResult Ok(params float[] v) => new(Tensor.Vector(v), null, null);

        [Fact]
        public void SameErrorText_Matches()
        {
            var o = CaseEvaluator.Compare(Spec, new SideResult(null, null, "Target 3 is out of bounds."), new SideResult(null, null, "Target 3 is out of bounds."));
            Assert.True(o.Match);
            Assert.True(o.BitIdentical);
        }

        [Fact]
        public void DifferentErrorTexts_Mismatch_WithReason()
        {
            var o = CaseEvaluator.Compare(Spec, new SideResult(null, null, "Target 3 is out of bounds"), new SideResult(null, null, "Target 3 is out of bounds."));
            Assert.False(o.Match);
            Assert.Equal("error texts differ: native \"Target 3 is out of bounds\", libtorch \"Target 3 is out of bounds.\"", o.Reason);
        }

        [Fact]
        public void OneSideThrows_Mismatch()
        {
            var o = CaseEvaluator.Compare(Spec, Ok(1f), new SideResult(null, null, "boom"));
            Assert.Equal("libtorch raised \"boom\" but native succeeded", o.Reason);
            o = CaseEvaluator.Compare(Spec, new SideResult(null, null, "boom"), Ok(1f));
            Assert.Equal("native raised \"boom\" but libtorch succeeded", o.Reason);
        }

        [Fact]
        public void ExpectedErrorButBothSucceed_Fails()
        {
            var o = CaseEvaluator.Compare(Spec with { ExpectError = "bad" }, Ok(1f), Ok(1f));
            Assert.False(o.Match);
            Assert.Equal("both sides succeeded, but the case expects an error: \"bad\"", o.Reason);
        }

        [Fact]
        public void CatalogueTextDiffersFromLibtorch_Fails()
        {
            var o = CaseEvaluator.Compare(Spec with { ExpectError = "old text" }, new SideResult(null, null, "new text"), new SideResult(null, null, "new text"));
            Assert.Equal("both raised \"new text\", but the catalogue expects \"old text\"", o.Reason);
        }

        [Fact]
        public void WithinTolerance_Matches_NotBitIdentical_RecordsDiffs()
        {
            float a = 1f, b = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1f) + 3);
            var o = CaseEvaluator.Compare(Spec, Ok(b), Ok(a));
            Assert.True(o.Match);
            Assert.False(o.BitIdentical);
            Assert.Equal(3, o.MaxUlpDiff);
            Assert.Equal((double)b - a, o.MaxAbsDiff);
        }

        [Fact]
        public void BeyondTolerance_Mismatch_DescribesWorstElement()
        {
            var o = CaseEvaluator.Compare(Spec, Ok(1f, 2.5f), Ok(1f, 2f));
            Assert.False(o.Match);
            Assert.Equal("output: 1 element(s) outside rtol=1.3E-06, atol=1E-05; worst at [1]: expected 2, actual 2.5, abs diff 0.5, rel diff 0.25, ulp diff 2097152", o.Reason);
        }

        [Fact]
        public void PerCaseToleranceOverride_Applies()
        {
            var o = CaseEvaluator.Compare(Spec with { ValueTolerance = new Tolerance(0.3, 0) }, Ok(2.5f), Ok(2f));
            Assert.True(o.Match);
        }

        [Fact]
        public void BackendDeclaredTolerance_ReplacesTheCases_OnTheNativeSideOnly()
        {
            var declared = new Dictionary<string, Tolerance> { ["output"] = new(0, 0.6) };

            Assert.True(CaseEvaluator.Compare(Spec, Ok(2.5f) with { DeclaredTolerances = declared }, Ok(2f)).Match);
            Assert.False(CaseEvaluator.Compare(Spec, Ok(2.7f) with { DeclaredTolerances = declared }, Ok(2f)).Match);
            // A declaration made on the reference side means nothing: libtorch is the expectation.
            Assert.False(CaseEvaluator.Compare(Spec, Ok(2.5f), Ok(2f) with { DeclaredTolerances = declared }).Match);
        }

        [Fact]
        public void NaNWhereNaN_Matches()
        {
            Assert.True(CaseEvaluator.Compare(Spec, Ok(float.NaN), Ok(float.NaN)).Match);
            Assert.False(CaseEvaluator.Compare(Spec, Ok(float.NaN), Ok(0f)).Match);
        }

        [Fact]
        public void NonTorchException_IsMarkedUnexpected()
        {
            var r = SideResult.FromException(new IndexOutOfRangeException("Index was outside the bounds of the array.\nmore"));
            Assert.Equal("IndexOutOfRangeException: Index was outside the bounds of the array.", r.Error);
            Assert.True(r.Unexpected);
            Assert.Equal("Target 3 is out of bounds.", SideResult.FromException(new TorchException("Target 3 is out of bounds.\nException raised from ...")).Error);
        }
    }
}

public class UlpHistogramTests
{
    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1L, "1")]
    [InlineData(2L, "2")]
    [InlineData(3L, "3-4")]
    [InlineData(4L, "3-4")]
    [InlineData(5L, "5-8")]
    [InlineData(8L, "5-8")]
    [InlineData(9L, "9-16")]
    [InlineData(65536L, "32769-65536")]
    [InlineData(65537L, ">65536")]
    [InlineData(long.MaxValue, "NaN/inf")]
    public void Bucket_Label(long ulp, string label) =>
        Assert.Equal(label, Running.UlpHistogram.BucketLabels[Running.UlpHistogram.Bucket(ulp)]);

    public class GradientNarrowing
    {
        /// <summary>Outputs 1; every gradient asked for is <paramref name="value"/> everywhere; optionally gives the input's only.</summary>
        private sealed class ConstantBackend(string name, bool inputOnly, double value = 1) : IOpBackend, ISupportedOps
        {
            public string Name => name;

            public IReadOnlyCollection<string> SupportedOps => ["binary_cross_entropy_with_logits"];

            public IReadOnlyList<string> SupportedGradients(OpCall call, IReadOnlyList<string> requested) =>
                inputOnly ? [.. requested.Where(n => n == "input")] : requested;

            public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
            {
                Assert.True(!inputOnly || wrt.All(n => n == "input"), "asked for a gradient it declared it does not give");
                var grads = wrt.Select(n =>
                {
                    var g = Tensor.Zeros(call[n]!.DType, call[n]!.ShapeArray());
                    for (int i = 0; i < g.Numel; i++)
                    {
                        g.SetDouble(i, value);
                    }
                    return new KeyValuePair<string, Tensor>(n, g);
                }).ToList();
                return new OpResult(Tensor.Scalar(1.0, call.Primary.DType), grads, []);
            }
        }

        private static readonly CaseSpec Spec = new()
        {
            Name = "bce-logits-grads", Op = TestOps.BinaryCrossEntropyWithLogits, Seed = 1, Grad = true,
            Inputs = [InputSpec.Randn("input", [3]), InputSpec.Rand("target", [3])],
        };

        [Fact]
        public void UndeclaredGradient_LeftOut_RestCompared()
        {
            var o = new CaseEvaluator(new ConstantBackend("native", inputOnly: true), new FakeRandom(), new ConstantBackend("torch", false), new FakeRandom()).Evaluate(Spec);

            Assert.True(o.Match, o.Reason);
            Assert.Equal(["target"], o.Native.GradientsNotCompared);
            Assert.Equal(["input", "target"], o.Torch!.Grads.Select(g => g.Key));
        }

        [Fact]
        public void WrongGivenGradient_StillFails()
        {
            var o = new CaseEvaluator(new ConstantBackend("native", inputOnly: true, value: 2), new FakeRandom(), new ConstantBackend("torch", false), new FakeRandom()).Evaluate(Spec);

            Assert.False(o.Match);
            Assert.StartsWith("grad: ", o.Reason, StringComparison.Ordinal);
        }
    }
}
