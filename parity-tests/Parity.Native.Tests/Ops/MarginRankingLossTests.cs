using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class MarginRankingLossTests
{
    /// <summary>max(0, −y·(a − b) + m) in float64.</summary>
    private static double Ref(double a, double b, double y, double m) => Math.Max(0, (-y * (a - b)) + m);

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.5)]
        [InlineData(Reduction.Sum, -0.25)]
        public void Float64_MatchesFormula(Reduction reduction, double margin)
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -2, 2, 3, 6), b = Uniform(rng, -2, 2, 3, 6), y = Uniform(rng, -1, 1, 3, 6);
            double[] r = Enumerable.Range(0, 18).Select(i => Ref(a.GetDouble(i), b.GetDouble(i), y.GetDouble(i), margin)).ToArray();
            Tensor loss = Functional.MarginRankingLoss(a, b, y, margin, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(r, loss.ToDoubleArray(), 0, F64RelTol);
                    break;
                case Reduction.Sum:
                    AssertClose(r.Sum(), loss);
                    break;
                default:
                    AssertClose(r.Sum() / 18, loss);
                    break;
            }
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10 torch.margin_ranking_loss: none m 0 = [1, 0, 0, 0, 0]; mean m 0.5 = 0.5; sum m 0.5 = 2.5.
            Tensor a = Tensor.Vector(1f, 2f, 0.5f, -1f, 3f), b = Tensor.Vector(2f, 1f, 0.5f, 1f, 3f), t = Tensor.Vector(1f, 1f, -1f, -1f, 0f);
            Assert.Equal(new[] { 1f, 0f, 0f, 0f, 0f }, Functional.MarginRankingLoss(a, b, t, 0.0, Reduction.None).ToArray<float>());
            Assert.Equal(0.5f, Functional.MarginRankingLoss(a, b, t, 0.5).ToArray<float>()[0]);
            Assert.Equal(2.5f, Functional.MarginRankingLoss(a, b, t, 0.5, Reduction.Sum).ToArray<float>()[0]);
        }

        [Fact]
        public void MarginRoundedToFloat32()
        {
            // libtorch 2.10: a = b = 0, y = 1: margin 0.1 gives 0.1f, 1e-50 gives 0, 1e300 gives +inf.
            Tensor z = Tensor.Vector(0f), one = Tensor.Vector(1f);
            Assert.Equal(0.1f, Functional.MarginRankingLoss(z, z, one, 0.1, Reduction.None).ToArray<float>()[0]);
            Assert.Equal(0f, Functional.MarginRankingLoss(z, z, one, 1e-50, Reduction.None).ToArray<float>()[0]);
            Assert.Equal(float.PositiveInfinity, Functional.MarginRankingLoss(z, z, one, 1e300, Reduction.None).ToArray<float>()[0]);
        }

        [Fact]
        public void NonFinite_LibtorchValues()
        {
            // libtorch 2.10: a = [1, nan, inf, 1], b = [2, 1, 1, 1], y = [1, 1, 1, nan] gives [1, nan, 0, nan].
            float[] v = Functional.MarginRankingLoss(Tensor.Vector(1f, float.NaN, float.PositiveInfinity, 1f), Tensor.Vector(2f, 1f, 1f, 1f), Tensor.Vector(1f, 1f, 1f, float.NaN), 0.0, Reduction.None).ToArray<float>();
            Assert.Equal(new[] { 1f, float.NaN, 0f, float.NaN }, v);
        }

        [Fact]
        public void Broadcast_LibtorchValues()
        {
            // libtorch 2.10: a (3), b (1), y (2, 1) gives (2, 3) [[0, 0, 0], [0.5, 1.5, 2.5]]; mean 0.75.
            Tensor a = Tensor.Vector(1f, 2f, 3f), b = Tensor.Vector(0.5f), y = Tensor.FromArray(new[] { 1f, -1f }, 2, 1);
            // Same dimension count is required: b and a are 1-D, y is 2-D, so expand a and b to 2-D as Python requires.
            Tensor a2 = a.Reshape(1, 3), b2 = b.Reshape(1, 1);
            Tensor l = Functional.MarginRankingLoss(a2, b2, y, 0.0, Reduction.None);
            Assert.Equal(new[] { 2, 3 }, l.ShapeArray());
            Assert.Equal(new[] { 0f, 0f, 0f, 0.5f, 1.5f, 2.5f }, l.ToArray<float>());
            Assert.Equal(0.75f, Functional.MarginRankingLoss(a2, b2, y).ToArray<float>()[0]);
        }

        [Fact]
        public void Dtypes_LibtorchValues()
        {
            // libtorch 2.10: f32, f32, f64 gives f64 [1.1, 1.1] (margin 0.1); three int64 give float32 [1.5, 0] (margin 0.5);
            // 16777217 (int64) becomes 16777216f.
            Tensor l = Functional.MarginRankingLoss(Tensor.Vector(1f, 2f), Tensor.Vector(2f, 1f), Tensor.Vector(1.0, -1.0), 0.1, Reduction.None);
            Assert.Equal(DType.Float64, l.DType);
            Assert.Equal(new[] { 1.1, 1.1 }, l.ToArray<double>());
            Tensor li = Functional.MarginRankingLoss(Tensor.Vector(1L, 5L), Tensor.Vector(2L, 1L), Tensor.Vector(1L, 1L), 0.5, Reduction.None);
            Assert.Equal(new[] { 1.5f, 0f }, li.ToArray<float>());
            Assert.Equal(0.75f, Functional.MarginRankingLoss(Tensor.Vector(1L, 5L), Tensor.Vector(2L, 1L), Tensor.Vector(1L, 1L), 0.5).ToArray<float>()[0]);
            Assert.Equal(16777216f, Functional.MarginRankingLoss(Tensor.Vector(16777217L), Tensor.Vector(0L), Tensor.Vector(-1L), 0.0, Reduction.None).ToArray<float>()[0]);
        }

        [Fact]
        public void Empty_And_ZeroDim()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(float.IsNaN(Functional.MarginRankingLoss(e, e, e).ToArray<float>()[0]));
            Assert.Equal(0f, Functional.MarginRankingLoss(e, e, e, 0, Reduction.Sum).ToArray<float>()[0]);
            // libtorch 2.10: 0-D a = 1.5, b = 2, y = 1: 0.5, gradients (-1, 1, 0.5).
            Tensor a = Tensor.Scalar(1.5), b = Tensor.Scalar(2.0), y = Tensor.Scalar(1.0);
            Assert.Equal(0.5f, Functional.MarginRankingLoss(a, b, y).ToArray<float>()[0]);
            var g = Functional.MarginRankingLossBackward(Tensor.Scalar(1.0), a, b, y);
            Assert.Equal(new[] { -1f, 1f, 0.5f }, new[] { g.Input1!.ToArray<float>()[0], g.Input2!.ToArray<float>()[0], g.Target!.ToArray<float>()[0] });
        }

        [Fact]
        public void Module_CallsFunctional()
        {
            var m = new Parity.Native.Modules.MarginRankingLoss(0.2, Reduction.Sum);
            Tensor a = Tensor.Vector(0.1, 0.5), b = Tensor.Vector(0.3, 0.2), y = Tensor.Vector(1.0, -1.0);
            Assert.True(Functional.MarginRankingLoss(a, b, y, 0.2, Reduction.Sum).BitEquals(m.Forward(a, b, y)));
            Assert.True(Functional.MarginRankingLossBackward(Tensor.Scalar(1.0, DType.Float64), a, b, y, 0.2, Reduction.Sum).Target!.BitEquals(m.Backward(Tensor.Scalar(1.0, DType.Float64), a, b, y).Target!));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.3)]
        [InlineData(Reduction.Sum, -0.2)]
        public void AllThreeArguments_MatchFiniteDifferences(Reduction reduction, double margin)
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -2, 2, 2, 5), b = Uniform(rng, -2, 2, 2, 5), y = Uniform(rng, -1, 1, 2, 5);
            AssertGradientMatchesFiniteDifferences(
                ai => Functional.MarginRankingLoss(ai, b, y, margin, reduction),
                (g, ai) => Functional.MarginRankingLossBackward(g, ai, b, y, margin, reduction).Input1!,
                a,
                rng);
            AssertGradientMatchesFiniteDifferences(
                bi => Functional.MarginRankingLoss(a, bi, y, margin, reduction),
                (g, bi) => Functional.MarginRankingLossBackward(g, a, bi, y, margin, reduction).Input2!,
                b,
                rng);
            AssertGradientMatchesFiniteDifferences(
                yi => Functional.MarginRankingLoss(a, b, yi, margin, reduction),
                (g, yi) => Functional.MarginRankingLossBackward(g, a, b, yi, margin, reduction).Target!,
                y,
                rng);
        }

        [Fact]
        public void Broadcast_MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -2, 2, 1, 4), b = Uniform(rng, -2, 2, 3, 1), y = Uniform(rng, -1, 1, 3, 4);
            AssertGradientMatchesFiniteDifferences(ai => Functional.MarginRankingLoss(ai, b, y, 0.1), (g, ai) => Functional.MarginRankingLossBackward(g, ai, b, y, 0.1).Input1!, a, rng);
            AssertGradientMatchesFiniteDifferences(bi => Functional.MarginRankingLoss(a, bi, y, 0.1), (g, bi) => Functional.MarginRankingLossBackward(g, a, bi, y, 0.1).Input2!, b, rng);
        }

        [Fact]
        public void Float32_LibtorchValues_WithSignedZeros()
        {
            // libtorch 2.10, none, m 0: g1 [-1, -0, 1, 0, -0], g2 [1, 0, -1, -0, 0], gt [1, -0, -0, 0, -0].
            Tensor a = Tensor.Vector(1f, 2f, 0.5f, -1f, 3f), b = Tensor.Vector(2f, 1f, 0.5f, 1f, 3f), t = Tensor.Vector(1f, 1f, -1f, -1f, 0f);
            var g = Functional.MarginRankingLossBackward(Tensor.Vector(1f, 1f, 1f, 1f, 1f), a, b, t, 0.0, Reduction.None);
            AssertBits(new[] { -1f, -0f, 1f, 0f, -0f }, g.Input1!);
            AssertBits(new[] { 1f, 0f, -1f, -0f, 0f }, g.Input2!);
            AssertBits(new[] { 1f, -0f, -0f, 0f, -0f }, g.Target!);
        }

        [Fact]
        public void Kink_PassesTheGradient()
        {
            // libtorch 2.10: z = 0 exactly (m = -1) still passes g: g1 [-2, 3], g2 [2, -3], gt [2, -3] for g = [2, 3].
            var g = Functional.MarginRankingLossBackward(Tensor.Vector(2f, 3f), Tensor.Vector(1f, 2f), Tensor.Vector(2f, 1f), Tensor.Vector(1f, -1f), -1.0, Reduction.None);
            Assert.Equal(new[] { -2f, 3f }, g.Input1!.ToArray<float>());
            Assert.Equal(new[] { 2f, -3f }, g.Input2!.ToArray<float>());
            Assert.Equal(new[] { 2f, -3f }, g.Target!.ToArray<float>());
        }

        [Fact]
        public void NonFinite_LibtorchValues()
        {
            // libtorch 2.10 (the forward case above): g1 [-1, -0, -0, nan], g2 [1, 0, 0, nan], gt [1, nan, nan, -0].
            var g = Functional.MarginRankingLossBackward(Tensor.Vector(1f, 1f, 1f, 1f), Tensor.Vector(1f, float.NaN, float.PositiveInfinity, 1f), Tensor.Vector(2f, 1f, 1f, 1f), Tensor.Vector(1f, 1f, 1f, float.NaN), 0.0, Reduction.None);
            AssertBits(new[] { -1f, -0f, -0f, float.NaN }, g.Input1!);
            AssertBits(new[] { 1f, 0f, 0f, float.NaN }, g.Input2!);
            AssertBits(new[] { 1f, float.NaN, float.NaN, -0f }, g.Target!);
        }

        [Fact]
        public void Broadcast_LibtorchValues()
        {
            // libtorch 2.10 (a (3), b (1), y (2, 1) through ATen; here as (1, 3), (1, 1), (2, 1)), mean:
            // g1 [1/6 each], g2 [-0.5], gt [[-0], [-0.75]].
            Tensor a = Tensor.FromArray(new[] { 1f, 2f, 3f }, 1, 3), b = Tensor.FromArray(new[] { 0.5f }, 1, 1), y = Tensor.FromArray(new[] { 1f, -1f }, 2, 1);
            var g = Functional.MarginRankingLossBackward(Tensor.Scalar(1.0), a, b, y);
            Assert.Equal(new[] { 0.16666667f, 0.16666667f, 0.16666667f }, g.Input1!.ToArray<float>());
            Assert.Equal(new[] { -0.5f }, g.Input2!.ToArray<float>());
            AssertBits(new[] { -0f, -0.75f }, g.Target!);
        }

        [Fact]
        public void IntegerArguments_HaveNoGradient_MixedDtypesCast()
        {
            var g = Functional.MarginRankingLossBackward(Tensor.Vector(1f, 1f), Tensor.Vector(1f, 2f), Tensor.Vector(0f, 0f), Tensor.Vector(1L, -1L), 0.0, Reduction.None);
            Assert.Null(g.Target);
            Assert.NotNull(g.Input1);
            // libtorch 2.10: f32, f32, f64 target, margin 0.1: g1 f32 [-1, 1], g2 f32 [1, -1], gt f64 [1, -1].
            var m = Functional.MarginRankingLossBackward(Tensor.Vector(1.0, 1.0), Tensor.Vector(1f, 2f), Tensor.Vector(2f, 1f), Tensor.Vector(1.0, -1.0), 0.1, Reduction.None);
            Assert.Equal(new[] { -1f, 1f }, m.Input1!.ToArray<float>());
            Assert.Equal(new[] { 1f, -1f }, m.Input2!.ToArray<float>());
            Assert.Equal(new[] { 1.0, -1.0 }, m.Target!.ToArray<double>());
        }

        private static void AssertBits(float[] expected, Tensor actual)
        {
            float[] a = actual.ToArray<float>();
            Assert.Equal(expected.Length, a.Length);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(
                    (float.IsNaN(expected[i]) && float.IsNaN(a[i])) || BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(a[i]),
                    $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
            }
        }
    }

    public class Errors
    {
        [Fact]
        public void DimensionMismatch_PythonRuntimeError_WithTrailingSpace()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size([3]), input2: torch.Size([3]), target: torch.Size([1, 3]) ",
                () => Functional.MarginRankingLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f, 3f), Tensor.FromArray(new[] { 1f, 1f, 1f }, 1, 3)));
        }

        [Fact]
        public void BadBroadcast_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0", () => Functional.MarginRankingLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f), Tensor.Vector(1f, 1f)));
        }

        [Fact]
        public void GradOutputShape_MustMatchLoss()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).",
                () => Functional.MarginRankingLossBackward(Tensor.Vector(1f, 1f), Tensor.Vector(1f, 2f), Tensor.Vector(0f, 0f), Tensor.Vector(1f, 1f)));
        }
    }
}
