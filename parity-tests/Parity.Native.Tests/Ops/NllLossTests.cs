using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class NllLossTests
{
    private static readonly Tensor Input23 = Tensor.FromArray(new float[] { -1, -2, -3, -4, -5, -6 }, 2, 3);
    private static readonly Tensor Targets20 = Tensor.Vector(2L, 0L);

    public class Forward
    {
        [Fact]
        public void Picks_NoneSumMean()
        {
            Assert.Equal(new float[] { 3, 4 }, Functional.NllLoss(Input23, Targets20, reduction: Reduction.None).ToArray<float>());
            Assert.Equal(7f, (float)Functional.NllLoss(Input23, Targets20, reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal(3.5f, (float)Functional.NllLoss(Input23, Targets20).GetDouble(0));
        }

        [Fact]
        public void Weighted_MeanDividesByPickedWeights()
        {
            var w = Tensor.Vector(1f, 2f, 3f);
            Assert.Equal(new float[] { 9, 4 }, Functional.NllLoss(Input23, Targets20, w, reduction: Reduction.None).ToArray<float>());
            Assert.Equal(13f, (float)Functional.NllLoss(Input23, Targets20, w, reduction: Reduction.Sum).GetDouble(0));
            // (9 + 4) / (w[2] + w[0]) = 13 / 4
            Assert.Equal(3.25f, (float)Functional.NllLoss(Input23, Targets20, w).GetDouble(0));
        }

        [Fact]
        public void IgnoreIndex_ExcludedFromLossAndWeight()
        {
            var t = Tensor.Vector(2L, 7L);
            Assert.Equal(new float[] { 3, 0 }, Functional.NllLoss(Input23, t, null, 7, Reduction.None).ToArray<float>());
            Assert.Equal(3f, (float)Functional.NllLoss(Input23, t, null, 7).GetDouble(0));
        }

        [Fact]
        public void AllIgnored_MeanNaN_SumZero_NoneZeros()
        {
            var t = Tensor.Vector(-100L, -100L);
            Assert.True(double.IsNaN(Functional.NllLoss(Input23, t).GetDouble(0)));
            Assert.Equal(0.0, Functional.NllLoss(Input23, t, reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal(new float[] { 0, 0 }, Functional.NllLoss(Input23, t, reduction: Reduction.None).ToArray<float>());
        }

        [Fact]
        public void EmptyBatch_MeanNaN_SumZero_NoneEmpty()
        {
            var x = Tensor.Zeros(DType.Float32, 0, 3);
            var t = Tensor.Zeros(DType.Int64, 0);
            Assert.True(double.IsNaN(Functional.NllLoss(x, t).GetDouble(0)));
            Assert.Equal(0.0, Functional.NllLoss(x, t, reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal([0], Functional.NllLoss(x, t, reduction: Reduction.None).ShapeArray());
        }

        [Fact]
        public void ZeroInput_GivesNegativeZero()
        {
            var r = Functional.NllLoss(Tensor.FromArray(new float[] { 0, 0 }, 1, 2), Tensor.Vector(1L), reduction: Reduction.None);
            Assert.True(float.IsNegative(r.ToArray<float>()[0]));
        }

        [Fact]
        public void Unbatched_ZeroDimTarget_ScalarForEveryReduction()
        {
            var x = Tensor.Vector(-0.5, -1.5, -2.5);
            var t = Tensor.Scalar(1, DType.Int64);
            var w = Tensor.Vector(1.0, 4.0, 1.0);
            Assert.Equal(1.5, Functional.NllLoss(x, t).GetDouble(0));
            Assert.Equal(6.0, Functional.NllLoss(x, t, w, reduction: Reduction.Sum).GetDouble(0));
            Tensor none = Functional.NllLoss(x, t, w, reduction: Reduction.None);
            Assert.Equal(0, none.Dim);
            Assert.Equal(6.0, none.GetDouble(0));
            Assert.Equal(1.5, Functional.NllLoss(x, t, w).GetDouble(0));
        }

        [Fact]
        public void SingleClass_PicksTheOnlyColumn()
        {
            var x = Tensor.FromArray(new double[] { -0.25, -0.75 }, 2, 1);
            Assert.Equal(0.5, Functional.NllLoss(x, Tensor.Vector(0L, 0L)).GetDouble(0));
        }

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void KDim_MatchesPerPositionReference(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            int n = 2, c = 3, d1 = 4, d2 = 5;
            Tensor x = Uniform(rng, -3, 0, n, c, d1, d2);
            Tensor t = Classes(rng, c, -100, 0.2, n, d1, d2);
            double[] w = [0.5, 1.0, 2.0];
            var none = new double[n * d1 * d2];
            double sum = 0, wsum = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < d1; i++)
                {
                    for (int j = 0; j < d2; j++)
                    {
                        long k = (long)t[b, i, j];
                        if (k == -100)
                        {
                            continue;
                        }
                        double l = -x[b, (int)k, i, j] * w[k];
                        none[(((b * d1) + i) * d2) + j] = l;
                        sum += l;
                        wsum += w[k];
                    }
                }
            }
            Tensor r = Functional.NllLoss(x, t, Tensor.Vector(w), reduction: reduction);
            switch (reduction)
            {
                case Reduction.None:
                    Assert.Equal([n, d1, d2], r.ShapeArray());
                    AssertClose(none, r.ToDoubleArray(), 0, F64RelTol);
                    break;
                case Reduction.Sum:
                    AssertClose(sum, r);
                    break;
                default:
                    AssertClose(sum / wsum, r);
                    break;
            }
        }

        [Fact]
        public void ThreeDim_NoneShapeIsBatchBySpatial()
        {
            var x = Tensor.Zeros(DType.Float32, 2, 3, 5);
            var t = Tensor.Zeros(DType.Int64, 2, 5);
            Assert.Equal([2, 5], Functional.NllLoss(x, t, reduction: Reduction.None).ShapeArray());
        }

        [Fact]
        public void NaNInput_PropagatesToReducedLoss()
        {
            var x = Tensor.FromArray(new float[] { float.NaN, -1, -2, -3 }, 2, 2);
            Assert.True(double.IsNaN(Functional.NllLoss(x, Tensor.Vector(0L, 1L)).GetDouble(0)));
            // a NaN that is not picked does not reach the loss: (1 + 3) / 2
            Assert.Equal(2.0, Functional.NllLoss(x, Tensor.Vector(1L, 1L)).GetDouble(0));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false, -100L)]
        [InlineData(Reduction.Mean, false, -100L)]
        [InlineData(Reduction.Sum, false, -100L)]
        [InlineData(Reduction.None, true, 1L)]
        [InlineData(Reduction.Mean, true, 1L)]
        [InlineData(Reduction.Sum, true, 1L)]
        public void TwoDim_MatchesFiniteDifferences(Reduction reduction, bool weighted, long ignoreIndex)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 6, 4);
            Tensor t = Classes(rng, 4, ignoreIndex, 0.3, 6);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.NllLoss(xi, t, w, ignoreIndex, reduction),
                (g, xi) => Functional.NllLossBackward(g, xi, t, w, ignoreIndex, reduction),
                x,
                rng);
        }

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void FourDim_Weighted_MatchesFiniteDifferences(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 2, 3, 2, 3);
            Tensor t = Classes(rng, 3, -100, 0.2, 2, 2, 3);
            Tensor w = Uniform(rng, 0.2, 2, 3);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.NllLoss(xi, t, w, -100, reduction),
                (g, xi) => Functional.NllLossBackward(g, xi, t, w, -100, reduction),
                x,
                rng);
        }

        [Fact]
        public void Unbatched_MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 5);
            Tensor t = Tensor.Scalar(3, DType.Int64);
            Tensor w = Uniform(rng, 0.2, 2, 5);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.NllLoss(xi, t, w),
                (g, xi) => Functional.NllLossBackward(g, xi, t, w),
                x,
                rng);
        }

        [Fact]
        public void AllIgnoredMean_IsZeroNotNaN()
        {
            Tensor gi = Functional.NllLossBackward(Tensor.Scalar(1.0, DType.Float32), Input23, Tensor.Vector(-100L, -100L));
            Assert.All(gi.ToArray<float>(), v => Assert.Equal(0f, v));
        }

        [Fact]
        public void Mean_IsMinusWeightOverTotalWeightAtTarget()
        {
            var w = Tensor.Vector(1f, 2f, 3f);
            Tensor gi = Functional.NllLossBackward(Tensor.Scalar(1.0, DType.Float32), Input23, Targets20, w);
            Assert.Equal(new float[] { 0, 0, -0.75f, -0.25f, 0, 0 }, gi.ToArray<float>());
        }
    }

    public class Errors
    {
        [Fact]
        public void TargetOutOfBounds_IndexError()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Target 3 is out of bounds.", () => Functional.NllLoss(Input23, Tensor.Vector(0L, 3L)));
            AssertTorchError(TorchErrorKind.IndexError, "Target -1 is out of bounds.", () => Functional.NllLoss(Input23, Tensor.Vector(-1L, 0L), reduction: Reduction.None));
            AssertTorchError(TorchErrorKind.IndexError, "Target 7 is out of bounds.", () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 4, 5), Tensor.FromArray(Enumerable.Repeat(7L, 40).ToArray(), 2, 4, 5)));
        }

        [Fact]
        public void FloatTarget_ExpectedLong()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Float", () => Functional.NllLoss(Input23, Tensor.Vector(0f, 1f)));
        }

        [Fact]
        public void BatchMismatch_ValueError()
        {
            AssertTorchError(TorchErrorKind.ValueError, "Expected input batch_size (2) to match target batch_size (3).", () => Functional.NllLoss(Input23, Tensor.Vector(0L, 1L, 2L)));
        }

        [Fact]
        public void WeightSize_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]", () => Functional.NllLoss(Input23, Targets20, Tensor.Vector(1f, 2f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "weight tensor should be defined either for all or no classes", () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 4, 5), Tensor.Zeros(DType.Int64, 2, 4, 5), Tensor.Vector(1f, 2f)));
        }

        [Fact]
        public void WeightDtype_ExpectedInputType()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Float but found Double", () => Functional.NllLoss(Input23, Targets20, Tensor.Vector(1.0, 2.0, 3.0)));
        }

        [Fact]
        public void TargetShapes_RuntimeErrors()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "0D or 1D target tensor expected, multi-target not supported", () => Functional.NllLoss(Input23, Tensor.Zeros(DType.Int64, 2, 2)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected target size [2, 4], got [2, 5]", () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 4), Tensor.Zeros(DType.Int64, 2, 5)));
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]", () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 4, 5), Tensor.Zeros(DType.Int64, 2, 4, 6)));
            AssertTorchError(TorchErrorKind.RuntimeError, "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2", () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 4, 5), Tensor.Zeros(DType.Int64, 2, 4)));
            AssertTorchError(TorchErrorKind.ValueError, "For 1D input, 1D target must have size 1, but got target size: 2", () => Functional.NllLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(0L, 1L)));
            AssertTorchError(TorchErrorKind.ValueError, "Expected 1 or more dimensions (got 0)", () => Functional.NllLoss(Tensor.Scalar(1.0), Tensor.Scalar(0, DType.Int64)));
        }

        [Fact]
        public void LongInput_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"nll_loss_out_frame\" not implemented for 'Long'", () => Functional.NllLoss(Tensor.Zeros(DType.Int64, 2, 3), Targets20));
        }
    }
}
