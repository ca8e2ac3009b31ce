using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class KlDivTests
{
    private static double Ref(double x, double y, bool logTarget) =>
        logTarget ? Math.Exp(y) * (y - x) : (y == 0 ? 0 : y * Math.Log(y)) - (y * x);

    public class Forward
    {
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Float64_AllReductions_MatchPlainLoop_Broadcast(bool logTarget)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 4, 3), y = logTarget ? Uniform(rng, -3, 0, 3) : Uniform(rng, 0, 1, 3);
            double[] r = RegressionTestSupport.Elementwise(x, y, (a, b) => Ref(a, b, logTarget), out int[] shape);
            Assert.Equal(new[] { 4, 3 }, shape);
            foreach (Reduction red in RegressionTestSupport.Reductions)
            {
                RegressionTestSupport.AssertReduced(r, Functional.KlDiv(x, y, red, logTarget), red, 1e-12);
            }
            AssertClose([r.Sum() / 4], Functional.KlDiv(x, y, Reduction.BatchMean, logTarget).ToDoubleArray(), 1e-15, 1e-12);
        }

        [Fact]
        public void MeanWarns_OthersDoNot_NoSizeWarning()
        {
            Tensor x = Tensor.Vector(-1.0, -2.0), y = Tensor.Vector(0.5);
            var w = RegressionTestSupport.Warnings(() => Functional.KlDiv(x, y));
            Assert.Equal(
                "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                Assert.Single(w).Message);
            Assert.Empty(RegressionTestSupport.Warnings(() => Functional.KlDiv(x, y, Reduction.BatchMean)));
            Assert.Empty(RegressionTestSupport.Warnings(() => Functional.KlDiv(x, y, Reduction.Sum)));
        }

        [Fact]
        public void ZeroTarget_ContributesZero_Float32LibtorchValue()
        {
            // libtorch 2.10: kl_div(x, [0.2, 0.3, 0.5, 0, 0.25], sum, log_target=False) printed -2.1362266540527344.
            Tensor x = Tensor.Vector(0.1f, -0.7f, 2.5f, 0.3f, -1.2f), p = Tensor.Vector(0.2f, 0.3f, 0.5f, 0f, 0.25f);
            Assert.Equal(-2.1362266540527344f, Functional.KlDiv(x, p, Reduction.Sum).ToArray<float>()[0]);
            Assert.Equal(0f, Functional.KlDiv(Tensor.Vector(5f), Tensor.Vector(0f), Reduction.None).ToArray<float>()[0]);
        }

        [Fact]
        public void BatchMean_ZeroDim_IsTheSum_Empty_NaN()
        {
            Tensor x = Tensor.Scalar(-1.0, DType.Float64), y = Tensor.Scalar(0.5, DType.Float64);
            Assert.Equal(0.5 * Math.Log(0.5) + 0.5, Functional.KlDiv(x, y, Reduction.BatchMean).GetDouble(0), 15);
            var e = Tensor.Zeros(DType.Float32, 0, 3);
            Assert.True(float.IsNaN(Functional.KlDiv(e, e, Reduction.BatchMean).ToArray<float>()[0]));
            using var _ = TorchWarnings.Capture(out var __);
            Assert.True(float.IsNaN(Functional.KlDiv(e, e).ToArray<float>()[0]));
            Assert.Equal(0f, Functional.KlDiv(e, e, Reduction.Sum).ToArray<float>()[0]);
        }

        [Fact]
        public void Float32InputFloat64Target_PromotesToFloat64()
        {
            // libtorch 2.10: kl_div(ones(3), ones(3).double(), none) is Float64 [-1, -1, -1].
            Tensor r = Functional.KlDiv(Tensor.Vector(1f, 1f, 1f), Tensor.Vector(1.0, 1.0, 1.0), Reduction.None);
            Assert.Equal(DType.Float64, r.DType);
            Assert.Equal(new[] { -1.0, -1.0, -1.0 }, r.ToDoubleArray());
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Mean, false)]
        [InlineData(Reduction.Sum, false)]
        [InlineData(Reduction.BatchMean, false)]
        [InlineData(Reduction.None, true)]
        [InlineData(Reduction.Mean, true)]
        [InlineData(Reduction.Sum, true)]
        [InlineData(Reduction.BatchMean, true)]
        public void InputAndTarget_MatchFiniteDifferences(Reduction red, bool logTarget)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 3, 4), y = logTarget ? Uniform(rng, -3, 0, 4) : Uniform(rng, 0.05, 1, 4);
            using var _ = TorchWarnings.Capture(out var __);
            RegressionTestSupport.AssertFd(xi => Functional.KlDiv(xi, y, red, logTarget), (g, xi) => Functional.KlDivBackward(g, xi, y, red, logTarget).Input, x);
            RegressionTestSupport.AssertFd(yi => Functional.KlDiv(x, yi, red, logTarget), (g, yi) => Functional.KlDivBackward(g, x, yi, red, logTarget).Target, y);
        }

        [Fact]
        public void ZeroProbabilityTarget_GradientIsNaN()
        {
            KlDivGrads g = Functional.KlDivBackward(Tensor.Scalar(1, DType.Float64), Tensor.Vector(-1.0, -2.0), Tensor.Vector(0.0, 0.5), Reduction.Sum);
            Assert.True(double.IsNaN(g.Target.GetDouble(0)));
            Assert.Equal(2.0 + Math.Log(0.5) + 1, g.Target.GetDouble(1), 14);
            Assert.Equal(new[] { -0.0, -0.5 }, g.Input.ToDoubleArray());
        }
    }

    public class Errors
    {
        [Fact]
        public void Integral_Broadcast_Reduction()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "kl_div: Integral inputs not supported.", () => Functional.KlDiv(Tensor.Vector(1f), Tensor.Vector(1L), Reduction.Sum));
            AssertTorchError(TorchErrorKind.RuntimeError, "kl_div: Integral inputs not supported.", () => Functional.KlDiv(Tensor.Vector(1L), Tensor.Vector(1f), Reduction.Sum));
            // target·input is the first op, so target is "tensor a".
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0",
                () => Functional.KlDiv(Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 4), Reduction.None));
            AssertTorchError(TorchErrorKind.ValueError, "7 is not a valid value for reduction", () => Functional.KlDiv(Tensor.Vector(1f), Tensor.Vector(1f), (Reduction)7));
        }
    }
}
