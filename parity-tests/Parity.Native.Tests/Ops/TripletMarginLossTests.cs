using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class TripletMarginLossTests
{
    /// <summary>max(margin + ‖a − p + ε‖ − dₙ, 0) per row in float64, dₙ = ‖a − n + ε‖ (or the min with ‖p − n + ε‖ under swap).</summary>
    private static double[] Reference(Tensor a, Tensor p, Tensor n, int rows, int d, double margin, double pn, double eps, bool swap)
    {
        double Dist(Tensor x, Tensor y, int i)
        {
            double s = 0;
            for (int k = 0; k < d; k++)
            {
                s += Math.Pow(Math.Abs(x.GetDouble((i * d) + k) - y.GetDouble((i * d) + k) + eps), pn);
            }
            return Math.Pow(s, 1 / pn);
        }
        var r = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double dn = Dist(a, n, i);
            if (swap)
            {
                dn = Math.Min(dn, Dist(p, n, i));
            }
            r[i] = Math.Max(margin + Dist(a, p, i) - dn, 0);
        }
        return r;
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, 2.0, false)]
        [InlineData(Reduction.Mean, 2.0, true)]
        [InlineData(Reduction.Sum, 1.0, false)]
        [InlineData(Reduction.None, 3.0, true)]
        public void Float64_MatchesPlainLoop(Reduction reduction, double p, bool swap)
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 7, 4), pos = Uniform(rng, -1, 1, 7, 4), neg = Uniform(rng, -1, 1, 7, 4);
            double[] reference = Reference(a, pos, neg, 7, 4, 1.0, p, 1e-6, swap);
            Tensor r = Functional.TripletMarginLoss(a, pos, neg, 1.0, p, 1e-6, swap, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 1e-15, 1e-13);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r);
                    break;
                default:
                    AssertClose(reference.Sum() / 7, r);
                    break;
            }
        }

        [Fact]
        public void LibTorch_Float32()
        {
            // libtorch: triplet_margin_loss(A, B, C, 1.0, 2, 1e-6, swap, reduction) for (2, 11) float32 inputs.
            Tensor a = MarginData.A(DType.Float32, 2, 11), p = MarginData.B(DType.Float32, 2, 11), n = MarginData.C(DType.Float32, 2, 11);
            MarginData.Bits([0.8040061f, 0.72205746f], Functional.TripletMarginLoss(a, p, n, reduction: Reduction.None));
            MarginData.Bits([1.0577469f], Functional.TripletMarginLoss(a, p, n, swap: true));
        }

        [Fact]
        public void LibTorch_OneDimensional_GivesZeroDim()
        {
            Tensor r = Functional.TripletMarginLoss(Tensor.Vector(0f, 1f), Tensor.Vector(1f, 0f), Tensor.Vector(2f, 0.5f), reduction: Reduction.None);
            Assert.Equal(0, r.Dim);
            MarginData.Bits([0.3526616f], r);
            MarginData.Bits([0.3526616f], Functional.TripletMarginLoss(Tensor.Vector(0f, 1f), Tensor.Vector(1f, 0f), Tensor.Vector(2f, 0.5f)));
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0, 3);
            Assert.Equal([0], Functional.TripletMarginLoss(e, e, e, reduction: Reduction.None).ShapeArray());
            Assert.True(double.IsNaN(Functional.TripletMarginLoss(e, e, e).GetDouble(0)));
            MarginData.Bits([0f], Functional.TripletMarginLoss(e, e, e, reduction: Reduction.Sum));
        }

        [Fact]
        public void Broadcast_NegativeRow()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 3, 4), p = Uniform(rng, -1, 1, 3, 4), n = Uniform(rng, -1, 1, 1, 4);
            Tensor nFull = Tensor.FromDoubles(DType.Float64, [.. Enumerable.Range(0, 12).Select(i => n.GetDouble(i % 4))], 3, 4);
            AssertClose(Reference(a, p, nFull, 3, 4, 0.5, 2, 1e-6, true), Functional.TripletMarginLoss(a, p, n, 0.5, swap: true, reduction: Reduction.None).ToDoubleArray(), 1e-15, 1e-13);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, 2.0, false)]
        [InlineData(Reduction.Mean, 2.0, true)]
        [InlineData(Reduction.Sum, 1.0, true)]
        [InlineData(Reduction.Mean, 3.0, false)]
        public void MatchesFiniteDifferences(Reduction reduction, double p, bool swap)
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 6, 3), pos = Uniform(rng, -1, 1, 6, 3), neg = Uniform(rng, -1, 1, 6, 3);
            MarginData.FdCheck(x => Functional.TripletMarginLoss(x, pos, neg, 1.5, p, 1e-6, swap, reduction), (g, x) => Functional.TripletMarginLossBackward(g, x, pos, neg, 1.5, p, 1e-6, swap, reduction).Anchor, a);
            MarginData.FdCheck(x => Functional.TripletMarginLoss(a, x, neg, 1.5, p, 1e-6, swap, reduction), (g, x) => Functional.TripletMarginLossBackward(g, a, x, neg, 1.5, p, 1e-6, swap, reduction).Positive, pos);
            MarginData.FdCheck(x => Functional.TripletMarginLoss(a, pos, x, 1.5, p, 1e-6, swap, reduction), (g, x) => Functional.TripletMarginLossBackward(g, a, pos, x, 1.5, p, 1e-6, swap, reduction).Negative, neg);
        }

        [Fact]
        public void LibTorch_Float32MeanSwap()
        {
            // libtorch: d/dx of triplet_margin_loss(A, B, C, swap=True, 'mean') for (2, 11) float32 inputs.
            Tensor a = MarginData.A(DType.Float32, 2, 11), p = MarginData.B(DType.Float32, 2, 11), n = MarginData.C(DType.Float32, 2, 11);
            var g = Functional.TripletMarginLossBackward(Tensor.Scalar(1.0), a, p, n, swap: true);
            MarginData.Bits([3.9114647E-07f, -0.07042754f, 0.25029102f, -0.21128339f, 0.10943517f, 0.03900724f, -0.031420685f, -0.101848595f, 0.21886995f, -0.24270445f, 0.07801409f, 0.007567892f, -0.06269042f, 0.25725576f, -0.20320705f, 0.11673912f, 0.04648081f, -0.023777513f, -0.09403582f, 0.22591034f, -0.23455243f, 0.08539371f], g.Anchor);
            MarginData.Bits([-8.2122494E-07f, -0.024426304f, -0.009919763f, 0.35680124f, -0.05877073f, -0.08319621f, 0.3224568f, -0.13204718f, -0.11754065f, 0.24918035f, -0.16639158f, 0.21635495f, 0.2005689f, -0.20542166f, 0.16899678f, 0.15314335f, -0.2527798f, 0.12157125f, 0.10578519f, -0.30020535f, 0.07421304f, 0.058359653f], g.Positive);
            MarginData.Bits([4.300785E-07f, 0.09485384f, -0.24037126f, -0.14551786f, -0.05066444f, 0.044188965f, -0.29103613f, 0.23389578f, -0.101329304f, -0.0064759017f, 0.0883775f, -0.22392285f, -0.13787848f, -0.051834114f, 0.034210257f, -0.26988247f, 0.20629899f, -0.097793736f, -0.011749371f, 0.074295f, 0.16033939f, -0.14375336f], g.Negative);
        }

        [Fact]
        public void LibTorch_SwapTie_SplitsTheGradient()
        {
            // libtorch: row 0 has d(a, n) = d(p, n) = √1.25 (a tie: each gets half); row 1 swaps to d(p, n) = 2.
            Tensor a = MarginData.F64([0, 0, 0, 0], 2, 2), p = MarginData.F64([1, 0, 0, 3], 2, 2), n = MarginData.F64([0.5, 1, 0, 5], 2, 2);
            MarginData.Bits([4.881966011250105, 6.0], Functional.TripletMarginLoss(a, p, n, 5.0, 2.0, 0.0, true, Reduction.None));
            var g = Functional.TripletMarginLossBackward(Tensor.Vector(1.0, 1.0), a, p, n, 5.0, 2.0, 0.0, true, Reduction.None);
            MarginData.Bits([-0.7763932022500211, 0.4472135954999579, 0.0, -1.0], g.Anchor);
            MarginData.Bits([0.7763932022500211, 0.4472135954999579, -0.0, 2.0], g.Positive);
            MarginData.Bits([0.0, -0.8944271909999159, 0.0, -1.0], g.Negative);
        }

        [Fact]
        public void LibTorch_Kink_PassesTheGradient()
        {
            // libtorch: margin + d(a, p) − d(a, n) = 1 + 1 − 2 = 0 exactly: the loss is 0 and the gradient still flows.
            Tensor a = MarginData.F64([0, 0], 1, 2), p = MarginData.F64([1, 0], 1, 2), n = MarginData.F64([2, 0], 1, 2);
            MarginData.Bits([0.0], Functional.TripletMarginLoss(a, p, n, 1.0, 2.0, 0.0, false, Reduction.None));
            var g = Functional.TripletMarginLossBackward(Tensor.Vector(1.0), a, p, n, 1.0, 2.0, 0.0, false, Reduction.None);
            MarginData.Bits([0.0, 0.0], g.Anchor);
            MarginData.Bits([1.0, -0.0], g.Positive);
            MarginData.Bits([-1.0, 0.0], g.Negative);
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.Zeros(DType.Float32, 2, 3);

        [Fact]
        public void Ranks_RuntimeError()
        {
            // libtorch texts.
            AssertTorchError(TorchErrorKind.RuntimeError, "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs",
                () => Functional.TripletMarginLoss(X23, X23, Tensor.Zeros(DType.Float32, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor 1D, positive 2D, and negative 2D inputs",
                () => Functional.TripletMarginLoss(Tensor.Zeros(DType.Float32, 3), X23, X23));
        }

        [Fact]
        public void Broadcast_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                () => Functional.TripletMarginLoss(X23, X23, Tensor.Zeros(DType.Float32, 2, 4)));
        }

        [Theory]
        [InlineData(0.0, "0.0")]
        [InlineData(-1.0, "-1.0")]
        [InlineData(-0.25, "-0.25")]
        [InlineData(-1e-05, "-1e-05")]
        [InlineData(double.NegativeInfinity, "-inf")]
        public void MarginNotPositive_PythonValueError(double margin, string shown)
        {
            // torch/nn/functional.py triplet_margin_loss: f"margin must be greater than 0, got {margin}" (libtorch itself computes).
            AssertTorchError(TorchErrorKind.ValueError, $"margin must be greater than 0, got {shown}", () => Functional.TripletMarginLoss(X23, X23, X23, margin));
            AssertTorchError(TorchErrorKind.ValueError, $"margin must be greater than 0, got {shown}", () => Functional.TripletMarginLossBackward(Tensor.Scalar(1.0), X23, X23, X23, margin));
        }

        [Fact]
        public void NaNMargin_PassesPythonsCheck()
        {
            Assert.True(double.IsNaN(Functional.TripletMarginLoss(X23, X23, X23, double.NaN).GetDouble(0)));
        }

        [Fact]
        public void Reduction_IsCheckedBeforeTheMargin()
        {
            AssertTorchError(TorchErrorKind.ValueError, "9 is not a valid value for reduction", () => Functional.TripletMarginLoss(X23, X23, X23, -1.0, reduction: (Reduction)9));
        }

        [Fact]
        public void GradOutputShape_AndIntegerGrad()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([]) and output[0] has a shape of torch.Size([2]).",
                () => Functional.TripletMarginLossBackward(Tensor.Scalar(1.0), X23, X23, X23, reduction: Reduction.None));
            Tensor i = Tensor.FromArray(new long[] { 1, 2 }, 1, 2);
            AssertTorchError(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
                () => Functional.TripletMarginLossBackward(Tensor.Scalar(1.0), i, i, i));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 3, 4), p = Uniform(rng, -1, 1, 3, 4), n = Uniform(rng, -1, 1, 3, 4);
            var m = new Parity.Native.Modules.TripletMarginLoss(0.5, 1.0, 1e-4, true, Reduction.Sum);
            Assert.True(m.Forward(a, p, n).BitEquals(Functional.TripletMarginLoss(a, p, n, 0.5, 1.0, 1e-4, true, Reduction.Sum)));
            Assert.True(m.Backward(Tensor.Scalar(1.0), a, p, n).Negative.BitEquals(Functional.TripletMarginLossBackward(Tensor.Scalar(1.0), a, p, n, 0.5, 1.0, 1e-4, true, Reduction.Sum).Negative));
        }

        [Fact]
        public void Constructor_MarginNotPositive()
        {
            // torch/nn/modules/loss.py TripletMarginLoss.__init__.
            AssertTorchError(TorchErrorKind.ValueError, "TripletMarginLoss: expected margin to be greater than 0, got 0.0 instead", () => new Parity.Native.Modules.TripletMarginLoss(0.0));
            AssertTorchError(TorchErrorKind.ValueError, "TripletMarginLoss: expected margin to be greater than 0, got -2.5 instead", () => new Parity.Native.Modules.TripletMarginLoss(-2.5));
        }
    }
}
