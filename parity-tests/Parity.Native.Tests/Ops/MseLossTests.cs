using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class MseLossTests
{
    public class Forward
    {
        [Fact]
        public void Float64_AllReductions_MatchPlainLoop_Broadcast()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 3, 1), y = Uniform(rng, -3, 3, 1, 4);
            double[] r = RegressionTestSupport.Elementwise(x, y, (a, b) => (a - b) * (a - b), out _);
            foreach (Reduction red in RegressionTestSupport.Reductions)
            {
                Tensor loss = null!;
                var w = RegressionTestSupport.Warnings(() => loss = Functional.MseLoss(x, y, red));
                Assert.Equal(RegressionTestSupport.SizeWarning34, Assert.Single(w).Message);
                RegressionTestSupport.AssertReduced(r, loss, red);
            }
        }

        [Fact]
        public void Float32_Mean_LibtorchValue()
        {
            // libtorch 2.10: torch.mse_loss(x, y, 1) printed 3.0380001068115234 (float32).
            Tensor x = Tensor.Vector(0.1f, -0.7f, 2.5f, 0.3f, -1.2f), y = Tensor.Vector(0.4f, 0.2f, -0.5f, 0.3f, 1.1f);
            Assert.Equal(3.0380001068115234f, Functional.MseLoss(x, y).ToArray<float>()[0]);
        }

        [Fact]
        public void Weighted_MeanDividesBySumOfWeights()
        {
            Tensor x = Tensor.Vector(1.0, 2.0), y = Tensor.Vector(0.0, 0.0), w = Tensor.Vector(2.0, 0.5);
            Assert.Equal((2.0 + 2.0) / 2.5, Functional.MseLoss(x, y, Reduction.Mean, w).GetDouble(0));
            Assert.Equal(4.0, Functional.MseLoss(x, y, Reduction.Sum, w).GetDouble(0));
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            var e = Tensor.Zeros(DType.Float64, 0, 3);
            Assert.True(double.IsNaN(Functional.MseLoss(e, e).GetDouble(0)));
            Assert.Equal(0.0, Functional.MseLoss(e, e, Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Dtypes_PromoteAsLibtorch()
        {
            // libtorch 2.10: float32 with float64 gives Float64; float32 with int64 gives Float32.
            Assert.Equal(DType.Float64, Functional.MseLoss(Tensor.Vector(1f), Tensor.Vector(1.0)).DType);
            Tensor r = Functional.MseLoss(Tensor.Vector(1.5f), Tensor.Vector(1L), Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal(0.25f, r.ToArray<float>()[0]);
        }

        [Fact]
        public void Infinity_GivesInfinity_NaNPropagates()
        {
            double[] v = Functional.MseLoss(Tensor.Vector(double.PositiveInfinity, double.NaN), Tensor.Vector(0.0, 0.0), Reduction.None).ToDoubleArray();
            Assert.Equal(double.PositiveInfinity, v[0]);
            Assert.True(double.IsNaN(v[1]));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Mean, false)]
        [InlineData(Reduction.Sum, false)]
        [InlineData(Reduction.None, true)]
        [InlineData(Reduction.Mean, true)]
        [InlineData(Reduction.Sum, true)]
        public void AllArguments_MatchFiniteDifferences(Reduction red, bool weighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 2, 5), y = weighted ? Uniform(rng, -3, 3, 2, 5) : Uniform(rng, -3, 3, 2, 1);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 2, 5) : null;
            using var _ = TorchWarnings.Capture(out var __);
            RegressionTestSupport.AssertFd(xi => Functional.MseLoss(xi, y, red, w), (g, xi) => Functional.MseLossBackward(g, xi, y, red, w).Input, x);
            RegressionTestSupport.AssertFd(yi => Functional.MseLoss(x, yi, red, w), (g, yi) => Functional.MseLossBackward(g, x, yi, red, w).Target, y);
            if (w is not null)
            {
                RegressionTestSupport.AssertFd(wi => Functional.MseLoss(x, y, red, wi), (g, wi) => Functional.MseLossBackward(g, x, y, red, wi).Weight!, w);
            }
        }

        [Fact]
        public void EqualValues_GivePositiveZeroForBoth()
        {
            // mse_loss_backward computes the target's gradient from (y − x), so neither side is −0.
            var g = Functional.MseLossBackward(Tensor.Scalar(1, DType.Float32), Tensor.Vector(2f), Tensor.Vector(2f), Reduction.Sum);
            Assert.False(float.IsNegative(g.Input.ToArray<float>()[0]));
            Assert.False(float.IsNegative(g.Target.ToArray<float>()[0]));
        }
    }

    public class Errors
    {
        [Fact]
        public void Int64_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"mse_cpu\" not implemented for 'Long'", () => Functional.MseLoss(Tensor.Vector(1L), Tensor.Vector(1L)));
        }

        [Fact]
        public void Shapes_And_Reduction()
        {
            using var _ = TorchWarnings.Capture(out var __);
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                () => Functional.MseLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f, 3f, 4f)));
            AssertTorchError(TorchErrorKind.ValueError, "Weights and input must have the same size.",
                () => Functional.MseLoss(Tensor.Vector(1f, 2f), Tensor.Vector(1f), Reduction.Mean, Tensor.Vector(1f)));
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not a valid value for reduction",
                () => Functional.MseLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.BatchMean));
            AssertTorchError(TorchErrorKind.ValueError, "Invalid reduction mode: batchmean. Expected one of 'none', 'mean', 'sum'.",
                () => Functional.MseLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.BatchMean, Tensor.Vector(1f)));
        }
    }
}
