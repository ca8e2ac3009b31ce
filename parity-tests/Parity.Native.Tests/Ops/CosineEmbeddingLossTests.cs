using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class CosineEmbeddingLossTests
{
    /// <summary>The textbook loss per row in float64: 1 − cos for y = 1, max(0, cos − margin) for y = −1, 0 otherwise.</summary>
    private static double[] Reference(Tensor x1, Tensor x2, double[] y, double margin, int n, int d)
    {
        const double eps = 1e-12f;
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double xy = 0, xx = 0, yy = 0;
            for (int k = 0; k < d; k++)
            {
                double a = x1.GetDouble((i * d) + k), b = x2.GetDouble((i * d) + k);
                xy += a * b;
                xx += a * a;
                yy += b * b;
            }
            double cos = xy / Math.Sqrt((xx + eps) * (yy + eps));
            r[i] = y[i] == 1 ? 1 - cos : y[i] == -1 ? Math.Max(0, cos - margin) : 0;
        }
        return r;
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.3)]
        [InlineData(Reduction.Sum, -0.4)]
        public void Float64_MatchesTextbookFormula(Reduction reduction, double margin)
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 8, 5), x2 = Uniform(rng, -2, 2, 8, 5);
            double[] y = [1, -1, 1, -1, -1, 1, 0, 2];
            double[] reference = Reference(x1, x2, y, margin, 8, 5);
            Tensor r = Functional.CosineEmbeddingLoss(x1, x2, Tensor.Vector(y), margin, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 1e-15, 1e-13);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r);
                    break;
                default:
                    AssertClose(reference.Sum() / 8, r);
                    break;
            }
        }

        [Fact]
        public void LibTorch_Float32_EveryReduction()
        {
            // libtorch: cosine_embedding_loss(A, B, [1, −1], −0.2, reduction) for (2, 11) float32 inputs. Within 2 ulp, not
            // bit for bit: libtorch's sqrt_ (its vector math library) gives δ one ulp above the correctly rounded value here.
            Tensor a = MarginData.A(DType.Float32, 2, 11), b = MarginData.B(DType.Float32, 2, 11);
            Tensor y = Tensor.Vector(1L, -1L);
            MarginData.Ulps([0.869366f, 0.3173905f], Functional.CosineEmbeddingLoss(a, b, y, -0.2, Reduction.None), 2);
            MarginData.Ulps([0.59337825f], Functional.CosineEmbeddingLoss(a, b, y, -0.2), 2);
            MarginData.Ulps([1.1867565f], Functional.CosineEmbeddingLoss(a, b, y, -0.2, Reduction.Sum), 2);
        }

        [Fact]
        public void LibTorch_TargetsOtherThanPlusMinusOne_GiveZero()
        {
            // libtorch: targets 0.5, −1, 2, 0 with margin −0.5.
            Tensor a = MarginData.F32([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], 4, 3);
            Tensor b = MarginData.F32([1, 0, 3, -1, 2, 0.5f, 1, 0, 3, 1, 0, 3], 4, 3);
            MarginData.Bits([0f, 1.0248907f, 0f, 0f], Functional.CosineEmbeddingLoss(a, b, Tensor.Vector(0.5f, -1f, 2f, 0f), -0.5, Reduction.None));
        }

        [Fact]
        public void LibTorch_BroadcastInputsAndTarget()
        {
            // libtorch: a (1, 3) against b (2, 3), margin 0.1; a (2, 3) with a (1) target broadcast to both rows.
            Tensor a = MarginData.F32([1, 2, 3], 1, 3), b = MarginData.F32([1, 0, 3, -1, 2, 0.5f], 2, 3);
            MarginData.Bits([0.15484577f, 0.42489067f], Functional.CosineEmbeddingLoss(a, b, Tensor.Vector(1L, -1L), 0.1, Reduction.None));
            Tensor ones = MarginData.F32([1, 1, 1, 1, 1, 1], 2, 3);
            MarginData.Bits([0f, 0f], Functional.CosineEmbeddingLoss(ones, ones, Tensor.Vector(1f), 0.0, Reduction.None));
        }

        [Fact]
        public void LibTorch_EpsilonIsTheFloat1e12_EvenInFloat64()
        {
            // libtorch: zero vectors give cos = 0; (1e-7f, 0) twice gives 1e-14 / (1e-14 + 1e-12f) with margin −1.
            double t = 1e-7f;
            Tensor a = MarginData.F64([0, 0, t, 0], 2, 2);
            MarginData.Bits([1.0, 1.0099009903672973], Functional.CosineEmbeddingLoss(a, a, Tensor.Vector(-1L, -1L), -1.0, Reduction.None));
            MarginData.Bits([1f, 1.009901f], Functional.CosineEmbeddingLoss(a.To(DType.Float32), a.To(DType.Float32), Tensor.Vector(-1L, -1L), -1.0, Reduction.None));
        }

        [Fact]
        public void LibTorch_OneDimensionalWithZeroDimTarget()
        {
            Tensor r = Functional.CosineEmbeddingLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 0f, 3f), Tensor.FromArray(new long[] { 1 }), 0.0, Reduction.None);
            Assert.Equal(0, r.Dim);
            MarginData.Bits([0.15484577f], r);
        }

        [Fact]
        public void LibTorch_Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float32, 0, 3), t = Tensor.Zeros(DType.Float32, 0);
            Assert.Equal([0], Functional.CosineEmbeddingLoss(e, e, t, 0.0, Reduction.None).ShapeArray());
            Assert.True(double.IsNaN(Functional.CosineEmbeddingLoss(e, e, t).GetDouble(0)));
            MarginData.Bits([0f], Functional.CosineEmbeddingLoss(e, e, t, 0.0, Reduction.Sum));
        }

        [Fact]
        public void LibTorch_IntegerAndMixedDtypes()
        {
            // libtorch: int64 inputs give float32; float32 with float64 gives float64.
            Tensor i = Tensor.FromArray(new long[] { 1, 2 }, 1, 2);
            MarginData.Bits([0f], Functional.CosineEmbeddingLoss(i, i, Tensor.Vector(1L), 0.0, Reduction.None));
            MarginData.Bits([0.010050506338882936], Functional.CosineEmbeddingLoss(MarginData.F32([1, 2], 1, 2), MarginData.F64([1, 3], 1, 2), Tensor.Vector(1L), 0.0, Reduction.None));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void MatchesFiniteDifferences(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 6, 4), x2 = Uniform(rng, -2, 2, 6, 4);
            Tensor y = Tensor.Vector(1.0, -1.0, -1.0, 1.0, -1.0, 3.0);
            MarginData.FdCheck(x => Functional.CosineEmbeddingLoss(x, x2, y, -0.3, reduction), (g, x) => Functional.CosineEmbeddingLossBackward(g, x, x2, y, -0.3, reduction).Input1, x1);
            MarginData.FdCheck(x => Functional.CosineEmbeddingLoss(x1, x, y, -0.3, reduction), (g, x) => Functional.CosineEmbeddingLossBackward(g, x1, x, y, -0.3, reduction).Input2, x2);
        }

        [Fact]
        public void Broadcast_MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor x1 = Uniform(rng, -2, 2, 1, 4), x2 = Uniform(rng, -2, 2, 3, 4);
            Tensor y = Tensor.Vector(1.0, -1.0, 1.0);
            MarginData.FdCheck(x => Functional.CosineEmbeddingLoss(x, x2, y, -0.5, Reduction.None), (g, x) => Functional.CosineEmbeddingLossBackward(g, x, x2, y, -0.5, Reduction.None).Input1, x1);
            MarginData.FdCheck(x => Functional.CosineEmbeddingLoss(x1, x, y, -0.5, Reduction.None), (g, x) => Functional.CosineEmbeddingLossBackward(g, x1, x, y, -0.5, Reduction.None).Input2, x2);
        }

        [Fact]
        public void LibTorch_Float32Mean()
        {
            // libtorch: d/dx of cosine_embedding_loss(A, B, [1, −1], −0.2, 'mean') for (2, 11) float32 inputs, within 5e-8 absolute:
            // the one-ulp δ difference above, carried through the backward (a few ulp of the row's scale, more where terms cancel).
            Tensor a = MarginData.A(DType.Float32, 2, 11), b = MarginData.B(DType.Float32, 2, 11);
            var g = Functional.CosineEmbeddingLossBackward(Tensor.Scalar(1.0), a, b, Tensor.Vector(1L, -1L), -0.2);
            AssertClose(Array.ConvertAll(new float[] { 0.23137718f, -0.033943146f, 0.2327761f, -0.10182943f, 0.16488981f, -0.1004305f, 0.097003534f, -0.16831678f, 0.09840246f, -0.23620307f, 0.030516177f, -0.23359765f, 0.03702963f, -0.2298868f, 0.10374857f, -0.16316786f, 0.10745941f, -0.09644893f, 0.17417835f, -0.0927381f, 0.24089728f, -0.026019152f }, v => (double)v), g.Input1.ToDoubleArray(), 5e-8, 0);
            AssertClose(Array.ConvertAll(new float[] { 0.23115961f, 0.07434866f, -0.15218267f, 0.22304596f, -0.0034853667f, -0.16029632f, 0.14521194f, -0.011599023f, -0.23813033f, 0.13709828f, -0.08943304f, -0.22185817f, -0.0594666f, 0.1661221f, -0.20903006f, 0.01655863f, 0.1789502f, -0.13300483f, 0.029386757f, 0.25497544f, -0.1201767f, 0.105411984f }, v => (double)v), g.Input2.ToDoubleArray(), 5e-8, 0);
        }

        [Fact]
        public void LibTorch_KinkAtMargin_PassesTheGradient()
        {
            // libtorch: row 0 is orthogonal with margin 0 (cos − margin = 0 exactly): the gradient of cos still flows.
            Tensor a = MarginData.F64([1, 0, 1, 1], 2, 2), b = MarginData.F64([0, 1, 1, 0], 2, 2);
            MarginData.Bits([0.0, 0.7071067811860171], Functional.CosineEmbeddingLoss(a, b, Tensor.Vector(-1L, -1L), 0.0, Reduction.None));
            var g = Functional.CosineEmbeddingLossBackward(Tensor.Vector(1.0, 1.0), a, b, Tensor.Vector(-1L, -1L), 0.0, Reduction.None);
            MarginData.Bits([0.0, 0.9999999999989999, 0.35355339059318536, -0.35355339059283175], g.Input1);
            MarginData.Bits([0.9999999999989999, 0.0, 7.072120666862247E-13, 0.7071067811860171], g.Input2);
        }

        [Fact]
        public void LibTorch_OneDimensional()
        {
            var g = Functional.CosineEmbeddingLossBackward(Tensor.Scalar(1.0), Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 0f, 3f), Tensor.FromArray(new long[] { 1 }), 0.0, Reduction.None);
            MarginData.Bits([-0.024147265f, 0.120736316f, -0.07244179f], g.Input1);
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.Zeros(DType.Float32, 2, 3);

        [Fact]
        public void TargetRank()
        {
            // libtorch texts (all RuntimeError).
            AssertTorchError(TorchErrorKind.RuntimeError, "0D or 1D target tensor expected, multi-target not supported",
                () => Functional.CosineEmbeddingLoss(X23, X23, Tensor.Zeros(DType.Float32, 2, 1)));
            AssertTorchError(TorchErrorKind.RuntimeError, "1D target tensor expects 2D input tensors, but found inputs with sizes [3] and [3].",
                () => Functional.CosineEmbeddingLoss(Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "0D target tensor expects 1D input tensors, but found inputs with sizes [2, 3] and [2, 3].",
                () => Functional.CosineEmbeddingLoss(X23, X23, Tensor.Scalar(1.0)));
        }

        [Fact]
        public void InputRanks()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "1D target tensor expects 2D input tensors, but found inputs with sizes [2, 3] and [2, 3, 1].",
                () => Functional.CosineEmbeddingLoss(X23, Tensor.Zeros(DType.Float32, 2, 3, 1), Tensor.Zeros(DType.Float32, 2)));
            AssertTorchError(TorchErrorKind.RuntimeError, "1D target tensor expects 2D input tensors, but found inputs with sizes [2, 3] and [3].",
                () => Functional.CosineEmbeddingLoss(X23, Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Float32, 2)));
        }

        [Fact]
        public void Broadcasting()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                () => Functional.CosineEmbeddingLoss(X23, Tensor.Zeros(DType.Float32, 2, 4), Tensor.Zeros(DType.Float32, 2)));
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
                () => Functional.CosineEmbeddingLoss(X23, X23, Tensor.Zeros(DType.Float32, 3)));
        }

        [Fact]
        public void Reduction_AndGradChecks()
        {
            AssertTorchError(TorchErrorKind.ValueError, "7 is not a valid value for reduction",
                () => Functional.CosineEmbeddingLoss(X23, X23, Tensor.Zeros(DType.Float32, 2), 0.0, (Reduction)7));
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).",
                () => Functional.CosineEmbeddingLossBackward(Tensor.Zeros(DType.Float32, 2), X23, X23, Tensor.Zeros(DType.Float32, 2)));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            var rng = new System.Random(Seed);
            Tensor a = Uniform(rng, -1, 1, 3, 4), b = Uniform(rng, -1, 1, 3, 4), y = Tensor.Vector(1.0, -1.0, -1.0);
            var m = new Parity.Native.Modules.CosineEmbeddingLoss(-0.2, Reduction.Sum);
            Assert.True(m.Forward(a, b, y).BitEquals(Functional.CosineEmbeddingLoss(a, b, y, -0.2, Reduction.Sum)));
            Assert.True(m.Backward(Tensor.Scalar(1.0), a, b, y).Input2.BitEquals(Functional.CosineEmbeddingLossBackward(Tensor.Scalar(1.0), a, b, y, -0.2, Reduction.Sum).Input2));
        }
    }
}
