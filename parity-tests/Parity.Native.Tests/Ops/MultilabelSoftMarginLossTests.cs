using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class MultilabelSoftMarginLossTests
{
    /// <summary>log σ(x) in float64, written without overflow.</summary>
    private static double LogSigmoid(double x) => x < 0 ? x - Math.Log(1 + Math.Exp(x)) : -Math.Log(1 + Math.Exp(-x));

    /// <summary>Per-sample −Σ_c w_c (t log σ(x) + (1 − t) log σ(−x)) / C for an (N, C) input, in float64.</summary>
    private static double[] Reference(Tensor x, Tensor t, Tensor? w)
    {
        int n = x.Size(0), c = x.Size(1);
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < c; j++)
            {
                double xv = x[i, j], tv = t[i, j];
                s += -((tv * LogSigmoid(xv)) + ((1 - tv) * LogSigmoid(-xv))) * (w is null ? 1 : w.GetDouble(j));
            }
            r[i] = s / c;
        }
        return r;
    }

    public static TheoryData<bool, Reduction> Combos()
    {
        var d = new TheoryData<bool, Reduction>();
        foreach (bool w in new[] { false, true })
        {
            foreach (Reduction r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                d.Add(w, r);
            }
        }
        return d;
    }

    public class Forward
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(MultilabelSoftMarginLossTests))]
        public void Float64_MatchesFormula(bool weighted, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -5, 5, 4, 6);
            Tensor t = Uniform(rng, 0, 1, 4, 6);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 6) : null;
            double[] expected = Reference(x, t, w);
            Tensor r = Functional.MultilabelSoftMarginLoss(x, t, w, reduction);
            if (reduction == Reduction.None)
            {
                Assert.Equal([4], r.ShapeArray());
                AssertClose(expected, r.ToDoubleArray(), 0, F64RelTol);
            }
            else
            {
                AssertClose(reduction == Reduction.Sum ? expected.Sum() : expected.Sum() / 4, r);
            }
        }

        [Fact]
        public void Float32_LibtorchValues_LargeLogitsDoNotOverflow()
        {
            // libtorch 2.10, Python's op sequence with torch.log_sigmoid, float32, 'none'.
            Tensor x = Tensor.FromArray(new[] { 0.5f, -1f, 2f, 0f, 30f, -30f }, 2, 3);
            Tensor t = Tensor.FromArray(new[] { 1f, 0f, 1f, 0.5f, 0f, 1f }, 2, 3);
            Assert.Equal(new[] { 0.30475557f, 20.231049f }, Functional.MultilabelSoftMarginLoss(x, t, reduction: Reduction.None).ToArray<float>());
        }

        [Fact]
        public void OneDimensionalInput_IsOneSample()
        {
            Tensor x = Tensor.Vector(0.5, -1.0, 2.0);
            Tensor t = Tensor.Vector(1.0, 0.0, 1.0);
            Tensor r = Functional.MultilabelSoftMarginLoss(x, t, reduction: Reduction.None);
            Assert.Equal(0, r.Dim);
            AssertClose(Reference(x.Reshape(1, 3), t.Reshape(1, 3), null)[0], r);
        }

        [Fact]
        public void HigherRankTarget_SumsTheDimensionAtInputsClassIndex()
        {
            // input (3,) with target (2, 3): the loss is (2, 3) and Python sums dim input.dim() − 1 = 0, giving (3).
            Tensor x = Tensor.Vector(0.5, -1.0, 2.0);
            Tensor t = Tensor.FromArray(new[] { 1.0, 0, 1, 0, 1, 0 }, 2, 3);
            Tensor r = Functional.MultilabelSoftMarginLoss(x, t, reduction: Reduction.None);
            Assert.Equal([3], r.ShapeArray());
            double e0 = (-LogSigmoid(0.5) - LogSigmoid(-0.5)) / 3;
            Assert.Equal(e0, r.GetDouble(0), 14);
        }

        [Fact]
        public void Empty_BatchMeanNaN_NoClassesNaNPerSample()
        {
            Assert.True(double.IsNaN(Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float32, 0, 3), Tensor.Zeros(DType.Float32, 0, 3)).GetDouble(0)));
            Assert.Equal(0.0, Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float32, 0, 3), Tensor.Zeros(DType.Float32, 0, 3), reduction: Reduction.Sum).GetDouble(0));
            Tensor r = Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float64, 2, 0), Tensor.Zeros(DType.Float64, 2, 0), reduction: Reduction.None);
            Assert.Equal([2], r.ShapeArray());
            Assert.All(r.ToDoubleArray(), v => Assert.True(double.IsNaN(v)));
        }

        [Fact]
        public void Module_CarriesWeightAndReduction()
        {
            Tensor w = Tensor.Vector(1.0, 2.0);
            var m = new MultiLabelSoftMarginLoss(w, Reduction.Sum);
            Tensor x = Tensor.FromArray(new[] { 0.5, -1.0 }, 1, 2), t = Tensor.FromArray(new[] { 1.0, 0.0 }, 1, 2);
            Assert.Equal(Functional.MultilabelSoftMarginLoss(x, t, w, Reduction.Sum).GetDouble(0), m.Forward(x, t).GetDouble(0));
            Assert.Equal(Functional.MultilabelSoftMarginLossBackward(Tensor.Scalar(1.0, DType.Float64), x, t, w, Reduction.Sum).Weight!.ToDoubleArray(), m.Backward(Tensor.Scalar(1.0, DType.Float64), x, t).Weight!.ToDoubleArray());
            Assert.Null(new MultiLabelSoftMarginLoss().Weight);
        }
    }

    public class Gradient
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(MultilabelSoftMarginLossTests))]
        public void InputTargetWeight_MatchFiniteDifferences(bool weighted, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -5, 5, 3, 4);
            Tensor t = Uniform(rng, 0, 1, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(xi => Functional.MultilabelSoftMarginLoss(xi, t, w, reduction), (g, xi) => Functional.MultilabelSoftMarginLossBackward(g, xi, t, w, reduction).Input, x, rng);
            AssertGradientMatchesFiniteDifferences(ti => Functional.MultilabelSoftMarginLoss(x, ti, w, reduction), (g, ti) => Functional.MultilabelSoftMarginLossBackward(g, x, ti, w, reduction).Target!, t, rng);
            if (w is not null)
            {
                AssertGradientMatchesFiniteDifferences(wi => Functional.MultilabelSoftMarginLoss(x, t, wi, reduction), (g, wi) => Functional.MultilabelSoftMarginLossBackward(g, x, t, wi, reduction).Weight!, w, rng);
            }
        }

        [Fact]
        public void Input_IsSigmoidMinusTargetOverC()
        {
            // d/dx = (σ(x) − t)/C per element for 'sum' and no weight.
            Tensor x = Tensor.FromArray(new[] { 0.0, 2.0 }, 1, 2);
            Tensor t = Tensor.FromArray(new[] { 1.0, 0.0 }, 1, 2);
            double[] g = Functional.MultilabelSoftMarginLossBackward(Tensor.Scalar(1.0, DType.Float64), x, t, reduction: Reduction.Sum).Input.ToDoubleArray();
            Assert.Equal(-0.25, g[0], 15);
            Assert.Equal(1 / (1 + Math.Exp(-2)) / 2, g[1], 15);
        }
    }

    public class Errors
    {
        [Fact]
        public void WeightBroadcast_RuntimeError()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
                () => Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 2, 3), Tensor.Vector(1f, 1f)));
        }

        [Fact]
        public void ZeroDimInput_IndexError()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Dimension specified as -1 but tensor has no dimensions", () => Functional.MultilabelSoftMarginLoss(Tensor.Scalar(1.0), Tensor.Scalar(1.0)));
        }

        [Fact]
        public void Reduction_ValueError_AfterTheComputation()
        {
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not valid", () => Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 2, 3), reduction: Reduction.BatchMean));
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1", () => Functional.MultilabelSoftMarginLoss(Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 2, 3), Tensor.Vector(1f, 1f), Reduction.BatchMean));
        }

        [Fact]
        public void Int64Input_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"log_sigmoid_cpu\" not implemented for 'Long'", () => Functional.MultilabelSoftMarginLoss(Tensor.Vector(1L), Tensor.Vector(1L)));
        }
    }
}
