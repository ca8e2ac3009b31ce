using Parity.Tests.Shared;
using Parity.Harness.Ops;
using CsCheck;
using Parity.Harness.Fuzz;
using Parity.Native;

namespace Parity.Harness.Tests.Fuzz;

/// <summary>What the generators reach: every argument and the adversarial values the brief lists, over a fixed sample.</summary>
public sealed class FuzzCasesTests
{
    private const int SampleSize = 3000;

    private static List<OpCall> Sample(OpDefinition op, FuzzBounds? bounds = null)
    {
        var gen = FuzzCases.For(op, bounds);
        var pcg = new PCG(1, 20261129);
        return [.. Enumerable.Range(0, SampleSize).Select(i => gen.Generate(pcg, null, out _))];
    }

    private static IEnumerable<double> Values(Tensor? t) => t is null ? [] : t.ToDoubleArray();

    public sealed class Shapes
    {
        [Theory]
        [InlineData("sigmoid")]
        [InlineData("softmax")]
        [InlineData("log_softmax")]
        public void Activations_RanksZeroToFive_DimsZeroToSeven(string opName)
        {
            var op = OpCatalog.Get(opName);
            var calls = Sample(op);

            Assert.Equal([0, 1, 2, 3, 4, 5], calls.Select(c => c.Input.Dim).Distinct().Order());
            Assert.Contains(calls, c => c.Input.Numel == 0 && c.Input.Dim > 0);
            Assert.Contains(calls, c => c.Input.Shape.Contains(7));
            Assert.All(calls, c => Assert.InRange(c.Input.Numel, 0, FuzzBounds.Default.MaxNumel));
        }

        [Theory]
        [InlineData("nll_loss")]
        [InlineData("cross_entropy")]
        public void ClassOps_BatchZero_OneClass_Unbatched_AndSpatial(string opName)
        {
            var op = OpCatalog.Get(opName);
            var calls = Sample(op).Where(c => c.Target!.DType == DType.Int64 && c.Target!.Dim < c.Input.Dim).ToList();

            Assert.Contains(calls, c => c.Input.Dim == 2 && c.Input.Size(0) == 0);
            Assert.Contains(calls, c => c.Input.Dim == 2 && c.Input.Size(1) == 1);
            Assert.Contains(calls, c => c.Input.Dim == 1 && c.Target!.Dim == 0);
            Assert.Contains(calls, c => c.Input.Dim == 5);
        }

        [Fact]
        public void Bounds_AreRespected()
        {
            var bounds = new FuzzBounds(MaxRank: 2, MaxDim: 3, MaxNumel: 4);

            var calls = Sample(TestOps.BinaryCrossEntropyWithLogits, bounds);

            Assert.All(calls, c =>
            {
                Assert.InRange(c.Input.Dim, 0, 2);
                Assert.InRange(c.Input.Numel, 0, 4);
                Assert.All(c.Input.ShapeArray(), d => Assert.InRange(d, 0, 3));
            });
        }
    }

    public sealed class Arguments
    {
        [Fact]
        public void Reductions_DTypes_WeightsAndPosWeights()
        {
            var calls = Sample(TestOps.BinaryCrossEntropyWithLogits);

            Assert.Equal(3, calls.Select(c => c.Reduction).Distinct().Count());
            Assert.Equal(2, calls.Select(c => c.Input.DType).Distinct().Count());
            Assert.Contains(calls, c => c.Weight is null);
            Assert.Contains(calls, c => c.Weight is not null && c.Weight!.Dim < c.Input.Dim);
            Assert.Contains(calls, c => Values(c.Weight).Contains(0.0));
            Assert.Contains(calls, c => Values(c.Weight).Any(v => v < 0));
            Assert.Contains(calls, c => Values(c.PosWeight).Contains(0.0));
            Assert.Contains(calls, c => Values(c.PosWeight).Any(v => v < 0));
            Assert.Contains(calls, c => c.PosWeight is not null && c.Input.Dim > 0 && c.PosWeight!.Dim == 1 && c.PosWeight!.Size(0) == c.Input.Size(-1));
        }

        [Fact]
        public void IgnoreIndex_DefaultValidClassAndOutOfRangeNegative()
        {
            var calls = Sample(TestOps.NllLoss);

            Assert.Contains(calls, c => c.IgnoreIndex == -100);
            Assert.Contains(calls, c => c.IgnoreIndex >= 0 && c.Input.Dim >= 2 && c.IgnoreIndex < c.Input.Size(1));
            Assert.Contains(calls, c => c.IgnoreIndex is < 0 and not -100);
            Assert.Contains(calls, c => c.IgnoreIndex >= 0 && Values(c.Target).Contains(c.IgnoreIndex));
        }

        [Fact]
        public void ClassTargets_OutOfRangeInReach()
        {
            var calls = Sample(TestOps.CrossEntropy).Where(c => c.Target!.DType == DType.Int64 && c.Input.Dim >= 2).ToList();

            Assert.Contains(calls, c => Values(c.Target).Any(v => v >= c.Input.Size(1)));
            Assert.Contains(calls, c => Values(c.Target).Any(v => v < 0 && v != c.IgnoreIndex));
        }

        [Fact]
        public void LabelSmoothing_ZeroInsideOneAndInvalid()
        {
            var ls = Sample(TestOps.CrossEntropy).Select(c => c.LabelSmoothing).ToList();

            Assert.Contains(0.0, ls);
            Assert.Contains(1.0, ls);
            Assert.Contains(ls, v => v is > 0 and < 1);
            Assert.Contains(ls, v => v > 1);
            Assert.Contains(ls, v => v < 0);
            Assert.Contains(ls, double.IsNaN);
        }

        [Fact]
        public void ProbabilityTargets_RowsNotSummingToOne()
        {
            var soft = Sample(TestOps.CrossEntropy).Where(c => c.Target!.DType.IsFloatingPoint() && c.Target!.Shape.SequenceEqual(c.Input.Shape) && c.Input.Dim == 2 && c.Input.Size(0) > 0).ToList();

            Assert.NotEmpty(soft);
            Assert.Contains(soft, c => Math.Abs(c.Target!.ToDoubleArray().Take(c.Input.Size(1)).Sum() - 1) > 0.01);
        }

        [Fact]
        public void SoftmaxDim_DefaultExplicitAndOutOfRange()
        {
            var calls = Sample(TestOps.LogSoftmax);

            Assert.Contains(calls, c => c.Dim is null);
            Assert.Contains(calls, c => c.Dim < 0 && c.Input.Dim > 1);
            Assert.Contains(calls, c => c.Dim is int d && (d >= Math.Max(1, c.Input.Dim) || d < -Math.Max(1, c.Input.Dim)));
        }

        [Fact]
        public void InvalidStructure_SometimesGenerated()
        {
            var nll = Sample(TestOps.NllLoss);
            var bce = Sample(TestOps.BinaryCrossEntropy);

            Assert.Contains(nll, c => c.Target!.DType != DType.Int64);
            Assert.Contains(nll, c => c.Weight is not null && c.Weight!.Size(0) != c.Input.Size(c.Input.Dim == 1 ? 0 : 1));
            Assert.Contains(bce, c => !c.Target!.Shape.SequenceEqual(c.Input.Shape));
            Assert.Contains(bce, c => c.Target!.DType != c.Input.DType);
        }
    }

    public sealed class AdversarialValues
    {
        [Fact]
        public void Logits_HugeOverflowEdgesSubnormalsNegativeZeroNaNInfinities()
        {
            var values = Sample(TestOps.Sigmoid).Where(c => c.Input.DType == DType.Float64).SelectMany(c => Values(c.Input)).ToList();

            Assert.Contains(values, v => Math.Abs(v) >= 1e4 && double.IsFinite(v));
            Assert.Contains(values, v => v > 3e38);
            Assert.Contains(values, v => v is > 709 and < 710);
            Assert.Contains(values, v => double.IsSubnormal(v));
            Assert.Contains(values, v => v == 0 && double.IsNegative(v));
            Assert.Contains(values, double.IsNaN);
            Assert.Contains(values, double.IsPositiveInfinity);
            Assert.Contains(values, double.IsNegativeInfinity);
        }

        [Fact]
        public void Float32Logits_IncludeItsSubnormalsAndOverflowToInfinity()
        {
            var calls = Sample(TestOps.Sigmoid).Where(c => c.Input.DType == DType.Float32).ToList();
            var values = calls.SelectMany(c => c.Input.ToArray<float>()).ToList();

            Assert.Contains(values, float.IsSubnormal);
            Assert.Contains(values, v => v == float.MaxValue);
            Assert.Contains(values, float.IsPositiveInfinity);
        }

        [Fact]
        public void BceInputs_ExactZeroAndOne_AndRareOutOfRange()
        {
            var calls = Sample(TestOps.BinaryCrossEntropy);
            var inputs = calls.SelectMany(c => Values(c.Input)).ToList();
            var targets = calls.SelectMany(c => Values(c.Target)).ToList();

            Assert.Contains(0.0, inputs);
            Assert.Contains(1.0, inputs);
            Assert.Contains(inputs, v => v is > 0 and < 1);
            Assert.Contains(inputs, double.IsNaN);
            Assert.Contains(inputs, v => v is < 0 or > 1);
            Assert.Contains(0.0, targets);
            Assert.Contains(1.0, targets);
            Assert.Contains(targets, v => v is > 0 and < 1);
            double outside = calls.Count(c => Values(c.Input).Any(v => double.IsNaN(v) || v is < 0 or > 1)) / (double)calls.Count;
            Assert.InRange(outside, 0.005, 0.2);
        }

        [Fact]
        public void MostTensors_WhollyOrdinary()
        {
            // float64 only: CsCheck's ordinary doubles include tiny magnitudes (1e-40, 1e-90) that become float32 subnormals.
            var calls = Sample(TestOps.Sigmoid).Where(c => c.Input.Numel >= 4 && c.Input.DType == DType.Float64).ToList();

            double ordinary = calls.Count(c => Values(c.Input).All(v => Math.Abs(v) <= 6 && !double.IsSubnormal(v) && !(v == 0 && double.IsNegative(v)))) / (double)calls.Count;

            Assert.InRange(ordinary, 0.5, 0.8);
        }
    }

    public sealed class Sizes
    {
        [Fact]
        public void FewerElements_CompareSmaller()
        {
            var gen = FuzzCases.For(TestOps.CrossEntropy);
            var pcg = new PCG(3, 99);
            var drawn = Enumerable.Range(0, 400).Select(i => (Call: gen.Generate(pcg, null, out var size), Size: size)).ToList();

            foreach (var a in drawn.Take(40))
            {
                foreach (var b in drawn)
                {
                    if (FuzzCases.ElementCount(a.Call) < FuzzCases.ElementCount(b.Call))
                    {
                        Assert.True(Size.IsLessThan(a.Size, b.Size));
                    }
                }
            }
        }

        [Fact]
        public void SamePcgState_SameCall()
        {
            var gen = FuzzCases.For(TestOps.BinaryCrossEntropy);

            var a = gen.Generate(new PCG(5, 42), null, out _);
            var b = gen.Generate(new PCG(5, 42), null, out _);

            Assert.Equal(FuzzCaseJson.Write(a, "x"), FuzzCaseJson.Write(b, "x"));
        }
    }
}
