using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class CrossEntropyTests
{
    /// <summary>
    /// PyTorch's documented index-target loss in float64, from its definition: per sample
    /// (1 − ε)·w[y]·(−lsm[y]) + (ε/C)·Σ_c w[c]·(−lsm[c]); 'mean' divides by Σ w[yᵢ] over non-ignored samples.
    /// </summary>
    private static (double[] None, double Sum, double Mean) IndexReference(double[,] x, long[] y, double[]? w, long ignoreIndex, double eps)
    {
        int n = x.GetLength(0), c = x.GetLength(1);
        var none = new double[n];
        double sum = 0, wsum = 0;
        for (int i = 0; i < n; i++)
        {
            if (y[i] == ignoreIndex)
            {
                continue;
            }
            double[] row = Enumerable.Range(0, c).Select(j => x[i, j]).ToArray();
            double[] lsm = RefLogSoftmaxRow(row);
            double wy = w?[y[i]] ?? 1;
            double smooth = 0;
            for (int j = 0; j < c; j++)
            {
                smooth -= (w?[j] ?? 1) * lsm[j];
            }
            none[i] = ((1 - eps) * wy * -lsm[y[i]]) + (eps / c * smooth);
            sum += none[i];
            wsum += wy;
        }
        return (none, sum, sum / wsum);
    }

    private static double[,] ToMatrix(Tensor t)
    {
        var m = new double[t.Size(0), t.Size(1)];
        for (int i = 0; i < t.Size(0); i++)
        {
            for (int j = 0; j < t.Size(1); j++)
            {
                m[i, j] = t[i, j];
            }
        }
        return m;
    }

    private static void AssertReduction(Reduction reduction, (double[] None, double Sum, double Mean) reference, Tensor r)
    {
        switch (reduction)
        {
            case Reduction.None:
                AssertClose(reference.None, r.ToDoubleArray(), 1e-15, 1e-13);
                break;
            case Reduction.Sum:
                AssertClose(reference.Sum, r, 1e-13);
                break;
            default:
                AssertClose(reference.Mean, r, 1e-13);
                break;
        }
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, false, 0.0)]
        [InlineData(Reduction.Mean, false, 0.0)]
        [InlineData(Reduction.Sum, false, 0.0)]
        [InlineData(Reduction.None, true, 0.0)]
        [InlineData(Reduction.Mean, true, 0.0)]
        [InlineData(Reduction.Sum, true, 0.0)]
        [InlineData(Reduction.None, true, 0.1)]
        [InlineData(Reduction.Mean, true, 0.1)]
        [InlineData(Reduction.Sum, true, 0.1)]
        [InlineData(Reduction.Mean, false, 0.3)]
        [InlineData(Reduction.Mean, true, 1.0)]
        public void IndexTargets_MatchDefinition_WithWeightIgnoreAndSmoothing(Reduction reduction, bool weighted, double eps)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -4, 4, 7, 5);
            Tensor t = Classes(rng, 5, 2, 0.25, 7);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 5) : null;
            var reference = IndexReference(ToMatrix(x), t.ToArray<long>(), w?.ToDoubleArray(), 2, eps);
            AssertReduction(reduction, reference, Functional.CrossEntropy(x, t, w, 2, reduction, eps));
        }

        [Fact]
        public void NegativeSmoothing_IsTreatedAsNone()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -4, 4, 3, 4);
            Tensor t = Classes(rng, 4, -100, 0, 3);
            var reference = IndexReference(ToMatrix(x), t.ToArray<long>(), null, -100, 0);
            AssertClose(reference.Mean, Functional.CrossEntropy(x, t, labelSmoothing: -0.5), 1e-13);
        }

        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.Sum, 0.0)]
        [InlineData(Reduction.Mean, 0.2)]
        [InlineData(Reduction.None, 0.2)]
        public void ProbabilityTargets_MatchDefinition_MeanOverSamples(Reduction reduction, double eps)
        {
            var rng = new System.Random(Seed);
            int n = 4, c = 3;
            Tensor x = Uniform(rng, -4, 4, n, c);
            Tensor p = Probabilities(rng, n, c);
            Tensor w = Uniform(rng, 0.2, 2, c);
            var none = new double[n];
            for (int i = 0; i < n; i++)
            {
                double[] lsm = RefLogSoftmaxRow(Enumerable.Range(0, c).Select(j => x[i, j]).ToArray());
                for (int j = 0; j < c; j++)
                {
                    double q = ((1 - eps) * p[i, j]) + (eps / c);
                    none[i] -= w.GetDouble(j) * q * lsm[j];
                }
            }
            // 'mean' divides by the number of samples (numel / C), not by the weights.
            AssertReduction(reduction, (none, none.Sum(), none.Sum() / n), Functional.CrossEntropy(x, p, w, -100, reduction, eps));
        }

        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.Sum, 0.15)]
        [InlineData(Reduction.Mean, 0.15)]
        public void KDim_MatchesPerPositionDefinition(Reduction reduction, double eps)
        {
            var rng = new System.Random(Seed);
            int n = 2, c = 4, d = 5;
            Tensor x = Uniform(rng, -4, 4, n, c, d);
            Tensor t = Classes(rng, c, -100, 0.2, n, d);
            Tensor w = Uniform(rng, 0.2, 2, c);
            // Move the class dim last: one row per (b, position), then use the 2-D definition.
            var m = new double[n * d, c];
            var y = new long[n * d];
            for (int b = 0; b < n; b++)
            {
                for (int k = 0; k < d; k++)
                {
                    for (int j = 0; j < c; j++)
                    {
                        m[(b * d) + k, j] = x[b, j, k];
                    }
                    y[(b * d) + k] = (long)t[b, k];
                }
            }
            var reference = IndexReference(m, y, w.ToDoubleArray(), -100, eps);
            Tensor r = Functional.CrossEntropy(x, t, w, -100, reduction, eps);
            if (reduction == Reduction.None)
            {
                Assert.Equal([n, d], r.ShapeArray());
            }
            AssertReduction(reduction, reference, r);
        }

        [Fact]
        public void Unbatched_ZeroDimTarget_WeightedMeanIsPlainLoss()
        {
            double[] lsm = RefLogSoftmaxRow([1.0, 2.0, 3.0]);
            Tensor r = Functional.CrossEntropy(Tensor.Vector(1.0, 2.0, 3.0), Tensor.Scalar(1, DType.Int64), Tensor.Vector(1.0, 2.0, 3.0));
            AssertClose(-lsm[1], r, 1e-15);
            Tensor none = Functional.CrossEntropy(Tensor.Vector(1.0, 2.0, 3.0), Tensor.Vector(1L), reduction: Reduction.None);
            Assert.Equal(0, none.Dim);
            AssertClose(-lsm[1], none, 1e-15);
        }

        [Fact]
        public void LargeLogits_ShiftedByRowMax()
        {
            // log(1 + e^-1) = 0.31326168751822286; a global max would turn the second row into −∞ or NaN.
            var x = Tensor.FromArray(new double[] { 1000, 1001, -1000, -1001 }, 2, 2);
            Tensor r = Functional.CrossEntropy(x, Tensor.Vector(1L, 0L), reduction: Reduction.None);
            AssertClose([0.31326168751822286, 0.31326168751822286], r.ToDoubleArray(), 0, 1e-15);
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.1)]
        public void AllIgnored_MeanNaN_SumZero(double eps)
        {
            var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
            var t = Tensor.Vector(-100L, -100L);
            Assert.True(double.IsNaN(Functional.CrossEntropy(x, t, labelSmoothing: eps).GetDouble(0)));
            Assert.Equal(0.0, Functional.CrossEntropy(x, t, reduction: Reduction.Sum, labelSmoothing: eps).GetDouble(0));
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.1)]
        public void EmptyBatch_MeanNaN_SumZero_NoneEmpty(double eps)
        {
            var x = Tensor.Zeros(DType.Float32, 0, 3);
            var t = Tensor.Zeros(DType.Int64, 0);
            Assert.True(double.IsNaN(Functional.CrossEntropy(x, t, labelSmoothing: eps).GetDouble(0)));
            Assert.Equal(0.0, Functional.CrossEntropy(x, t, reduction: Reduction.Sum, labelSmoothing: eps).GetDouble(0));
            Assert.Equal([0], Functional.CrossEntropy(x, t, reduction: Reduction.None, labelSmoothing: eps).ShapeArray());
            Assert.True(double.IsNaN(Functional.CrossEntropy(x, Tensor.Zeros(DType.Float32, 0, 3)).GetDouble(0)));
        }

        [Fact]
        public void Float32InputFloat64Probabilities_GiveFloat64Loss_Float32Grad()
        {
            var x = Tensor.FromArray(new float[] { 0, 0 }, 1, 2);
            var p = Tensor.FromArray(new double[] { 0.5, 0.5 }, 1, 2);
            Tensor r = Functional.CrossEntropy(x, p);
            Assert.Equal(DType.Float64, r.DType);
            Assert.Equal((double)(float)Math.Log(2), r.GetDouble(0));
            Assert.Equal(DType.Float32, Functional.CrossEntropyBackward(Tensor.Scalar(1.0, DType.Float64), x, p).DType);
        }

        [Fact]
        public void SingleClass_LossAndGradientAreZero()
        {
            var x = Tensor.FromArray(new double[] { 3.5, -2 }, 2, 1);
            var t = Tensor.Vector(0L, 0L);
            Assert.Equal(0.0, Functional.CrossEntropy(x, t).GetDouble(0));
            Assert.Equal(new double[] { 0, 0 }, Functional.CrossEntropyBackward(Tensor.Scalar(1.0, DType.Float64), x, t).ToArray<double>());
        }

        [Fact]
        public void NaNLogit_PoisonsItsRowAndTheMean()
        {
            var x = Tensor.FromArray(new float[] { float.NaN, 0, 0, 0 }, 2, 2);
            var t = Tensor.Vector(1L, 1L);
            float[] none = Functional.CrossEntropy(x, t, reduction: Reduction.None).ToArray<float>();
            Assert.True(float.IsNaN(none[0]));
            Assert.Equal((float)Math.Log(2), none[1]);
            Assert.True(double.IsNaN(Functional.CrossEntropy(x, t).GetDouble(0)));
        }

        [Fact]
        public void PositiveInfinityLogit_GivesNaNRow()
        {
            // x − max is ∞ − ∞ = NaN for the infinite entry, so the whole row is NaN (as in libtorch).
            var x = Tensor.FromArray(new float[] { float.PositiveInfinity, 0 }, 1, 2);
            Assert.True(double.IsNaN(Functional.CrossEntropy(x, Tensor.Vector(0L)).GetDouble(0)));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false, 0.0)]
        [InlineData(Reduction.Mean, false, 0.0)]
        [InlineData(Reduction.Sum, false, 0.0)]
        [InlineData(Reduction.None, true, 0.0)]
        [InlineData(Reduction.Mean, true, 0.0)]
        [InlineData(Reduction.Sum, true, 0.0)]
        [InlineData(Reduction.None, true, 0.2)]
        [InlineData(Reduction.Mean, true, 0.2)]
        [InlineData(Reduction.Sum, true, 0.2)]
        [InlineData(Reduction.Mean, false, 0.2)]
        public void IndexTargets_MatchFiniteDifferences(Reduction reduction, bool weighted, double eps)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 5, 4);
            Tensor t = Classes(rng, 4, 3, 0.25, 5);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.CrossEntropy(xi, t, w, 3, reduction, eps),
                (g, xi) => Functional.CrossEntropyBackward(g, xi, t, w, 3, reduction, eps),
                x,
                rng);
        }

        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.Sum, 0.3)]
        [InlineData(Reduction.Mean, 0.3)]
        public void ProbabilityTargets_MatchFiniteDifferences(Reduction reduction, double eps)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 4, 5);
            Tensor p = Probabilities(rng, 4, 5);
            Tensor w = Uniform(rng, 0.2, 2, 5);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.CrossEntropy(xi, p, w, -100, reduction, eps),
                (g, xi) => Functional.CrossEntropyBackward(g, xi, p, w, -100, reduction, eps),
                x,
                rng);
        }

        [Theory]
        [InlineData(Reduction.None, 0.0)]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.None, 0.25)]
        [InlineData(Reduction.Mean, 0.25)]
        [InlineData(Reduction.Sum, 0.25)]
        public void KDim_MatchesFiniteDifferences(Reduction reduction, double eps)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 2, 3, 2, 2);
            Tensor t = Classes(rng, 3, -100, 0.2, 2, 2, 2);
            Tensor w = Uniform(rng, 0.2, 2, 3);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.CrossEntropy(xi, t, w, -100, reduction, eps),
                (g, xi) => Functional.CrossEntropyBackward(g, xi, t, w, -100, reduction, eps),
                x,
                rng);
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.4)]
        public void Unbatched_MatchesFiniteDifferences(double eps)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 6);
            Tensor t = Tensor.Scalar(2, DType.Int64);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.CrossEntropy(xi, t, labelSmoothing: eps),
                (g, xi) => Functional.CrossEntropyBackward(g, xi, t, labelSmoothing: eps),
                x,
                rng);
        }

        [Fact]
        public void Mean_IsSoftmaxMinusOneHotOverBatch()
        {
            // Two samples with equal logits: softmax = 1/2 each; grad = (1/2 − onehot)/2.
            var x = Tensor.FromArray(new double[] { 0, 0, 0, 0 }, 2, 2);
            Tensor g = Functional.CrossEntropyBackward(Tensor.Scalar(1.0, DType.Float64), x, Tensor.Vector(0L, 1L));
            Assert.Equal(new double[] { -0.25, 0.25, 0.25, -0.25 }, g.ToArray<double>());
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);

        [Fact]
        public void ProbabilityTargetChecks()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected floating point type for target with class probabilities, got Long", () => Functional.CrossEntropy(X23, Tensor.Zeros(DType.Int64, 2, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "ignore_index is not supported for floating point target", () => Functional.CrossEntropy(X23, Tensor.Zeros(DType.Float32, 2, 3), ignoreIndex: 1));
            AssertTorchError(TorchErrorKind.RuntimeError, "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]", () => Functional.CrossEntropy(X23, Tensor.Zeros(DType.Float32, 2, 3), Tensor.Vector(1f, 2f)));
        }

        [Fact]
        public void LabelSmoothingAboveOne()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", () => Functional.CrossEntropy(X23, Tensor.Vector(0L, 1L), labelSmoothing: 1.5));
            AssertTorchError(TorchErrorKind.RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", () => Functional.CrossEntropy(X23, Tensor.Zeros(DType.Float32, 2, 3), labelSmoothing: 1.5));
        }

        [Theory]
        [InlineData(2.0, "2")]
        [InlineData(1e10, "1e+10")]
        [InlineData(1.25, "1.25")]
        public void LabelSmoothing_PrintedAsCppDouble(double eps, string printed)
        {
            AssertTorchError(TorchErrorKind.RuntimeError, $"label_smoothing must be between 0.0 and 1.0. Got: {printed}", () => Functional.CrossEntropy(X23, Tensor.Vector(0L, 1L), labelSmoothing: eps));
        }

        [Fact]
        public void ZeroDimTargetForBatchedInput_BatchSizeZero()
        {
            AssertTorchError(TorchErrorKind.ValueError, "Expected input batch_size (2) to match target batch_size (0).", () => Functional.CrossEntropy(X23, Tensor.Scalar(1, DType.Int64)));
        }

        [Fact]
        public void UnbatchedTargetSize()
        {
            AssertTorchError(TorchErrorKind.ValueError, "For 1D input, 1D target must have size 1, but got target size: 2", () => Functional.CrossEntropy(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(0L, 1L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "output with shape [] doesn't match the broadcast shape [1]", () => Functional.CrossEntropy(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1L), labelSmoothing: 0.1));
        }

        [Fact]
        public void TargetOutOfBoundsAndDtype()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Target 3 is out of bounds.", () => Functional.CrossEntropy(X23, Tensor.Vector(0L, 3L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Float", () => Functional.CrossEntropy(X23, Tensor.Vector(0f, 1f)));
            AssertTorchError(TorchErrorKind.ValueError, "Expected input batch_size (2) to match target batch_size (3).", () => Functional.CrossEntropy(X23, Tensor.Vector(0L, 1L, 2L)));
        }

        [Fact]
        public void IntegerLogits_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", () => Functional.CrossEntropy(Tensor.Zeros(DType.Int64, 2, 3), Tensor.Vector(0L, 1L)));
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"softmax_kernel_impl\" not implemented for 'Long'", () => Functional.CrossEntropy(Tensor.Zeros(DType.Int64, 2, 3, 4), Tensor.Zeros(DType.Int64, 2, 4)));
        }

        [Fact]
        public void ZeroDimInput()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Dimension specified as 1 but tensor has no dimensions", () => Functional.CrossEntropy(Tensor.Scalar(1.0), Tensor.Scalar(1.0)));
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", () => Functional.CrossEntropy(Tensor.Scalar(1.0), Tensor.Vector(0L)));
        }
    }
}
