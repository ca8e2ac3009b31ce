using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class SmoothL1LossTests
{
    /// <summary>The textbook smooth L1 in float64: 0.5·d²/β inside |d| &lt; β, |d| − 0.5·β outside; |d| for β = 0.</summary>
    private static double Ref(double x, double y, double beta)
    {
        double z = Math.Abs(x - y);
        return beta == 0 ? z : z < beta ? 0.5 * z * z / beta : z - (0.5 * beta);
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, 1.0)]
        [InlineData(Reduction.Mean, 1.0)]
        [InlineData(Reduction.Sum, 1.0)]
        [InlineData(Reduction.Mean, 0.3)]
        [InlineData(Reduction.Sum, 0.0)]
        [InlineData(Reduction.None, 2.5)]
        public void Float64_MatchesTextbookFormula(Reduction reduction, double beta)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 4, 5);
            Tensor y = Uniform(rng, -3, 3, 4, 5);
            double[] r = Enumerable.Range(0, 20).Select(i => Ref(x.GetDouble(i), y.GetDouble(i), beta)).ToArray();
            Tensor loss = Functional.SmoothL1Loss(x, y, reduction, beta);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(r, loss.ToDoubleArray(), 0, F64RelTol);
                    break;
                case Reduction.Sum:
                    AssertClose(r.Sum(), loss);
                    break;
                default:
                    AssertClose(r.Sum() / 20, loss);
                    break;
            }
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10 (torch.smooth_l1_loss, beta 1): [1.5, 0.5, 0.125, 0, 0.125, 0.5, 1.5], mean 0.60714287f, sum 4.25f.
            Tensor x = Tensor.Vector(-2f, -1f, -0.5f, 0f, 0.5f, 1f, 2f);
            Tensor y = Tensor.Zeros(DType.Float32, 7);
            Assert.Equal(new float[] { 1.5f, 0.5f, 0.125f, 0f, 0.125f, 0.5f, 1.5f }, Functional.SmoothL1Loss(x, y, Reduction.None).ToArray<float>());
            Assert.Equal(0.60714287f, Functional.SmoothL1Loss(x, y).ToArray<float>()[0]);
            Assert.Equal(4.25f, Functional.SmoothL1Loss(x, y, Reduction.Sum).ToArray<float>()[0]);
        }

        [Fact]
        public void Broadcast_WarnsAndBroadcasts()
        {
            Tensor x = Tensor.Vector(1f, 2f, 3f);
            Tensor y = Tensor.FromArray(new float[] { 0f, 1f }, 2, 1);
            Tensor loss;
            using (TorchWarnings.Capture(out var warnings))
            {
                loss = Functional.SmoothL1Loss(x, y, Reduction.None);
                var w = Assert.Single(warnings);
                Assert.Equal("UserWarning", w.Category);
                Assert.Equal("Using a target size (torch.Size([2, 1])) that is different to the input size (torch.Size([3])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.", w.Message);
            }
            // libtorch 2.10 on the broadcast pair: [[0.5, 1.5, 2.5], [0, 0.5, 1.5]].
            Assert.Equal(new[] { 2, 3 }, loss.ShapeArray());
            Assert.Equal(new float[] { 0.5f, 1.5f, 2.5f, 0f, 0.5f, 1.5f }, loss.ToArray<float>());
        }

        [Fact]
        public void SameSize_NoWarning()
        {
            using (TorchWarnings.Capture(out var warnings))
            {
                _ = Functional.SmoothL1Loss(Tensor.Vector(1f), Tensor.Vector(2f));
                Assert.Empty(warnings);
            }
        }

        [Fact]
        public void NonFinite_LibtorchValues()
        {
            // libtorch 2.10: x = [nan, inf, -inf, 1], y = [0, 0, 0, inf] gives [nan, inf, inf, inf].
            Tensor l = Functional.SmoothL1Loss(Tensor.Vector(float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f), Tensor.Vector(0f, 0f, 0f, float.PositiveInfinity), Reduction.None);
            float[] v = l.ToArray<float>();
            Assert.True(float.IsNaN(v[0]));
            Assert.Equal(new[] { float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity }, v[1..]);
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(float.IsNaN(Functional.SmoothL1Loss(e, e).ToArray<float>()[0]));
            Assert.Equal(0f, Functional.SmoothL1Loss(e, e, Reduction.Sum).ToArray<float>()[0]);
        }

        [Fact]
        public void MixedDtypes_PromoteToFloat64()
        {
            // libtorch 2.10: f32 [0.3, 2] against f64 [0.1, 0.2] gives f64 [0.02000000238418586, 1.3].
            Tensor l = Functional.SmoothL1Loss(Tensor.Vector(0.3f, 2f), Tensor.Vector(0.1, 0.2), Reduction.None);
            Assert.Equal(DType.Float64, l.DType);
            Assert.Equal(new[] { 0.02000000238418586, 1.3 }, l.ToArray<double>());
        }

        [Fact]
        public void Int64_WithBetaZero_IsL1_NoneAndSum()
        {
            // libtorch 2.10 l1_loss on int64: none [1, 2], sum 3 (int64).
            Tensor a = Tensor.Vector(1L, -2L), b = Tensor.Vector(0L, 0L);
            Assert.Equal(new long[] { 1, 2 }, Functional.SmoothL1Loss(a, b, Reduction.None, 0.0).ToArray<long>());
            Assert.Equal(new long[] { 3 }, Functional.SmoothL1Loss(a, b, Reduction.Sum, 0.0).ToArray<long>());
        }

        [Fact]
        public void Module_CallsFunctional()
        {
            var m = new Parity.Native.Modules.SmoothL1Loss(Reduction.Sum, 0.5);
            Tensor x = Tensor.Vector(0.2, 3.0), y = Tensor.Vector(0.0, 0.0);
            Assert.True(Functional.SmoothL1Loss(x, y, Reduction.Sum, 0.5).BitEquals(m.Forward(x, y)));
            var g = Tensor.Scalar(1.0, DType.Float64);
            Assert.True(Functional.SmoothL1LossBackward(g, x, y, Reduction.Sum, 0.5).Target!.BitEquals(m.Backward(g, x, y).Target!));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, 1.0)]
        [InlineData(Reduction.Mean, 1.0)]
        [InlineData(Reduction.Sum, 0.7)]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.None, 0.0)]
        public void BothArguments_MatchFiniteDifferences(Reduction reduction, double beta)
        {
            var rng = new System.Random(Seed);
            // Away from the kinks |d| = β (and d = 0 for β = 0), where the loss is smooth enough for a central difference.
            Tensor x = Uniform(rng, -3, 3, 3, 7);
            Tensor y = Uniform(rng, -3, 3, 3, 7);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.SmoothL1Loss(xi, y, reduction, beta),
                (g, xi) => Functional.SmoothL1LossBackward(g, xi, y, reduction, beta).Input!,
                x,
                rng);
            AssertGradientMatchesFiniteDifferences(
                yi => Functional.SmoothL1Loss(x, yi, reduction, beta),
                (g, yi) => Functional.SmoothL1LossBackward(g, x, yi, reduction, beta).Target!,
                y,
                rng);
        }

        [Fact]
        public void Broadcast_SumsBackToEachShape_MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 4, 3);
            Tensor y = Uniform(rng, -2, 2, 1, 3);
            AssertGradientMatchesFiniteDifferences(
                yi => Functional.SmoothL1Loss(x, yi, Reduction.Mean, 0.5),
                (g, yi) => Functional.SmoothL1LossBackward(g, x, yi, Reduction.Mean, 0.5).Target!,
                y,
                rng);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.SmoothL1Loss(xi, y, Reduction.None, 0.5),
                (g, xi) => Functional.SmoothL1LossBackward(g, xi, y, Reduction.None, 0.5).Input!,
                x,
                rng);
        }

        [Fact]
        public void Float32_LibtorchValues_BothArguments()
        {
            // libtorch 2.10, mean, beta 1, x = [-2, -1, -0.5, 0, 0.5, 1, 2], y = 0.
            Tensor x = Tensor.Vector(-2f, -1f, -0.5f, 0f, 0.5f, 1f, 2f);
            var g = Functional.SmoothL1LossBackward(Tensor.Scalar(1.0), x, Tensor.Zeros(DType.Float32, 7));
            Assert.Equal(new[] { -0.14285715f, -0.14285715f, -0.071428575f, 0f, 0.071428575f, 0.14285715f, 0.14285715f }, g.Input!.ToArray<float>());
            Assert.Equal(new[] { 0.14285715f, 0.14285715f, 0.071428575f, 0f, -0.071428575f, -0.14285715f, -0.14285715f }, g.Target!.ToArray<float>());
        }

        [Fact]
        public void BetaZero_IsL1Gradient_ZeroAtTheKink()
        {
            // libtorch 2.10 l1_loss (what Python calls for beta == 0), mean: [-0.2, -0.2, 0, 0.2, 0.2] and the target's
            // [0.2, 0.2, -0, -0.2, -0.2]; ATen's smooth_l1 with beta 0 would give -0.2 at x = 0.
            Tensor x = Tensor.Vector(-2f, -0.5f, 0f, 0.5f, 2f);
            foreach (double beta in new[] { 0.0, -0.0 })
            {
                var g = Functional.SmoothL1LossBackward(Tensor.Scalar(1.0), x, Tensor.Zeros(DType.Float32, 5), Reduction.Mean, beta);
                Assert.Equal(new[] { -0.2f, -0.2f, 0f, 0.2f, 0.2f }, g.Input!.ToArray<float>());
                float[] t = g.Target!.ToArray<float>();
                Assert.Equal(new[] { 0.2f, 0.2f, 0f, -0.2f, -0.2f }, t);
                Assert.True(float.IsNegative(t[2]));
            }
        }

        [Fact]
        public void NonFinite_LibtorchValues()
        {
            // libtorch 2.10 (beta 1, none): input grad [nan, 1, -1, -1], target grad [nan, -1, 1, 1].
            var g = Functional.SmoothL1LossBackward(Tensor.Vector(1f, 1f, 1f, 1f), Tensor.Vector(float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f), Tensor.Vector(0f, 0f, 0f, float.PositiveInfinity), Reduction.None);
            Assert.Equal(new[] { float.NaN, 1f, -1f, -1f }, g.Input!.ToArray<float>());
            Assert.Equal(new[] { float.NaN, -1f, 1f, 1f }, g.Target!.ToArray<float>());
        }

        [Fact]
        public void Float32_Beta03_ScalarTailDividesByDoubleBeta()
        {
            // libtorch 2.10's scalar lambda (used for tails shorter than 2 vectors: here 5 elements) divides by beta as a
            // double (found by probing libtorch); with g = 1 and y = 0 the gradient is (float)((double)x / 0.3).
            var rng = new System.Random(Seed);
            bool differsFromFloatDivision = false;
            for (int k = 0; k < 40; k++)
            {
                float[] xs = Enumerable.Range(0, 5).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.58)).ToArray();
                float[] r = Functional.SmoothL1LossBackward(Tensor.Vector(1f, 1f, 1f, 1f, 1f), Tensor.Vector(xs), Tensor.Zeros(DType.Float32, 5), Reduction.None, 0.3).Input!.ToArray<float>();
                for (int i = 0; i < 5; i++)
                {
                    Assert.Equal((float)((double)xs[i] / 0.3), r[i]);
                    differsFromFloatDivision |= r[i] != xs[i] / 0.3f;
                }
            }
            Assert.True(differsFromFloatDivision);
        }

        [Fact]
        public void MixedDtypes_EachGradientInItsOwnDtype()
        {
            // libtorch 2.10: grad0 Float32 [0.20000002, 1], grad1 Float64 [-0.20000001192092895, -1].
            var g = Functional.SmoothL1LossBackward(Tensor.Vector(1.0, 1.0), Tensor.Vector(0.3f, 2f), Tensor.Vector(0.1, 0.2), Reduction.None);
            Assert.Equal(new[] { 0.20000002f, 1f }, g.Input!.ToArray<float>());
            Assert.Equal(new[] { -0.20000001192092895, -1 }, g.Target!.ToArray<double>());
        }

        [Fact]
        public void Int64Target_HasNoGradient()
        {
            var g = Functional.SmoothL1LossBackward(Tensor.Vector(1f, 1f), Tensor.Vector(1f, 2f), Tensor.Vector(0L, 0L), Reduction.None);
            Assert.Null(g.Target);
            Assert.Equal(new[] { 1f, 1f }, g.Input!.ToArray<float>());
        }

        [Fact]
        public void GradOutputShape_MustMatchLoss()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).",
                () => Functional.SmoothL1LossBackward(Tensor.Vector(1f, 1f), Tensor.Vector(1f, 2f), Tensor.Vector(0f, 0f)));
        }
    }

    public class Errors
    {
        [Theory]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        public void NegativeOrNaNBeta_RuntimeError(double beta)
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "smooth_l1_loss does not support negative values for beta.", () => Functional.SmoothL1Loss(Tensor.Vector(1f), Tensor.Vector(0f), Reduction.Mean, beta));
        }

        [Fact]
        public void BadBroadcast_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0", () => Functional.SmoothL1Loss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f)));
        }

        [Fact]
        public void Int64_Errors()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"smooth_l1_cpu\" not implemented for 'Long'", () => Functional.SmoothL1Loss(Tensor.Vector(1L), Tensor.Vector(0L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long", () => Functional.SmoothL1Loss(Tensor.Vector(1L), Tensor.Vector(0L), Reduction.Mean, 0.0));
        }

        [Fact]
        public void BadReduction_ValueError()
        {
            AssertTorchError(TorchErrorKind.ValueError, "7 is not a valid value for reduction", () => Functional.SmoothL1Loss(Tensor.Vector(1f), Tensor.Vector(0f), (Reduction)7));
        }
    }
}
