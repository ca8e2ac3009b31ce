using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class CosineSimilarityTests
{
    /// <summary>x·y / (max(‖x‖, ε)·max(‖y‖, ε)) per row, in float64.</summary>
    private static double[] Reference(Tensor x, Tensor y, int n, int d, double eps)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double xy = 0, xx = 0, yy = 0;
            for (int k = 0; k < d; k++)
            {
                double a = x.GetDouble((i * d) + k), b = y.GetDouble((i * d) + k);
                xy += a * b;
                xx += a * a;
                yy += b * b;
            }
            r[i] = xy / (Math.Max(Math.Sqrt(xx), eps) * Math.Max(Math.Sqrt(yy), eps));
        }
        return r;
    }

    public class Forward
    {
        [Fact]
        public void Float64_MatchesPlainLoop()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 6, 9), y = Uniform(rng, -2, 2, 6, 9);
            AssertClose(Reference(x, y, 6, 9, 1e-8), Functional.CosineSimilarity(x, y).ToDoubleArray(), 0, 1e-14);
        }

        [Fact]
        public void LibTorch_Float32AndFloat64_BothDims()
        {
            // libtorch: cosine_similarity(A, B, dim, 1e-8) for (2, 11) inputs.
            Tensor a = MarginData.A(DType.Float32, 2, 11), b = MarginData.B(DType.Float32, 2, 11);
            MarginData.Bits([0.13063401f, 0.11739051f], Functional.CosineSimilarity(a, b));
            MarginData.Bits([0.99979633f, -0.97501147f, -0.997355f, -0.9972528f, 0.8098875f, 0.99977756f, 0.99961156f, 0.98563147f, -0.99719155f, -0.9958644f, -0.96933407f], Functional.CosineSimilarity(a, b, 0));
            // The float64 case is the float32 inputs converted with .double().
            MarginData.Bits([0.13063400123395702, 0.11739051661745079], Functional.CosineSimilarity(a.To(DType.Float64), b.To(DType.Float64)));
        }

        [Fact]
        public void LibTorch_ShapesBroadcastAndEps()
        {
            // libtorch: 1-D with dim 0 or −1 gives 0-D; 0-D inputs; (2, 3) against (3); a negative eps has no effect.
            MarginData.Bits([0.79999995f], Functional.CosineSimilarity(Tensor.Vector(1f, 2f), Tensor.Vector(2f, 1f), 0));
            MarginData.Bits([0.79999995f], Functional.CosineSimilarity(Tensor.Vector(1f, 2f), Tensor.Vector(2f, 1f), -1));
            Tensor s = Functional.CosineSimilarity(Tensor.Scalar(3.0), Tensor.Scalar(-2.0), 0);
            Assert.Equal(0, s.Dim);
            MarginData.Bits([-1f], s);
            Tensor a = MarginData.F32([1, 2, 3, 0, 1, -1], 2, 3);
            MarginData.Bits([0.9799579f, 0f], Functional.CosineSimilarity(a, Tensor.Vector(1f, 2f, 2f)));
            MarginData.Bits([0.9799579f, 0f], Functional.CosineSimilarity(Tensor.Vector(1f, 2f, 2f), a, -1));
            MarginData.Bits([0.99999994f], Functional.CosineSimilarity(MarginData.F32([1, 2], 1, 2), MarginData.F32([1, 2], 1, 2), 1, -1.0));
        }

        [Fact]
        public void ZeroVector_IsClampedToEps()
        {
            // libtorch: rows (0,0)·(1,2), (1e-9f,0)·(1,1), (1,2)·(0,0) (the probe built 1e-9 as float32, then .double()).
            Tensor a = MarginData.F64([0, 0, (double)1e-9f, 0, 1, 2], 3, 2), b = MarginData.F64([1, 2, 1, 1, 0, 0], 3, 2);
            MarginData.Bits([0.0, 0.07071067611882019, 0.0], Functional.CosineSimilarity(a, b));
        }

        [Fact]
        public void IntegerInput_IsConvertedNextToAFloat()
        {
            Tensor r = Functional.CosineSimilarity(Tensor.FromArray(new long[] { 1, 0 }, 1, 2), MarginData.F32([1, 0], 1, 2));
            MarginData.Bits([1f], r);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(1)]
        [InlineData(0)]
        [InlineData(-1)]
        public void MatchesFiniteDifferences(int dim)
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 4, 5), x2 = Uniform(rng, -2, 2, 4, 5);
            MarginData.FdCheck(x => Functional.CosineSimilarity(x, x2, dim), (g, x) => Functional.CosineSimilarityBackward(g, x, x2, dim).X1, x1);
            MarginData.FdCheck(x => Functional.CosineSimilarity(x1, x, dim), (g, x) => Functional.CosineSimilarityBackward(g, x1, x, dim).X2, x2);
        }

        [Fact]
        public void Broadcast_And3D_MatchFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 3, 4, 2), x2 = Uniform(rng, -2, 2, 4, 1);
            MarginData.FdCheck(x => Functional.CosineSimilarity(x, x2), (g, x) => Functional.CosineSimilarityBackward(g, x, x2).X1, x1);
            MarginData.FdCheck(x => Functional.CosineSimilarity(x1, x), (g, x) => Functional.CosineSimilarityBackward(g, x1, x).X2, x2);
        }

        [Fact]
        public void LibTorch_Values()
        {
            // libtorch: d/dx of Σ cosine_similarity(a, b) in float64.
            Tensor a = MarginData.F64([1, 2, 3, 0.5, -1, 2], 2, 3), b = MarginData.F64([2, 1, -1, 1, 1, 1], 2, 3);
            var g = Functional.CosineSimilarityBackward(Tensor.Vector(1.0, 1.0), a, b);
            MarginData.Bits([0.21042439415613554, 0.09352195295828246, -0.13248943335756683, 0.21597969886241558, 0.32396954829362334, 0.10798984943120776], g.X1);
            MarginData.Bits([0.07273929674533079, 0.2000330660496597, 0.3455116595403213, -2.7755575615628914E-17, -0.3779644730092273, 0.3779644730092272], g.X2);
        }

        [Fact]
        public void LibTorch_BelowEps_UsesTheUnclampedNormInTheNormTerm()
        {
            // libtorch: the clamp is in place under no_grad, so below eps the gradient is not that of the clamped forward.
            Tensor a = MarginData.F64([0, 0, (double)1e-9f, 0, 1, 2], 3, 2), b = MarginData.F64([1, 2, 1, 1, 0, 0], 3, 2);
            var g = Functional.CosineSimilarityBackward(Tensor.Vector(1.0, 1.0, 1.0), a, b);
            MarginData.Bits([44721359.549995795, 89442719.09999159, 63639610.50677273, 70710678.11865474, 0.0, 0.0], g.X1);
            MarginData.Bits([0.0, 0.0, 0.035355338059410095, -0.035355338059410095, 44721359.549995795, 89442719.09999159], g.X2);
        }
    }

    public class Errors
    {
        [Fact]
        public void DimOutOfRange_IndexError()
        {
            // libtorch texts.
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
                () => Functional.CosineSimilarity(MarginData.F32([1, 2], 1, 2), MarginData.F32([1, 2], 1, 2), 2));
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                () => Functional.CosineSimilarity(Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f)));
        }

        [Fact]
        public void ShapesThatDoNotBroadcast()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
                () => Functional.CosineSimilarity(MarginData.F32([1, 2, 3], 1, 3), MarginData.F32([1, 2], 1, 2)));
        }

        [Fact]
        public void IntegerCommonDtype()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "expected common dtype to be floating point, yet common dtype is Long",
                () => Functional.CosineSimilarity(Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3), Tensor.FromArray(new long[] { 1, 0, 3 }, 1, 3)));
        }

        [Fact]
        public void GradOutputShape_AndIntegerGrad()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([1]).",
                () => Functional.CosineSimilarityBackward(Tensor.Vector(1f, 1f), MarginData.F32([1, 2], 1, 2), MarginData.F32([1, 2], 1, 2)));
            AssertTorchError(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
                () => Functional.CosineSimilarityBackward(Tensor.Vector(1f), Tensor.FromArray(new long[] { 1, 2 }, 1, 2), MarginData.F32([1, 2], 1, 2)));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 3, 4), b = Uniform(rng, -1, 1, 3, 4), g = Uniform(rng, -1, 1, 4);
            var m = new Parity.Native.Modules.CosineSimilarity(0, 1e-3);
            Assert.True(m.Forward(a, b).BitEquals(Functional.CosineSimilarity(a, b, 0, 1e-3)));
            Assert.True(m.Backward(g, a, b).X1.BitEquals(Functional.CosineSimilarityBackward(g, a, b, 0, 1e-3).X1));
        }
    }
}
