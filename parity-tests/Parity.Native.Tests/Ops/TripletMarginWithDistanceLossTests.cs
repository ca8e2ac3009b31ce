using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class TripletMarginWithDistanceLossTests
{
    private static readonly Tensor A = MarginData.A(DType.Float32, 2, 11);
    private static readonly Tensor P = MarginData.B(DType.Float32, 2, 11);
    private static readonly Tensor N = MarginData.C(DType.Float32, 2, 11);

    public class Forward
    {
        [Fact]
        public void DefaultDistance_IsTripletMarginLoss()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 5, 3), p = Uniform(rng, -1, 1, 5, 3), n = Uniform(rng, -1, 1, 5, 3);
            foreach (bool swap in new[] { false, true })
            {
                Assert.True(Functional.TripletMarginLoss(a, p, n, 0.7, swap: swap, reduction: Reduction.None)
                    .BitEquals(Functional.TripletMarginWithDistanceLoss(a, p, n, margin: 0.7, swap: swap, reduction: Reduction.None)));
            }
        }

        [Fact]
        public void CosineDistance_MatchesPlainLoop()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 4, 3), p = Uniform(rng, -1, 1, 4, 3), n = Uniform(rng, -1, 1, 4, 3);
            double Cd(Tensor x, Tensor y, int i)
            {
                double xy = 0, xx = 0, yy = 0;
                for (int k = 0; k < 3; k++)
                {
                    double u = x.GetDouble((i * 3) + k), v = y.GetDouble((i * 3) + k);
                    xy += u * v;
                    xx += u * u;
                    yy += v * v;
                }
                return 1 - (xy / (Math.Sqrt(xx) * Math.Sqrt(yy)));
            }
            double[] expected = [.. Enumerable.Range(0, 4).Select(i => Math.Max(0.5 + Cd(a, p, i) - Math.Min(Cd(a, n, i), Cd(p, n, i)), 0))];
            AssertClose(expected, Functional.TripletMarginWithDistanceLoss(a, p, n, TripletDistance.CosineDistance, 0.5, true, Reduction.None).ToDoubleArray(), 1e-15, 1e-13);
        }

        [Fact]
        public void LibTorch_Float32()
        {
            // libtorch, running Python's sequence: pairwise_distance, clamp_min(1.0 + dp − dn, 0), torch.sum; and with
            // 1 − cosine_similarity, swap through torch.minimum, margin 0.5, torch.mean.
            MarginData.Bits([0.8040061f, 0.72205746f], Functional.TripletMarginWithDistanceLoss(A, P, N, reduction: Reduction.None));
            MarginData.Bits([1.5260636f], Functional.TripletMarginWithDistanceLoss(A, P, N, reduction: Reduction.Sum));
            MarginData.Bits([0.70643574f, 0.4484384f], Functional.TripletMarginWithDistanceLoss(A, P, N, TripletDistance.CosineDistance, 0.5, true, Reduction.None));
            MarginData.Bits([0.57743704f], Functional.TripletMarginWithDistanceLoss(A, P, N, TripletDistance.CosineDistance, 0.5, true));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(TripletDistance.PairwiseDistance, false, Reduction.Mean)]
        [InlineData(TripletDistance.PairwiseDistance, true, Reduction.None)]
        [InlineData(TripletDistance.CosineDistance, false, Reduction.Sum)]
        [InlineData(TripletDistance.CosineDistance, true, Reduction.Mean)]
        public void MatchesFiniteDifferences(TripletDistance d, bool swap, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 5, 3), p = Uniform(rng, -1, 1, 5, 3), n = Uniform(rng, -1, 1, 5, 3);
            MarginData.FdCheck(x => Functional.TripletMarginWithDistanceLoss(x, p, n, d, 1.2, swap, reduction), (g, x) => Functional.TripletMarginWithDistanceLossBackward(g, x, p, n, d, 1.2, swap, reduction).Anchor, a);
            MarginData.FdCheck(x => Functional.TripletMarginWithDistanceLoss(a, x, n, d, 1.2, swap, reduction), (g, x) => Functional.TripletMarginWithDistanceLossBackward(g, a, x, n, d, 1.2, swap, reduction).Positive, p);
            MarginData.FdCheck(x => Functional.TripletMarginWithDistanceLoss(a, p, x, d, 1.2, swap, reduction), (g, x) => Functional.TripletMarginWithDistanceLossBackward(g, a, p, x, d, 1.2, swap, reduction).Negative, n);
        }

        [Fact]
        public void LibTorch_Float32_PairwiseSum()
        {
            var g = Functional.TripletMarginWithDistanceLossBackward(Tensor.Scalar(1.0), A, P, N, reduction: Reduction.Sum);
            MarginData.Bits([1.03999184E-07f, -0.16832253f, 0.44564778f, 0.17332596f, 0.10900253f, -0.059320122f, 0.450651f, -0.3959654f, 0.21800496f, -0.054316908f, -0.11864033f, 0.37078118f, 0.2042956f, 0.17691466f, -0.12867549f, 0.48524785f, -0.32254204f, 0.15227672f, -0.014208823f, -0.041589797f, -0.34717992f, 0.26674345f], g.Anchor);
            MarginData.Bits([-7.8229294E-07f, 0.14085507f, -0.50058204f, 0.42256677f, -0.21887034f, -0.07801448f, 0.06284137f, 0.20369719f, -0.4377399f, 0.4854089f, -0.15602818f, -0.015135784f, 0.12538084f, -0.5145115f, 0.4064141f, -0.23347823f, -0.09296162f, 0.047555026f, 0.18807164f, -0.45182067f, 0.46910486f, -0.17078742f], g.Positive);
            MarginData.Bits([6.7829376E-07f, 0.02746746f, 0.054934252f, -0.5958927f, 0.10986781f, 0.1373346f, -0.51349235f, 0.1922682f, 0.21973495f, -0.431092f, 0.2746685f, -0.3556454f, -0.32967645f, 0.33759686f, -0.2777386f, -0.25176963f, 0.41550365f, -0.19983175f, -0.17386281f, 0.49341047f, -0.121924944f, -0.09595602f], g.Negative);
        }

        [Fact]
        public void LibTorch_Float32_CosineSwapMean()
        {
            var g = Functional.TripletMarginWithDistanceLossBackward(Tensor.Scalar(1.0), A, P, N, TripletDistance.CosineDistance, 0.5, true);
            MarginData.Bits([0.23137717f, -0.03394315f, 0.23277614f, -0.10182944f, 0.16488981f, -0.100430496f, 0.097003534f, -0.1683168f, 0.098402485f, -0.2362031f, 0.030516181f, 0.23359768f, -0.03702963f, 0.22988681f, -0.103748575f, 0.16316788f, -0.10745941f, 0.09644893f, -0.17417836f, 0.0927381f, -0.24089731f, 0.026019152f], g.Anchor);
            MarginData.Bits([0.074692234f, -0.01982728f, -0.0041704047f, 0.43334973f, -0.043824967f, -0.1383445f, 0.40935203f, -0.17799905f, -0.16234218f, 0.27517793f, -0.20199676f, 0.28722292f, 0.2911087f, -0.3024893f, 0.23894027f, 0.2150679f, -0.35077193f, 0.16289945f, 0.16678526f, -0.42681274f, 0.1146168f, 0.090744436f], g.Positive);
            MarginData.Bits([-0.16971788f, 0.049578317f, -0.22395703f, -0.0046608374f, -0.12480041f, 0.094495796f, -0.17903955f, 0.19365242f, -0.07988292f, 0.13941327f, 0.019273702f, -0.28233403f, 0.016026556f, -0.21564819f, 0.0827124f, -0.18865262f, 0.14939825f, -0.12196678f, 0.1763938f, -0.05528094f, 0.24307965f, -0.028285373f], g.Negative);
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.Zeros(DType.Float32, 2, 3);

        [Fact]
        public void PythonChecks_InOrder()
        {
            // torch/nn/functional.py triplet_margin_with_distance_loss: reduction (ValueError), margin (ValueError), ndim (RuntimeError).
            AssertTorchError(TorchErrorKind.ValueError, "4 is not a valid value for reduction", () => Functional.TripletMarginWithDistanceLoss(X23, X23, Tensor.Zeros(DType.Float32, 3), margin: -1, reduction: (Reduction)4));
            AssertTorchError(TorchErrorKind.ValueError, "margin must be greater than 0, got -1.0", () => Functional.TripletMarginWithDistanceLoss(X23, X23, Tensor.Zeros(DType.Float32, 3), margin: -1));
            AssertTorchError(TorchErrorKind.ValueError, "margin must be greater than 0, got 0.0", () => Functional.TripletMarginWithDistanceLossBackward(Tensor.Scalar(1.0), X23, X23, X23, margin: 0));
            AssertTorchError(TorchErrorKind.RuntimeError, "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs",
                () => Functional.TripletMarginWithDistanceLoss(X23, X23, Tensor.Zeros(DType.Float32, 3)));
        }

        [Fact]
        public void DistanceErrors()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                () => Functional.TripletMarginWithDistanceLoss(X23, X23, Tensor.Zeros(DType.Float32, 2, 4)));
            // 1 − cosine_similarity(x, y) uses dim 1, which a 1-D input does not have.
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                () => Functional.TripletMarginWithDistanceLoss(Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f), TripletDistance.CosineDistance));
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.TripletMarginWithDistanceLoss(X23, X23, X23, (TripletDistance)7));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            var m = new Parity.Native.Modules.TripletMarginWithDistanceLoss(TripletDistance.CosineDistance, 0.5, true);
            Assert.True(m.Forward(A, P, N).BitEquals(Functional.TripletMarginWithDistanceLoss(A, P, N, TripletDistance.CosineDistance, 0.5, true)));
            Assert.True(m.Backward(Tensor.Scalar(1.0), A, P, N).Anchor.BitEquals(Functional.TripletMarginWithDistanceLossBackward(Tensor.Scalar(1.0), A, P, N, TripletDistance.CosineDistance, 0.5, true).Anchor));
        }

        [Fact]
        public void Constructor_MarginNotPositive()
        {
            // torch/nn/modules/loss.py TripletMarginWithDistanceLoss.__init__.
            AssertTorchError(TorchErrorKind.ValueError, "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got -1.0 instead", () => new Parity.Native.Modules.TripletMarginWithDistanceLoss(margin: -1));
        }
    }
}
