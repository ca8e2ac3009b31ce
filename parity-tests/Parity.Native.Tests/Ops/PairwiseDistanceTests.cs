using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

/// <summary>
/// Inputs written as exact rationals, so libtorch and these tests build the same tensors: the libtorch literals below
/// were obtained by running libtorch 2.10.0 (TorchSharp-cpu 0.107.0, 1 thread, AVX2) on
/// <c>((torch.arange(n) * k % m).double() / m - 0.5)</c>, cast with <c>.float()</c> for float32.
/// </summary>
internal static class MarginData
{
    public static Tensor Rational(DType dtype, int k, int m, params int[] shape)
    {
        var v = new double[Tensor.NumelOf(shape)];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = ((long)i * k % m / (double)m) - 0.5;
        }
        return Tensor.FromDoubles(dtype, v, shape);
    }

    /// <summary>The three inputs of the probes: A = (37, 101), B = (53, 97), C = (29, 89).</summary>
    public static Tensor A(DType dtype, params int[] shape) => Rational(dtype, 37, 101, shape);

    public static Tensor B(DType dtype, params int[] shape) => Rational(dtype, 53, 97, shape);

    public static Tensor C(DType dtype, params int[] shape) => Rational(dtype, 29, 89, shape);

    public static Tensor F64(double[] v, params int[] shape) => Tensor.FromArray(v, shape);

    public static Tensor F32(float[] v, params int[] shape) => Tensor.FromArray(v, shape);

    public static void Bits(float[] expected, Tensor actual)
    {
        Assert.Equal(DType.Float32, actual.DType);
        Assert.Equal(expected, actual.ToArray<float>());
    }

    public static void Bits(double[] expected, Tensor actual)
    {
        Assert.Equal(DType.Float64, actual.DType);
        Assert.Equal(expected, actual.ToArray<double>());
    }

    /// <summary>Asserts float32 values within <paramref name="ulps"/> units in the last place.</summary>
    public static void Ulps(float[] expected, Tensor actual, int ulps)
    {
        Assert.Equal(DType.Float32, actual.DType);
        float[] a = actual.ToArray<float>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            long d = Math.Abs((long)BitConverter.SingleToInt32Bits(expected[i]) - BitConverter.SingleToInt32Bits(a[i]));
            Assert.True(d <= ulps, $"element {i}: expected {expected[i]:R}, got {a[i]:R} ({d} ulp)");
        }
    }

    /// <summary>Float64 finite differences of Σ f(x)·g for one argument of a multi-input op.</summary>
    public static void FdCheck(Func<Tensor, Tensor> forward, Func<Tensor, Tensor, Tensor> backward, Tensor x, int seed = Seed) =>
        AssertGradientMatchesFiniteDifferences(forward, backward, x, new System.Random(seed));
}

public class PairwiseDistanceTests
{
    /// <summary>‖x1 − x2 + ε‖ₚ over the last dimension of the broadcast (N, D) shape, in float64.</summary>
    private static double[] Reference(double[,] a, double[] b, double p, double eps)
    {
        int n = a.GetLength(0), d = a.GetLength(1);
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = p < 0 && double.IsInfinity(p) ? double.PositiveInfinity : 0;
            for (int k = 0; k < d; k++)
            {
                double v = Math.Abs(a[i, k] - b[k] + eps);
                s = p == 0 ? s + (v != 0 ? 1 : 0)
                    : double.IsPositiveInfinity(p) ? Math.Max(s, v)
                    : double.IsNegativeInfinity(p) ? Math.Min(s, v)
                    : s + Math.Pow(v, p);
            }
            r[i] = p == 0 || double.IsInfinity(p) ? s : Math.Pow(s, 1 / p);
        }
        return r;
    }

    public class Forward
    {
        [Theory]
        [InlineData(2.0)]
        [InlineData(1.0)]
        [InlineData(0.0)]
        [InlineData(0.5)]
        [InlineData(1.5)]
        [InlineData(3.0)]
        [InlineData(-1.0)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void Float64_Broadcast_MatchesPlainLoop(double p)
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 5, 7);
            Tensor x2 = Uniform(rng, -2, 2, 7);
            var a = new double[5, 7];
            for (int i = 0; i < 35; i++)
            {
                a[i / 7, i % 7] = x1.GetDouble(i);
            }
            double[] expected = Reference(a, x2.ToDoubleArray(), p, 1e-6);
            Tensor r = Functional.PairwiseDistance(x1, x2, p);
            Assert.Equal([5], r.ShapeArray());
            AssertClose(expected, r.ToDoubleArray(), 0, 1e-13);
        }

        [Fact]
        public void EpsIsAddedToTheDifference_NotAClamp()
        {
            // Equal inputs: ‖(ε, ε)‖₂ = √2·ε, and p = 0 counts every element as non-zero.
            Tensor x = Tensor.FromArray(new double[] { 1, 2 }, 1, 2);
            AssertClose(Math.Sqrt(2) * 1e-6, Functional.PairwiseDistance(x, x).Reshape(), 1e-15);
            Assert.Equal(2.0, Functional.PairwiseDistance(x, x, 0.0).GetDouble(0));
            Assert.Equal(0.0, Functional.PairwiseDistance(x, x, 2.0, 0.0).GetDouble(0));
        }

        [Fact]
        public void LibTorch_Float64_KeepDim()
        {
            // libtorch: torch.pairwise_distance([[1, 2], [3, 4]], [[0.5, 2.5], [1, -4]], 2.0, 1e-6, keepdim) in float64.
            Tensor a = MarginData.F64([1, 2, 3, 4], 2, 2), b = MarginData.F64([0.5, 2.5, 1, -4], 2, 2);
            MarginData.Bits([0.7071067811879618, 8.246212463913476], Functional.PairwiseDistance(a, b));
            Tensor k = Functional.PairwiseDistance(a, b, keepdim: true);
            Assert.Equal([2, 1], k.ShapeArray());
            MarginData.Bits([0.7071067811879618, 8.246212463913476], k);
        }

        [Fact]
        public void LibTorch_EveryP_Float64()
        {
            // libtorch: rows (1, 2, 0) − (0.5, 2.5, 0) and (3, 4, 1) − (3, 4, −1), eps 1e-6, for p = 0, 1, 3, ∞, −∞, 0.5, −1; and p = 2 with eps 0.
            Tensor a = MarginData.F64([1, 2, 0, 3, 4, 1], 2, 3), b = MarginData.F64([0.5, 2.5, 0, 3, 4, -1], 2, 3);
            MarginData.Bits([3.0, 3.0], Functional.PairwiseDistance(a, b, 0.0));
            MarginData.Bits([1.000001, 2.000003], Functional.PairwiseDistance(a, b, 1.0));
            MarginData.Bits([0.6299605249499565, 2.000001], Functional.PairwiseDistance(a, b, 3.0));
            MarginData.Bits([0.500001, 2.000001], Functional.PairwiseDistance(a, b, double.PositiveInfinity));
            MarginData.Bits([1E-06, 1E-06], Functional.PairwiseDistance(a, b, double.NegativeInfinity));
            MarginData.Bits([2.0028294271227445, 2.005661855663706], Functional.PairwiseDistance(a, b, 0.5));
            MarginData.Bits([9.999960000159999E-07, 4.999998750000938E-07], Functional.PairwiseDistance(a, b, -1.0));
            MarginData.Bits([0.7071067811865476, 2], Functional.PairwiseDistance(a, b, 2.0, 0.0));
        }

        [Fact]
        public void LibTorch_Float32_LanesAndTail()
        {
            // libtorch: pairwise_distance(A, B) with A, B of shape (2, 11) float32 (8 lanes + a 3-element tail), p = 2, 1, 3.
            Tensor a = MarginData.A(DType.Float32, 2, 11), b = MarginData.B(DType.Float32, 2, 11);
            MarginData.Bits([1.2782935f, 1.2813795f], Functional.PairwiseDistance(a, b));
            MarginData.Bits([3.4598355f, 3.4792292f], Functional.PairwiseDistance(a, b, 1.0));
            MarginData.Bits([0.9613795f, 0.96418995f], Functional.PairwiseDistance(a, b, 3.0));
            Tensor a64 = MarginData.A(DType.Float64, 2, 11), b64 = MarginData.B(DType.Float64, 2, 11);
            MarginData.Bits([1.2782935636866601, 1.2813794452298688], Functional.PairwiseDistance(a64, b64));
            MarginData.Bits([3.45983564325814, 3.479229335204654], Functional.PairwiseDistance(a64, b64, 1.0));
            MarginData.Bits([0.961379507542966, 0.964189955862816], Functional.PairwiseDistance(a64, b64, 3.0));
        }

        [Fact]
        public void LibTorch_Float32_LongRows_FusedLanes()
        {
            // libtorch: (3, 100) float32; the third row differs in the last bit unless the lanes accumulate with fused multiply-adds.
            Tensor a = MarginData.A(DType.Float32, 3, 100), b = MarginData.B(DType.Float32, 3, 100);
            MarginData.Bits([3.9214683f, 4.0309186f, 3.8171618f], Functional.PairwiseDistance(a, b));
        }

        [Fact]
        public void LibTorch_ShapesAndDtypes()
        {
            // libtorch: 1-D inputs give 0-D (keepdim: [1]); 0-D inputs give |x1 − x2 + eps|; broadcasting; int64 gives float32; f32 with f64 gives f64.
            Tensor r1 = Functional.PairwiseDistance(Tensor.Vector(1f, 2f), Tensor.Vector(0.5f, 2.5f));
            Assert.Equal(0, r1.Dim);
            MarginData.Bits([0.70710677f], r1);
            Assert.Equal([1], Functional.PairwiseDistance(Tensor.Vector(1f, 2f), Tensor.Vector(0.5f, 2.5f), keepdim: true).ShapeArray());
            MarginData.Bits([0.500001f], Functional.PairwiseDistance(Tensor.Scalar(1.0), Tensor.Scalar(0.5)));
            Tensor m = MarginData.F32([1, 2, 3, 4], 2, 2);
            MarginData.Bits([0.70710677f, 2.9154773f], Functional.PairwiseDistance(m, Tensor.Vector(0.5f, 2.5f)));
            MarginData.Bits([1f, 3.999998f], Functional.PairwiseDistance(Tensor.Vector(0.5f, 2.5f), m, 1.0));
            MarginData.Bits([1.000001f, 3.000001f], Functional.PairwiseDistance(Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2), Tensor.FromArray(new long[] { 0, 2, 3, 1 }, 2, 2)));
            MarginData.Bits([0.7071067811879618, 8.246212463913476], Functional.PairwiseDistance(m, MarginData.F64([0.5, 2.5, 1, -4], 2, 2)));
        }

        [Fact]
        public void Empty()
        {
            // libtorch 2.10: (0, 3) gives [0]; (2, 0) gives zeros; an empty row with p < 0 or p = ∞ is an error of
            // linalg_vector_norm (observed through the harness: bad input text below, word for word).
            Assert.Equal([0], Functional.PairwiseDistance(Tensor.Zeros(DType.Float32, 0, 3), Tensor.Zeros(DType.Float32, 0, 3)).ShapeArray());
            MarginData.Bits([0f, 0f], Functional.PairwiseDistance(Tensor.Zeros(DType.Float32, 2, 0), Tensor.Zeros(DType.Float32, 2, 0)));
            foreach (var (p, text) in new[] { (-1.0, "-1"), (double.PositiveInfinity, "inf"), (double.NegativeInfinity, "-inf"), (-0.5, "-0.5") })
            {
                var e = Assert.Throws<TorchException>(() => Functional.PairwiseDistance(Tensor.Zeros(DType.Float32, 1, 0), Tensor.Zeros(DType.Float32, 1, 0), p));
                Assert.Equal(TorchErrorKind.RuntimeError, e.Kind);
                Assert.Equal($"linalg.vector_norm cannot compute the {text} norm on the dimension 1because this dimension is empty and the operation does not have an identity", e.Message);
            }
        }

        [Fact]
        public void NaN_Propagates()
        {
            Tensor a = Tensor.FromArray(new double[] { double.NaN, 1 }, 1, 2), b = Tensor.FromArray(new double[] { 0, 0 }, 1, 2);
            foreach (double p in new[] { 1.0, 2.0, 3.0, double.PositiveInfinity, double.NegativeInfinity })
            {
                Assert.True(double.IsNaN(Functional.PairwiseDistance(a, b, p).GetDouble(0)), $"p = {p}");
            }
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(2.0)]
        [InlineData(1.0)]
        [InlineData(0.5)]
        [InlineData(1.5)]
        [InlineData(3.0)]
        [InlineData(-1.0)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void MatchesFiniteDifferences_BothInputs_Broadcast(double p)
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 4, 5);
            Tensor x2 = Uniform(rng, -2, 2, 5);
            MarginData.FdCheck(x => Functional.PairwiseDistance(x, x2, p), (g, x) => Functional.PairwiseDistanceBackward(g, x, x2, p).X1, x1);
            MarginData.FdCheck(x => Functional.PairwiseDistance(x1, x, p), (g, x) => Functional.PairwiseDistanceBackward(g, x1, x, p).X2, x2);
        }

        [Fact]
        public void KeepDim_MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 3, 4), x2 = Uniform(rng, -2, 2, 3, 4);
            MarginData.FdCheck(x => Functional.PairwiseDistance(x, x2, keepdim: true), (g, x) => Functional.PairwiseDistanceBackward(g, x, x2, keepdim: true).X1, x1);
        }

        [Fact]
        public void LibTorch_P2_ZeroDistanceGivesZero()
        {
            // libtorch: d/dx of Σ pairwise_distance(a, b, 2, eps=0); the third row has distance 0, whose gradient is 0.
            Tensor a = MarginData.F64([1, 2, 3, 4, 1, 1], 3, 2), b = MarginData.F64([0.5, 2.5, 1, -4, 1, 1], 3, 2);
            var g = Functional.PairwiseDistanceBackward(Tensor.Vector(1.0, 1.0, 1.0), a, b, 2.0, 0.0);
            MarginData.Bits([0.7071067811865475, -0.7071067811865475, 0.24253562503633297, 0.9701425001453319, 0, 0], g.X1);
            MarginData.Bits([-0.7071067811865475, 0.7071067811865475, -0.24253562503633297, -0.9701425001453319, -0.0, -0.0], g.X2);
        }

        [Fact]
        public void LibTorch_EveryP_KinksTiesAndZeros()
        {
            // libtorch: a = [[1,2,5],[3,4,1],[1,1,1]], b = [[0.5,2,4],[1,-4,0],[1,1,1]], eps 0: zero elements, a zero row and ties.
            Tensor a = MarginData.F64([1, 2, 5, 3, 4, 1, 1, 1, 1], 3, 3), b = MarginData.F64([0.5, 2, 4, 1, -4, 0, 1, 1, 1], 3, 3);
            Tensor ones = Tensor.Vector(1.0, 1.0, 1.0);
            MarginData.Bits([1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0], Functional.PairwiseDistanceBackward(ones, a, b, 1.0, 0.0).X1);
            MarginData.Bits([0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], Functional.PairwiseDistanceBackward(ones, a, b, double.PositiveInfinity, 0.0).X1);
            MarginData.Bits([2.414213562373095, 0, 1.7071067811865475, 3.7071067811865475, 1.8535533905932737, 5.242640687119286, 0, 0, 0], Functional.PairwiseDistanceBackward(ones, a, b, 0.5, 0.0).X1);
            MarginData.Bits([0.2311204247835449, 0, 0.9244816991341795, 0.061778141980602476, 0.9884502716896396, 0.015444535495150619, 0, 0, 0], Functional.PairwiseDistanceBackward(ones, a, b, 3.0, 0.0).X1);
            MarginData.Bits([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], Functional.PairwiseDistanceBackward(ones, a, b, double.NegativeInfinity, 0.0).X1);
            MarginData.Bits([0.6392340078652324, 0, 0.9040134034531214, 0.4746146324700452, 0.9492292649400904, 0.3356032250699299, 0, 0, 0], Functional.PairwiseDistanceBackward(ones, a, b, 1.5, 0.0).X1);
        }

        [Fact]
        public void InfinityNorm_SplitsTiesEvenly()
        {
            // |v| = (2, 2, 1): the two maxima share the gradient.
            Tensor a = MarginData.F64([2, -2, 1], 1, 3), b = MarginData.F64([0, 0, 0], 1, 3);
            MarginData.Bits([0.5, -0.5, 0], Functional.PairwiseDistanceBackward(Tensor.Vector(1.0), a, b, double.PositiveInfinity, 0.0).X1);
        }

        [Fact]
        public void P0_HasZeroGradient()
        {
            // libtorch gives no gradient (None) for p = 0: zeros here.
            Tensor a = MarginData.F64([1, 2, 3, 4], 2, 2), b = MarginData.F64([0.5, 2, 1, -4], 2, 2);
            MarginData.Bits([0.0, 0.0, 0.0, 0.0], Functional.PairwiseDistanceBackward(Tensor.Vector(1.0, 1.0), a, b, 0.0).X1);
        }

        [Fact]
        public void Float32InputWithFloat64Input_GradientsKeepEachDtype()
        {
            var g = Functional.PairwiseDistanceBackward(Tensor.Vector(1.0), Tensor.FromArray(new float[] { 3, 4 }, 1, 2), Tensor.FromArray(new double[] { 0, 0 }, 1, 2), 2.0, 0.0);
            MarginData.Bits([0.6f, 0.8f], g.X1);
            MarginData.Bits([-0.6, -0.8], g.X2);
        }
    }

    public class Errors
    {
        [Fact]
        public void ShapesThatDoNotBroadcast()
        {
            // libtorch: pairwise_distance of (2, 2) and (3).
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1",
                () => Functional.PairwiseDistance(Tensor.Zeros(DType.Float32, 2, 2), Tensor.Zeros(DType.Float32, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1",
                () => Functional.PairwiseDistanceBackward(Tensor.Zeros(DType.Float32, 2), Tensor.Zeros(DType.Float32, 2, 2), Tensor.Zeros(DType.Float32, 3)));
        }

        [Fact]
        public void IntegerInputs_HaveNoGradient()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
                () => Functional.PairwiseDistanceBackward(Tensor.Vector(1f), Tensor.FromArray(new long[] { 1, 2 }, 1, 2), Tensor.FromArray(new long[] { 1, 2 }, 1, 2)));
        }

        [Fact]
        public void GradOutputShape()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([]) and output[0] has a shape of torch.Size([2]).",
                () => Functional.PairwiseDistanceBackward(Tensor.Scalar(1.0), Tensor.Zeros(DType.Float32, 2, 2), Tensor.Zeros(DType.Float32, 2, 2)));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 3, 4), b = Uniform(rng, -1, 1, 3, 4), g = Uniform(rng, -1, 1, 3, 1);
            var m = new Parity.Native.Modules.PairwiseDistance(3.0, 1e-3, true);
            Assert.True(m.Forward(a, b).BitEquals(Functional.PairwiseDistance(a, b, 3.0, 1e-3, true)));
            Assert.True(m.Backward(g, a, b).X2.BitEquals(Functional.PairwiseDistanceBackward(g, a, b, 3.0, 1e-3, true).X2));
        }
    }
}
