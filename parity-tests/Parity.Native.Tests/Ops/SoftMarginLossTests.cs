using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class SoftMarginLossTests
{
    /// <summary>exp and log1p of a float32 tensor may differ from libtorch's MKL exp by an ulp or two.</summary>
    private const double ExpRelTol = 1e-14;

    public class Forward
    {
        [Fact]
        public void Float64_AllReductions_MatchPlainLoop_BroadcastTarget()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -4, 4, 3, 5);
            Tensor y = Tensor.FromDoubles(DType.Float64, [1, -1, 1, 1, -1], 5);
            double[] r = RegressionTestSupport.Elementwise(x, y, (a, b) => Math.Log(1 + Math.Exp(-a * b)), out _);
            foreach (Reduction red in RegressionTestSupport.Reductions)
            {
                RegressionTestSupport.AssertReduced(r, Functional.SoftMarginLoss(x, y, red), red, ExpRelTol);
            }
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10: soft_margin_loss(ones, ones, none) is 0.3132616877555847 per element (float32); with
            // x = [0.1, -0.7, 2.5, 0.3, -1.2], y = [1, -1, 1, -1, 1], 'sum' printed 3.44411039352417.
            Assert.Equal(0.3132616877555847f, Functional.SoftMarginLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.None).ToArray<float>()[0]);
            Tensor x = Tensor.Vector(0.1f, -0.7f, 2.5f, 0.3f, -1.2f), y = Tensor.Vector(1f, -1f, 1f, -1f, 1f);
            Assert.Equal(3.44411039352417, Functional.SoftMarginLoss(x, y, Reduction.Sum).ToArray<float>()[0], 6);
        }

        [Fact]
        public void LargeMargin_OverflowsToInfinity_AsLibtorch()
        {
            // libtorch 2.10: soft_margin_loss([100, -100], [-1, 1], none) is [inf, inf] in float32 (no softplus trick).
            float[] v = Functional.SoftMarginLoss(Tensor.Vector(100f, -100f), Tensor.Vector(-1f, 1f), Reduction.None).ToArray<float>();
            Assert.Equal(new[] { float.PositiveInfinity, float.PositiveInfinity }, v);
        }

        [Fact]
        public void Empty_MeanNaN_Int64Target()
        {
            var e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(float.IsNaN(Functional.SoftMarginLoss(e, e).ToArray<float>()[0]));
            Tensor r = Functional.SoftMarginLoss(Tensor.Vector(1f), Tensor.Vector(1L), Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal(0.3132616877555847f, r.ToArray<float>()[0]);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void Input_MatchesFiniteDifferences(Reduction red)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -4, 4, 3, 5);
            Tensor y = Tensor.FromDoubles(DType.Float64, [1, -1, 1, 1, -1], 5);
            RegressionTestSupport.AssertFd(xi => Functional.SoftMarginLoss(xi, y, red), (g, xi) => Functional.SoftMarginLossBackward(g, xi, y, red), x);
        }
    }

    public class Errors
    {
        [Fact]
        public void TargetMustBroadcastIntoInput()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "output with shape [3, 1] doesn't match the broadcast shape [3, 3]",
                () => Functional.SoftMarginLoss(Tensor.Zeros(DType.Float32, 3, 1), Tensor.Zeros(DType.Float32, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                () => Functional.SoftMarginLoss(Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 4)));
        }

        [Fact]
        public void Int64Input_CantCast()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long", () => Functional.SoftMarginLoss(Tensor.Vector(1L), Tensor.Vector(1L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long", () => Functional.SoftMarginLoss(Tensor.Vector(1L), Tensor.Vector(1f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Double can't be cast to the desired output type Long", () => Functional.SoftMarginLoss(Tensor.Vector(1L), Tensor.Vector(1.0)));
        }

        [Fact]
        public void Reduction()
        {
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not a valid value for reduction", () => Functional.SoftMarginLoss(Tensor.Vector(1f), Tensor.Vector(1f), Parity.Native.Reduction.BatchMean));
        }
    }
}
