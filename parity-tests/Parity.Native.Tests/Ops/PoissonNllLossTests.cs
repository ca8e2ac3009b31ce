using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class PoissonNllLossTests
{
    /// <summary>The textbook per-element loss in float64 (the Stirling term where t &gt; 1).</summary>
    private static double Reference(double x, double t, bool logInput, bool full, double eps)
    {
        double l = logInput ? Math.Exp(x) - (t * x) : x - (t * Math.Log(x + eps));
        if (full && t > 1)
        {
            l += (t * Math.Log(t)) - t + (0.5 * Math.Log(2 * Math.PI * t));
        }
        return l;
    }

    /// <summary>Every log_input × full × reduction.</summary>
    public static TheoryData<bool, bool, Reduction> Combos()
    {
        var d = new TheoryData<bool, bool, Reduction>();
        foreach (bool li in new[] { false, true })
        {
            foreach (bool full in new[] { false, true })
            {
                foreach (Reduction r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
                {
                    d.Add(li, full, r);
                }
            }
        }
        return d;
    }

    private static double Reduced(double[] l, Reduction r) => r == Reduction.Sum ? l.Sum() : l.Sum() / l.Length;

    public class Forward
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(PoissonNllLossTests))]
        public void Float64_MatchesFormula(bool logInput, bool full, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, logInput ? -2 : 0.01, 2, 3, 4);
            Tensor t = Uniform(rng, 0, 4, 3, 4);
            double[] expected = Enumerable.Range(0, 12).Select(i => Reference(x.GetDouble(i), t.GetDouble(i), logInput, full, 1e-8)).ToArray();
            Tensor r = Functional.PoissonNllLoss(x, t, logInput, full, 1e-8, reduction);
            if (reduction == Reduction.None)
            {
                Assert.Equal([3, 4], r.ShapeArray());
                AssertClose(expected, r.ToDoubleArray(), 0, F64RelTol);
            }
            else
            {
                AssertClose(Reduced(expected, reduction), r);
            }
        }

        [Fact]
        public void Defaults_AreLogInputNotFullMean()
        {
            Tensor x = Tensor.Vector(0.5, -1.0);
            Tensor t = Tensor.Vector(1.0, 2.0);
            AssertClose((Reference(0.5, 1, true, false, 0) + Reference(-1, 2, true, false, 0)) / 2, Functional.PoissonNllLoss(x, t));
        }

        [Fact]
        public void Eps_IsAddedToTheRateOnlyWithoutLogInput()
        {
            // x = 0, t = 2: 0 − 2·log(eps); eps = 1 gives 0.
            Assert.Equal(-2 * Math.Log(1e-8), Functional.PoissonNllLoss(Tensor.Vector(0.0), Tensor.Vector(2.0), false, false, 1e-8, Reduction.Sum).GetDouble(0), 12);
            Assert.Equal(0.0, Functional.PoissonNllLoss(Tensor.Vector(0.0), Tensor.Vector(2.0), false, false, 1.0, Reduction.Sum).GetDouble(0));
            // with log_input eps plays no part
            Assert.Equal(1.0, Functional.PoissonNllLoss(Tensor.Vector(0.0), Tensor.Vector(2.0), true, false, 1.0, Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10 (torch.poisson_nll_loss(x, t, True, True, 1e-8, 0)), float32: the Stirling term only at t = 3.
            Tensor x = Tensor.Vector(0.5f, -1f, 2f, 0f);
            Tensor t = Tensor.Vector(1f, 2f, 0f, 3f);
            float[] expected = [1.1487212f, 3.0196857f, 7.389056f, 2.7640815f];
            float[] actual = Functional.PoissonNllLoss(x, t, true, true, 1e-8, Reduction.None).ToArray<float>();
            AssertClose(expected.Select(v => (double)v).ToArray(), actual.Select(v => (double)v).ToArray(), 0, 2.5e-7);
        }

        [Fact]
        public void Float64_LibtorchValues_NoLogInputNaNForNegativeRate()
        {
            // libtorch 2.10 (torch.poisson_nll_loss(x, t, False, False, 1e-8, 0)), float64: log(−1 + eps) is NaN.
            double[] r = Functional.PoissonNllLoss(Tensor.Vector(0.5, -1.0, 2.0, 0.0), Tensor.Vector(1.0, 2.0, 0.0, 3.0), false, false, 1e-8, Reduction.None).ToDoubleArray();
            Assert.Equal(1.1931471605599455, r[0], 15);
            Assert.True(double.IsNaN(r[1]));
            Assert.Equal(2.0, r[2]);
            Assert.Equal(55.2620422318571, r[3], 12);
        }

        [Fact]
        public void FullStirling_MaskedAtOneAndBelow_NaNsDoNotLeak()
        {
            // t = 0 and t = −1 make the masked term NaN; it must not reach the loss.
            Tensor x = Tensor.Vector(0.0, 0.0, 0.0);
            Tensor t = Tensor.Vector(0.0, -1.0, 1.0);
            Assert.Equal(new double[] { 1, 1, 1 }, Functional.PoissonNllLoss(x, t, true, true, 1e-8, Reduction.None).ToDoubleArray());
        }

        [Fact]
        public void Broadcast_ShapeIsTheBroadcastOfInputAndTarget()
        {
            Tensor x = Tensor.FromArray(new[] { 0.0, 1, 2, 3, 4, 5 }, 2, 3);
            Tensor t = Tensor.FromArray(new[] { 1.0, 2, 3 }, 3, 1, 1);
            Tensor r = Functional.PoissonNllLoss(x, t, reduction: Reduction.None);
            Assert.Equal([3, 2, 3], r.ShapeArray());
            Assert.Equal(Math.Exp(4) - (3 * 4.0), r[2, 1, 1], 12);
            AssertClose(Enumerable.Range(0, 18).Select(i => Reference(i % 6, 1 + (i / 6), true, false, 0)).Sum() / 18, Functional.PoissonNllLoss(x, t));
        }

        [Fact]
        public void MixedDtypes_PromoteToFloat64()
        {
            Tensor r = Functional.PoissonNllLoss(Tensor.Vector(1f, 1f), Tensor.Vector(1.0, 1.0), reduction: Reduction.None);
            Assert.Equal(DType.Float64, r.DType);
            // libtorch 2.10: exp is taken in float32, then promoted: 1.7182817459106445.
            Assert.Equal(1.7182817459106445, r.GetDouble(0));
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(double.IsNaN(Functional.PoissonNllLoss(e, e).GetDouble(0)));
            Assert.Equal(0.0, Functional.PoissonNllLoss(e, e, reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal([0], Functional.PoissonNllLoss(e, e, reduction: Reduction.None).ShapeArray());
        }

        [Fact]
        public void Module_CarriesTheArguments()
        {
            var m = new PoissonNLLLoss(logInput: false, full: true, eps: 0.5, reduction: Reduction.Sum);
            Tensor x = Tensor.Vector(0.5, 2.0), t = Tensor.Vector(3.0, 0.0);
            Assert.Equal(Functional.PoissonNllLoss(x, t, false, true, 0.5, Reduction.Sum).GetDouble(0), m.Forward(x, t).GetDouble(0));
            Tensor g = Tensor.Scalar(1.0, DType.Float64);
            Assert.Equal(Functional.PoissonNllLossBackward(g, x, t, false, true, 0.5, Reduction.Sum).Target!.ToDoubleArray(), m.Backward(g, x, t).Target!.ToDoubleArray());
            var d = new PoissonNLLLoss();
            Assert.True(d.LogInput);
            Assert.False(d.Full);
            Assert.Equal(1e-8, d.Eps);
            Assert.Equal(Reduction.Mean, d.Reduction);
        }
    }

    public class Gradient
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(PoissonNllLossTests))]
        public void InputAndTarget_MatchFiniteDifferences(bool logInput, bool full, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, logInput ? -2 : 0.2, 2, 3, 4);
            Tensor t = Uniform(rng, 1.1, 4, 3, 4);
            t.SetDouble(0, 0.5); // a masked Stirling position (t ≤ 1)
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.PoissonNllLoss(xi, t, logInput, full, 1e-8, reduction),
                (g, xi) => Functional.PoissonNllLossBackward(g, xi, t, logInput, full, 1e-8, reduction).Input!,
                x,
                rng);
            AssertGradientMatchesFiniteDifferences(
                ti => Functional.PoissonNllLoss(x, ti, logInput, full, 1e-8, reduction),
                (g, ti) => Functional.PoissonNllLossBackward(g, x, ti, logInput, full, 1e-8, reduction).Target!,
                t,
                rng);
        }

        [Fact]
        public void BroadcastTarget_GradientIsSummedToItsShape()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -1, 1, 2, 3);
            Tensor t = Uniform(rng, 1.5, 3, 3);
            AssertGradientMatchesFiniteDifferences(
                ti => Functional.PoissonNllLoss(x, ti, true, true, 1e-8, Reduction.Mean),
                (g, ti) => Functional.PoissonNllLossBackward(g, x, ti, true, true, 1e-8, Reduction.Mean).Target!,
                t,
                rng);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.PoissonNllLoss(xi, t, true, true, 1e-8, Reduction.None),
                (g, xi) => Functional.PoissonNllLossBackward(g, xi, t, true, true, 1e-8, Reduction.None).Input!,
                x,
                rng);
        }

        [Fact]
        public void LibtorchValues_TargetGradientNaNAtZeroWithFull()
        {
            // libtorch 2.10, torch.autograd.grad of poisson_nll_loss(x, t, True, True, 1e-8, 0) with ones, float32.
            Tensor x = Tensor.Vector(0.5f, -1f, 2f, 0f);
            Tensor t = Tensor.Vector(1f, 2f, 0f, 3f);
            PoissonNllLossGrads g = Functional.PoissonNllLossBackward(Tensor.Vector(1f, 1f, 1f, 1f), x, t, true, true, 1e-8, Reduction.None);
            AssertClose([0.6487212, -1.6321206, 7.389056, -2], g.Input!.ToDoubleArray(), 1e-7, 1e-7);
            double[] gt = g.Target!.ToDoubleArray();
            Assert.Equal(-0.5, gt[0]);
            Assert.Equal(1.9431472, gt[1], 6);
            Assert.True(double.IsNaN(gt[2]));
            Assert.Equal(1.2652789, gt[3], 6);
        }

        [Fact]
        public void LibtorchValues_NoLogInput()
        {
            // libtorch 2.10, poisson_nll_loss(x, t, False, True, 1e-8, 0), float32: d/dx = 1 − t/(x + eps), NaN target gradients at t = 0 and t = −1.
            Tensor x = Tensor.Vector(0.5f, 1f, 2f, 0f);
            Tensor t = Tensor.Vector(0f, 2f, -1f, 1f);
            PoissonNllLossGrads g = Functional.PoissonNllLossBackward(Tensor.Vector(1f, 1f, 1f, 1f), x, t, false, true, 1e-8, Reduction.None);
            Assert.Equal(new float[] { 1, -1, 1.5f, -100000000 }, g.Input!.ToArray<float>());
            float[] gt = g.Target!.ToArray<float>();
            Assert.True(float.IsNaN(gt[0]));
            Assert.Equal(0.9431472f, gt[1], 6);
            Assert.True(float.IsNaN(gt[2]));
            Assert.Equal(18.420681f, gt[3], 4);
        }

        [Fact]
        public void Float32_StaysFloat32_IntegerTargetHasNoGradient()
        {
            Tensor x = Tensor.Vector(0.5f, 1f);
            PoissonNllLossGrads g = Functional.PoissonNllLossBackward(Tensor.Scalar(1.0), x, Tensor.Vector(1L, 3L));
            Assert.Equal(DType.Float32, g.Input!.DType);
            Assert.Null(g.Target);
            Assert.Equal((float)((Math.Exp(0.5f) - 1) / 2), g.Input.ToArray<float>()[0], 6);
        }

        [Fact]
        public void GradOutputShape_MustMatchLoss()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).",
                () => Functional.PoissonNllLossBackward(Tensor.Vector(1f, 1f), Tensor.Vector(0.5f, 0.5f), Tensor.Vector(1f, 0f)));
        }
    }

    public class Errors
    {
        [Fact]
        public void Broadcast_RuntimeError()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1",
                () => Functional.PoissonNllLoss(Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 4)));
        }

        [Fact]
        public void Reduction_ValueError_BeforeShapes()
        {
            AssertTorchError(
                TorchErrorKind.ValueError,
                "batchmean is not a valid value for reduction",
                () => Functional.PoissonNllLoss(Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 4), reduction: Reduction.BatchMean));
        }
    }
}
