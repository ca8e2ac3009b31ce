using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class GaussianNllLossTests
{
    /// <summary>½(log max(v, eps) + (x − t)²/max(v, eps)) [+ ½ log 2π] in float64.</summary>
    private static double Reference(double x, double t, double v, bool full, double eps)
    {
        double vc = Math.Max(v, eps);
        return (0.5 * (Math.Log(vc) + ((x - t) * (x - t) / vc))) + (full ? 0.5 * Math.Log(2 * Math.PI) : 0);
    }

    public static TheoryData<bool, Reduction> Combos()
    {
        var d = new TheoryData<bool, Reduction>();
        foreach (bool full in new[] { false, true })
        {
            foreach (Reduction r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                d.Add(full, r);
            }
        }
        return d;
    }

    private static Tensor T32(params float[] v) => Tensor.Vector(v);

    public class Forward
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(GaussianNllLossTests))]
        public void Float64_MatchesFormula(bool full, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 3, 4);
            Tensor t = Uniform(rng, -2, 2, 3, 4);
            Tensor v = Uniform(rng, 0.1, 2, 3, 4);
            v.SetDouble(5, 1e-9); // clamped to eps
            double[] expected = Enumerable.Range(0, 12).Select(i => Reference(x.GetDouble(i), t.GetDouble(i), v.GetDouble(i), full, 1e-6)).ToArray();
            Tensor r = Functional.GaussianNllLoss(x, t, v, full, 1e-6, reduction);
            if (reduction == Reduction.None)
            {
                AssertClose(expected, r.ToDoubleArray(), 0, F64RelTol);
            }
            else
            {
                AssertClose(reduction == Reduction.Sum ? expected.Sum() : expected.Sum() / 12, r);
            }
        }

        [Fact]
        public void Float32_LibtorchValues_EpsIsAClamp()
        {
            // libtorch 2.10, Python's op sequence (clone, clamp_(min=1e-6), 0.5*(log v + (x−t)**2/v)), float32, 'none'.
            Tensor r = Functional.GaussianNllLoss(T32(0.5f, -1f, 2f, 0f), T32(1f, 2f, 0f, 3f), T32(0.5f, 1e-8f, 2f, 1f), reduction: Reduction.None);
            AssertClose([-0.09657359, 4499993, 1.3465736, 4.5], r.ToArray<float>().Select(v => (double)v).ToArray(), 0, 2.5e-7);
        }

        [Fact]
        public void VarShapes_AcceptedAsIn210()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -1, 1, 2, 3);
            Tensor t = Uniform(rng, -1, 1, 2, 3);
            double[] Per(Func<int, int, double> var) =>
                Enumerable.Range(0, 6).Select(i => Reference(x.GetDouble(i), t.GetDouble(i), var(i / 3, i % 3), false, 1e-6)).ToArray();
            Tensor vRow = Uniform(rng, 0.5, 1.5, 2);
            // input's shape without the last dimension: unsqueezed to (2, 1)
            AssertClose(Per((n, _) => vRow.GetDouble(n)), Functional.GaussianNllLoss(x, t, vRow, reduction: Reduction.None).ToDoubleArray(), 0, F64RelTol);
            // last dimension 1
            AssertClose(Per((n, _) => vRow.GetDouble(n)), Functional.GaussianNllLoss(x, t, vRow.Reshape(2, 1), reduction: Reduction.None).ToDoubleArray(), 0, F64RelTol);
            // the one mismatching dimension is not the last (PyTorch 2.10's rule): (1, 3)
            Tensor vCol = Uniform(rng, 0.5, 1.5, 1, 3);
            AssertClose(Per((_, c) => vCol.GetDouble(c)), Functional.GaussianNllLoss(x, t, vCol, reduction: Reduction.None).ToDoubleArray(), 0, F64RelTol);
            // a 0-D var with a 1-D input is unsqueezed to (1)
            Tensor x1 = Tensor.Vector(0.0, 1.0);
            AssertClose([Reference(0, 0, 2, false, 0), Reference(1, 0, 2, false, 0)], Functional.GaussianNllLoss(x1, Tensor.Vector(0.0, 0.0), Tensor.Scalar(2.0, DType.Float64), reduction: Reduction.None).ToDoubleArray(), 0, F64RelTol);
            // target broadcasts freely
            Tensor r = Functional.GaussianNllLoss(x, Tensor.Scalar(0.5, DType.Float64), vRow.Reshape(2, 1), reduction: Reduction.None);
            Assert.Equal([2, 3], r.ShapeArray());
        }

        [Fact]
        public void FloatVar_IsOnesLikeInputTimesVar()
        {
            Tensor x = Tensor.Vector(0.5f, -1f);
            Tensor t = Tensor.Vector(1f, 2f);
            Tensor r = Functional.GaussianNllLoss(x, t, 0.5, reduction: Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal(Functional.GaussianNllLoss(x, t, Tensor.Vector(0.5f, 0.5f), reduction: Reduction.None).ToArray<float>(), r.ToArray<float>());
            // 0 is clamped to eps
            Assert.Equal(Reference(1, 0, 1e-6, false, 1e-6), Functional.GaussianNllLoss(Tensor.Vector(1.0), Tensor.Vector(0.0), 0.0, reduction: Reduction.Sum).GetDouble(0), 6);
        }

        [Fact]
        public void NaNVar_PassesTheCheckAndGivesNaN()
        {
            Assert.True(double.IsNaN(Functional.GaussianNllLoss(Tensor.Vector(1.0), Tensor.Vector(0.0), Tensor.Vector(double.NaN)).GetDouble(0)));
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0, 2);
            Assert.True(double.IsNaN(Functional.GaussianNllLoss(e, e, e).GetDouble(0)));
            Assert.Equal(0.0, Functional.GaussianNllLoss(e, e, e, reduction: Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Module_DefaultsAndCall()
        {
            var d = new GaussianNLLLoss();
            Assert.False(d.Full);
            Assert.Equal(1e-6, d.Eps);
            Assert.Equal(Reduction.Mean, d.Reduction);
            var m = new GaussianNLLLoss(full: true, eps: 0.25, reduction: Reduction.Sum);
            Tensor x = Tensor.Vector(1.0, 2.0), t = Tensor.Vector(0.0, 0.0), v = Tensor.Vector(0.1, 1.0);
            Assert.Equal(Reference(1, 0, 0.1, true, 0.25) + Reference(2, 0, 1, true, 0.25), m.Forward(x, t, v).GetDouble(0), 13);
            Assert.Equal(m.Forward(x, t, Tensor.Vector(0.5, 0.5)).GetDouble(0), m.Forward(x, t, 0.5).GetDouble(0));
            Assert.Equal(Functional.GaussianNllLossBackward(Tensor.Scalar(1.0, DType.Float64), x, t, v, true, 0.25, Reduction.Sum).Var!.ToDoubleArray(), m.Backward(Tensor.Scalar(1.0, DType.Float64), x, t, v).Var!.ToDoubleArray());
            Assert.Null(m.Backward(Tensor.Scalar(1.0, DType.Float64), x, t, 0.5).Var);
        }
    }

    public class Gradient
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(GaussianNllLossTests))]
        public void InputTargetVar_MatchFiniteDifferences(bool full, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 3, 4);
            Tensor t = Uniform(rng, -2, 2, 3, 4);
            Tensor v = Uniform(rng, 0.2, 2, 3, 4);
            AssertGradientMatchesFiniteDifferences(xi => Functional.GaussianNllLoss(xi, t, v, full, 1e-6, reduction), (g, xi) => Functional.GaussianNllLossBackward(g, xi, t, v, full, 1e-6, reduction).Input!, x, rng);
            AssertGradientMatchesFiniteDifferences(ti => Functional.GaussianNllLoss(x, ti, v, full, 1e-6, reduction), (g, ti) => Functional.GaussianNllLossBackward(g, x, ti, v, full, 1e-6, reduction).Target!, t, rng);
            AssertGradientMatchesFiniteDifferences(vi => Functional.GaussianNllLoss(x, t, vi, full, 1e-6, reduction), (g, vi) => Functional.GaussianNllLossBackward(g, x, t, vi, full, 1e-6, reduction).Var!, v, rng);
        }

        [Fact]
        public void BroadcastVarAndTarget_GradientsSummedToTheirShapes()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 2, 3);
            Tensor t = Uniform(rng, -2, 2, 3);
            Tensor v = Uniform(rng, 0.2, 2, 2);       // unsqueezed to (2, 1)
            Tensor vc = Uniform(rng, 0.2, 2, 1, 3);   // the 2.10 rule
            AssertGradientMatchesFiniteDifferences(vi => Functional.GaussianNllLoss(x, t, vi, reduction: Reduction.Mean), (g, vi) => Functional.GaussianNllLossBackward(g, x, t, vi, reduction: Reduction.Mean).Var!, v, rng);
            AssertGradientMatchesFiniteDifferences(vi => Functional.GaussianNllLoss(x, t, vi, reduction: Reduction.None), (g, vi) => Functional.GaussianNllLossBackward(g, x, t, vi, reduction: Reduction.None).Var!, vc, rng);
            AssertGradientMatchesFiniteDifferences(ti => Functional.GaussianNllLoss(x, ti, v, reduction: Reduction.Sum), (g, ti) => Functional.GaussianNllLossBackward(g, x, ti, v, reduction: Reduction.Sum).Target!, t, rng);
        }

        [Fact]
        public void ClampedVar_GradientPassesAsIfUnclamped()
        {
            // The clamp runs under no_grad on a clone: d/dvar = ½/v − ½·d²/v² at v = eps, not 0.
            GaussianNllLossGrads g = Functional.GaussianNllLossBackward(Tensor.Vector(1.0, 1.0), Tensor.Vector(1.0, 0.5), Tensor.Vector(0.0, 0.0), Tensor.Vector(1e-7, 0.0), reduction: Reduction.None);
            // libtorch 2.10 gives −499999500000 and −124999500000.
            Assert.Equal(new[] { -499999500000.0, -124999500000.0 }, g.Var!.ToDoubleArray());
        }

        [Fact]
        public void FloatVar_HasNoVarGradient()
        {
            GaussianNllLossGrads g = Functional.GaussianNllLossBackward(Tensor.Scalar(1.0, DType.Float64), Tensor.Vector(1.0, 2.0), Tensor.Vector(0.0, 0.0), 2.0, reduction: Reduction.Sum);
            Assert.Null(g.Var);
            Assert.Equal(new[] { 0.5, 1.0 }, g.Input!.ToDoubleArray());
            Assert.Equal(new[] { -0.5, -1.0 }, g.Target!.ToDoubleArray());
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.Zeros(DType.Float32, 2, 3);

        [Fact]
        public void NegativeVar_ValueError_TensorAndFloat_BeforeTheSizeCheck()
        {
            AssertTorchError(TorchErrorKind.ValueError, "var has negative entry/entries", () => Functional.GaussianNllLoss(X23, X23, Tensor.Vector(-1f)));
            AssertTorchError(TorchErrorKind.ValueError, "var has negative entry/entries", () => Functional.GaussianNllLoss(X23, X23, -0.5));
        }

        [Fact]
        public void IncorrectSize_ValueError()
        {
            foreach (int[] shape in new[] { new[] { 1, 1 }, new[] { 3 }, new[] { 2, 3, 1 }, new[] { 2, 2 }, new int[0] })
            {
                AssertTorchError(TorchErrorKind.ValueError, "var is of incorrect size", () => Functional.GaussianNllLoss(X23, X23, Tensor.Zeros(DType.Float32, shape)));
            }
        }

        [Fact]
        public void Reduction_ValueError_AfterTheSizeCheck()
        {
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not valid", () => Functional.GaussianNllLoss(X23, X23, X23, reduction: Reduction.BatchMean));
            AssertTorchError(TorchErrorKind.ValueError, "var is of incorrect size", () => Functional.GaussianNllLoss(X23, X23, Tensor.Zeros(DType.Float32, 3), reduction: Reduction.BatchMean));
        }

        [Fact]
        public void IntegerVar_InPlaceClampRuntimeError()
        {
            // libtorch 2.10: ones(3).long().clamp_(min=1e-6)
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type long int", () => Functional.GaussianNllLoss(Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 3), Tensor.Vector(1L, 1L, 1L)));
        }

        [Fact]
        public void TargetBroadcast_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", () => Functional.GaussianNllLoss(X23, Tensor.Zeros(DType.Float32, 4), X23));
        }
    }
}
