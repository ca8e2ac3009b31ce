using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;
using static Parity.Torch.Tests.Ops.Reference;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// <see cref="TorchBackend"/>: every argument of every op reaches libtorch's kernel. Each expected value is the op's
/// definition computed independently in double (<see cref="Reference"/>), and each test also shows that the
/// argument changes the result (so a dropped argument cannot pass).
/// </summary>
public sealed class TorchBackendTests
{
    private static TorchBackend Backend()
    {
        TorchAvailability.RequireTorch();
        return new TorchBackend();
    }

    private static double[] Ones(int n) => Enumerable.Repeat(1.0, n).ToArray();

    public sealed class Sigmoid
    {
        [Fact]
        public void Float64_ValueAndGradient_MatchFormula()
        {
            var x = Tensor.Vector(-30.0, -2.5, -0.0, 0.0, 1e-8, 3.25, 40.0);
            var g = Tensor.Vector(1.0, -2.0, 0.5, 3.0, 1.0, 0.25, 7.0);
            var r = Backend().Evaluate(TestOps.Call(TestOps.Sigmoid, x), grad: true, gradOutput: g);
            double[] y = x.ToDoubleArray().Select(Reference.Sigmoid).ToArray();
            AssertClose(y, r.Output, Float64Tolerance);
            AssertClose(y.Select((v, i) => g.GetDouble(i) * v * (1 - v)).ToArray(), r.Grad!, Float64Tolerance);
        }

        [Fact]
        public void Int64_ReturnsFloat32()
        {
            var r = Backend().Evaluate(TestOps.Call(TestOps.Sigmoid, Tensor.Vector(-1L, 0L, 2L)), grad: false);
            Assert.Equal(DType.Float32, r.Output.DType);
            AssertClose([Reference.Sigmoid(-1), 0.5, Reference.Sigmoid(2)], r.Output, Float32Tolerance);
        }
    }

    public sealed class Softmax
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(-1)]
        [InlineData(2)]
        public void Dim_NormalisesAlongThatDim(int dim)
        {
            var x = Logits(1, 2, 3, 4);
            var r = Backend().Evaluate(TestOps.Call(TestOps.Softmax, x, Dim: dim), grad: false);
            double[][] rows = RowsAlong(x, dim).Select(row => LogSoftmax(row).Select(Math.Exp).ToArray()).ToArray();
            AssertClose(FromRows(rows, x.ShapeArray(), dim), r.Output, Float64Tolerance);
        }

        [Theory]
        [InlineData(new[] { 5 }, 0)]
        [InlineData(new[] { 2, 5 }, 1)]
        [InlineData(new[] { 2, 3, 4 }, 1)]
        public void NoDim_UsesEffectiveDim(int[] shape, int expectedDim)
        {
            var x = Logits(2, shape);
            var r = Backend().Evaluate(TestOps.Call(TestOps.Softmax, x), grad: false);
            double[][] rows = RowsAlong(x, expectedDim).Select(row => LogSoftmax(row).Select(Math.Exp).ToArray()).ToArray();
            AssertClose(FromRows(rows, shape, expectedDim), r.Output, Float64Tolerance);
        }

        [Fact]
        public void Gradient_MatchesFiniteDifferences()
        {
            var x = Logits(3, 3, 4);
            var g = Logits(4, 3, 4);
            var r = Backend().Evaluate(TestOps.Call(TestOps.Softmax, x, Dim: 0), grad: true, gradOutput: g);
            double[] Softmax0(Tensor t) => FromRows(RowsAlong(t, 0).Select(row => LogSoftmax(row).Select(Math.Exp).ToArray()).ToArray(), t.ShapeArray(), 0);
            AssertClose(FiniteDifferenceGradient(x, Softmax0, g.ToDoubleArray()), r.Grad!, FiniteDifferenceTolerance);
        }
    }

    public sealed class LogSoftmaxOp
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        public void Dim_ValueAndGradient_MatchFormula(int dim)
        {
            var x = Logits(5, 3, 4);
            var g = Logits(6, 3, 4);
            var r = Backend().Evaluate(TestOps.Call(TestOps.LogSoftmax, x, Dim: dim), grad: true, gradOutput: g);
            double[][] outRows = RowsAlong(x, dim).Select(row => LogSoftmax(row)).ToArray();
            AssertClose(FromRows(outRows, [3, 4], dim), r.Output, Float64Tolerance);
            // d/dx of Σ g·log_softmax(x) = g − softmax(x)·Σ g, row by row.
            double[][] gRows = RowsAlong(g, dim);
            double[][] expected = outRows.Select((o, k) => o.Select((v, c) => gRows[k][c] - (Math.Exp(v) * gRows[k].Sum())).ToArray()).ToArray();
            AssertClose(FromRows(expected, [3, 4], dim), r.Grad!, Float64Tolerance);
        }

        [Fact]
        public void Float32_NoDimOnRank1_MatchesFormula()
        {
            var x = Tensor.Vector(0.5f, -1.25f, 3f, 0f, 2f);
            var r = Backend().Evaluate(TestOps.Call(TestOps.LogSoftmax, x), grad: false);
            Assert.Equal(DType.Float32, r.Output.DType);
            AssertClose(LogSoftmax(x.ToDoubleArray()), r.Output, Float32Tolerance);
        }
    }

    public sealed class BinaryCrossEntropy
    {
        private static readonly Tensor X = Tensor.FromArray(new[] { 0.1, 0.5, 0.9, 0.3, 0.999, 1e-3 }, 2, 3);
        private static readonly Tensor Y = Tensor.FromArray(new[] { 0.0, 1.0, 0.25, 1.0, 0.0, 0.6 }, 2, 3);
        private static readonly Tensor W = Tensor.Vector(0.5, 2.0, 3.0);

        private static double Item(int i, double[]? w) =>
            -(w?[i % 3] ?? 1) * ((Y.GetDouble(i) * Math.Log(X.GetDouble(i))) + ((1 - Y.GetDouble(i)) * Math.Log(1 - X.GetDouble(i))));

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Sum)]
        [InlineData(Reduction.Mean)]
        public void WeightBroadcastOverRows_EachReduction(Reduction reduction)
        {
            var b = Backend();
            double[] w = W.ToDoubleArray();
            var weighted = b.Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, X, Y, Weight: W, Reduction: reduction), grad: false);
            double[] items = Enumerable.Range(0, 6).Select(i => Item(i, w)).ToArray();
            // 'mean' divides by numel, never by the sum of weights.
            AssertClose(Reduce(items, reduction, 6), weighted.Output, Float64Tolerance);

            var plain = b.Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, X, Y, Reduction: reduction), grad: false);
            AssertClose(Reduce(Enumerable.Range(0, 6).Select(i => Item(i, null)).ToArray(), reduction, 6), plain.Output, Float64Tolerance);
        }

        [Fact]
        public void Float64WeightOnFloat32_Accepted_ResultFloat32()
        {
            var x = X.To(DType.Float32);
            var y = Y.To(DType.Float32);
            var r = Backend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, x, y, Weight: W, Reduction: Reduction.Sum), grad: false);
            Assert.Equal(DType.Float32, r.Output.DType);
            double expected = Enumerable.Range(0, 6).Sum(i =>
                -W.GetDouble(i % 3) * ((y.GetDouble(i) * Math.Log(x.GetDouble(i))) + ((1 - y.GetDouble(i)) * Math.Log(1 - x.GetDouble(i)))));
            AssertClose([expected], r.Output, Float32Tolerance);
        }

        [Fact]
        public void LogClampedAtMinus100()
        {
            var r = Backend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, Tensor.Vector(0.0, 1.0), Tensor.Vector(1.0, 0.0), Reduction: Reduction.None), grad: false);
            Assert.Equal([100.0, 100.0], r.Output.ToArray<double>());
        }

        [Fact]
        public void Gradient_Weighted_Mean_MatchesFormula()
        {
            var r = Backend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, X, Y, Weight: W), grad: true, gradOutput: Tensor.Scalar(2.0, DType.Float64));
            // ∂/∂x of mean(w·ℓ) = 2·w·(x − y) / (x(1 − x)) / numel
            double[] expected = Enumerable.Range(0, 6).Select(i =>
            {
                double x = X.GetDouble(i), y = Y.GetDouble(i);
                return 2 * W.GetDouble(i % 3) * (x - y) / (x * (1 - x)) / 6;
            }).ToArray();
            AssertClose(expected, r.Grad!, Float64Tolerance);
        }
    }

    public sealed class BinaryCrossEntropyWithLogits
    {
        private static readonly Tensor X = Tensor.FromArray(new[] { -3.0, -0.5, 0.0, 0.75, 2.0, 25.0 }, 2, 3);
        private static readonly Tensor Y = Tensor.FromArray(new[] { 0.0, 1.0, 0.5, 1.0, 0.0, 0.2 }, 2, 3);
        private static readonly Tensor W = Tensor.FromArray(new[] { 2.0, 0.25 }, 2, 1);
        private static readonly Tensor P = Tensor.Vector(3.0, 0.5, 10.0);

        /// <summary>ℓ = −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], weight [2, 1] and pos_weight [3] broadcast over [2, 3].</summary>
        private static double Item(int i, bool weight, bool posWeight)
        {
            double x = X.GetDouble(i), y = Y.GetDouble(i);
            double w = weight ? W.GetDouble(i / 3) : 1, p = posWeight ? P.GetDouble(i % 3) : 1;
            double logSig = -Math.Log(1 + Math.Exp(-x)), logOneMinusSig = -x + logSig;
            return -w * ((p * y * logSig) + ((1 - y) * logOneMinusSig));
        }

        [Theory]
        [InlineData(false, false, Reduction.None)]
        [InlineData(true, false, Reduction.Sum)]
        [InlineData(false, true, Reduction.None)]
        [InlineData(true, true, Reduction.Mean)]
        [InlineData(true, true, Reduction.None)]
        public void WeightAndPosWeight_MatchFormula(bool weight, bool posWeight, Reduction reduction)
        {
            var call = TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, X, Y, weight ? W : null, posWeight ? P : null, reduction);
            var r = Backend().Evaluate(call, grad: false);
            AssertClose(Reduce(Enumerable.Range(0, 6).Select(i => Item(i, weight, posWeight)).ToArray(), reduction, 6), r.Output, Float64Tolerance);
        }

        [Fact]
        public void Gradient_WithPosWeight_MatchesFormula()
        {
            var g = Logits(7, 2, 3);
            var r = Backend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, X, Y, W, P, Reduction.None), grad: true, gradOutput: g);
            // ∂ℓ/∂x = w·[(p·y + 1 − y)·σ(x) − p·y]
            double[] expected = Enumerable.Range(0, 6).Select(i =>
            {
                double x = X.GetDouble(i), y = Y.GetDouble(i), w = W.GetDouble(i / 3), p = P.GetDouble(i % 3);
                return g.GetDouble(i) * w * ((((p * y) + 1 - y) * Reference.Sigmoid(x)) - (p * y));
            }).ToArray();
            AssertClose(expected, r.Grad!, Float64Tolerance);
        }
    }

    public sealed class NllLoss
    {
        private static readonly Tensor X = Logits(11, 5, 4);
        private static readonly Tensor T = Tensor.Vector(0L, 3L, 2L, 3L, 1L);
        private static readonly double[] W = [0.5, 2.0, 1.5, 4.0];

        [Theory]
        [InlineData(Reduction.None, -100L)]
        [InlineData(Reduction.None, 3L)]
        [InlineData(Reduction.Sum, 3L)]
        [InlineData(Reduction.Mean, -100L)]
        [InlineData(Reduction.Mean, 3L)]
        [InlineData(Reduction.Mean, 0L)]
        public void IgnoreIndexAndWeight_MatchDefinition(Reduction reduction, long ignoreIndex)
        {
            var b = Backend();
            var weighted = b.Evaluate(TestOps.Call(TestOps.NllLoss, X, T, Tensor.Vector(W), Reduction: reduction, IgnoreIndex: ignoreIndex), grad: false);
            AssertClose(Reference.NllLoss(X, T, W, reduction, ignoreIndex), weighted.Output, Float64Tolerance);
            var plain = b.Evaluate(TestOps.Call(TestOps.NllLoss, X, T, Reduction: reduction, IgnoreIndex: ignoreIndex), grad: false);
            AssertClose(Reference.NllLoss(X, T, null, reduction, ignoreIndex), plain.Output, Float64Tolerance);
        }

        [Fact]
        public void IgnoreIndex_ChangesTheMean()
        {
            var b = Backend();
            double all = b.Evaluate(TestOps.Call(TestOps.NllLoss, X, T), grad: false).Output.GetDouble(0);
            double ignoring3 = b.Evaluate(TestOps.Call(TestOps.NllLoss, X, T, IgnoreIndex: 3), grad: false).Output.GetDouble(0);
            // Without class 3: rows 0, 2, 4, divided by 3.
            double expected = -(X[0, 0] + X[2, 2] + X[4, 1]) / 3;
            Assert.Equal(expected, ignoring3, Float64Tolerance);
            Assert.NotEqual(all, ignoring3);
        }

        [Fact]
        public void AllIgnored_MeanIsNaN_SumIsZero_GradientZero()
        {
            var b = Backend();
            var t = Tensor.Vector(2L, 2L);
            var x = Logits(12, 2, 3);
            var mean = b.Evaluate(TestOps.Call(TestOps.NllLoss, x, t, IgnoreIndex: 2), grad: true);
            Assert.True(double.IsNaN(mean.Output.GetDouble(0)));
            Assert.All(mean.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
            var sum = b.Evaluate(TestOps.Call(TestOps.NllLoss, x, t, Reduction: Reduction.Sum, IgnoreIndex: 2), grad: false);
            Assert.Equal(0.0, sum.Output.GetDouble(0));
        }

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Sum)]
        [InlineData(Reduction.Mean)]
        public void Input1D_ZeroDimTarget_IsZeroDim(Reduction reduction)
        {
            var x = Tensor.Vector(-0.5, -1.5, -2.5);
            var r = Backend().Evaluate(TestOps.Call(TestOps.NllLoss, x, Tensor.Scalar(1, DType.Int64), Tensor.Vector(W[..3]), Reduction: reduction), grad: false);
            Assert.Equal(0, r.Output.Dim);
            // 'none' equals 'sum' for 1-D input; weighted 'mean' is (−x·w)/w.
            Assert.Equal(reduction == Reduction.Mean ? 1.5 : 1.5 * W[1], r.Output.GetDouble(0), Float64Tolerance);
        }

        [Theory]
        [InlineData(new[] { 2, 3, 4 }, Reduction.None)]
        [InlineData(new[] { 2, 3, 2, 2 }, Reduction.None)]
        [InlineData(new[] { 2, 3, 2, 2 }, Reduction.Mean)]
        [InlineData(new[] { 2, 3, 2, 1, 3 }, Reduction.None)]
        [InlineData(new[] { 2, 3, 2, 1, 3 }, Reduction.Sum)]
        public void KDimensional_MatchesDefinition(int[] shape, Reduction reduction)
        {
            var x = Logits(13, shape);
            int[] targetShape = [shape[0], .. shape[2..]];
            var t = Tensor.Zeros(DType.Int64, targetShape);
            for (int i = 0; i < t.Numel; i++)
            {
                t.SetDouble(i, (i * 7) % 3 == 1 ? -100 : (i * 5) % 3);
            }
            var r = Backend().Evaluate(TestOps.Call(TestOps.NllLoss, x, t, Tensor.Vector(W[..3]), Reduction: reduction), grad: false);
            Assert.Equal(reduction == Reduction.None ? targetShape : [], r.Output.ShapeArray());
            AssertClose(Reference.NllLoss(x, t, W[..3], reduction, -100), r.Output, Float64Tolerance);
        }

        [Fact]
        public void Gradient_WeightedMeanWithIgnore_MatchesDefinition()
        {
            var r = Backend().Evaluate(TestOps.Call(TestOps.NllLoss, X, T, Tensor.Vector(W), IgnoreIndex: 3), grad: true, gradOutput: Tensor.Scalar(3.0, DType.Float64));
            // ∂/∂x[i, tᵢ] = −3·w[tᵢ] / Σ w[t] over non-ignored rows; zero elsewhere.
            double total = W[0] + W[2] + W[1];
            var expected = new double[20];
            foreach (int i in new[] { 0, 2, 4 })
            {
                long t = T.Int64Span[i];
                expected[(i * 4) + t] = -3 * W[t] / total;
            }
            AssertClose(expected, r.Grad!, Float64Tolerance);
        }
    }

    public sealed class CrossEntropy
    {
        private static readonly Tensor X = Logits(21, 6, 4);
        private static readonly Tensor T = Tensor.Vector(0L, 3L, 2L, 3L, 1L, 2L);
        private static readonly double[] W = [0.5, 2.0, 1.5, 4.0];

        [Theory]
        [InlineData(Reduction.Mean, 0.0, -100L, false)]
        [InlineData(Reduction.Mean, 0.1, -100L, false)]
        [InlineData(Reduction.Mean, 0.1, -100L, true)]
        [InlineData(Reduction.Mean, 0.3, 2L, true)]
        [InlineData(Reduction.Mean, 0.3, 2L, false)]
        [InlineData(Reduction.Sum, 0.25, 3L, true)]
        [InlineData(Reduction.None, 0.25, 3L, true)]
        [InlineData(Reduction.None, 1.0, -100L, false)]
        [InlineData(Reduction.Mean, -0.5, -100L, false)]
        public void LabelSmoothingIgnoreIndexWeight_MatchClosedForm(Reduction reduction, double smoothing, long ignoreIndex, bool weighted)
        {
            var call = TestOps.Call(TestOps.CrossEntropy, X, T, weighted ? Tensor.Vector(W) : null, Reduction: reduction, IgnoreIndex: ignoreIndex, LabelSmoothing: smoothing);
            var r = Backend().Evaluate(call, grad: false);
            // A negative label_smoothing is treated as none by libtorch.
            double effective = Math.Max(smoothing, 0);
            AssertClose(Reference.CrossEntropy(X, T, weighted ? W : null, reduction, ignoreIndex, effective), r.Output, Float64Tolerance);
        }

        [Fact]
        public void LabelSmoothing_ChangesTheResult()
        {
            var b = Backend();
            double plain = b.Evaluate(TestOps.Call(TestOps.CrossEntropy, X, T), grad: false).Output.GetDouble(0);
            double smoothed = b.Evaluate(TestOps.Call(TestOps.CrossEntropy, X, T, LabelSmoothing: 0.2), grad: false).Output.GetDouble(0);
            Assert.NotEqual(plain, smoothed, 1e-6);
        }

        [Theory]
        [InlineData(Reduction.Mean, 0.0, false)]
        [InlineData(Reduction.Mean, 0.2, true)]
        [InlineData(Reduction.Sum, 0.0, true)]
        [InlineData(Reduction.None, 0.4, true)]
        public void ProbabilityTargets_MatchClosedForm(Reduction reduction, double smoothing, bool weighted)
        {
            var p = Tensor.Zeros(DType.Float64, 6, 4);
            double[][] rows = RowsAlong(Logits(22, 6, 4), 1).Select(row => LogSoftmax(row).Select(Math.Exp).ToArray()).ToArray();
            for (int i = 0; i < 24; i++)
            {
                p.SetDouble(i, rows[i / 4][i % 4]);
            }
            var call = TestOps.Call(TestOps.CrossEntropy, X, p, weighted ? Tensor.Vector(W) : null, Reduction: reduction, LabelSmoothing: smoothing);
            var r = Backend().Evaluate(call, grad: false);
            AssertClose(CrossEntropyProbabilities(X, p, weighted ? W : null, reduction, smoothing), r.Output, Float64Tolerance);
        }

        [Theory]
        [InlineData(new[] { 2, 4, 3 }, Reduction.None)]
        [InlineData(new[] { 2, 4, 3 }, Reduction.Mean)]
        [InlineData(new[] { 2, 4, 2, 2 }, Reduction.Sum)]
        [InlineData(new[] { 1, 4, 2, 1, 3 }, Reduction.Mean)]
        public void KDimensional_SmoothingIgnoreWeight_MatchClosedForm(int[] shape, Reduction reduction)
        {
            var x = Logits(23, shape);
            int[] targetShape = [shape[0], .. shape[2..]];
            var t = Tensor.Zeros(DType.Int64, targetShape);
            for (int i = 0; i < t.Numel; i++)
            {
                t.SetDouble(i, (i * 3) % 5 == 4 ? 7 : (i * 3) % 5 % 4);
            }
            var call = TestOps.Call(TestOps.CrossEntropy, x, t, Tensor.Vector(W), Reduction: reduction, IgnoreIndex: 7, LabelSmoothing: 0.15);
            var r = Backend().Evaluate(call, grad: false);
            AssertClose(Reference.CrossEntropy(x, t, W, reduction, 7, 0.15), r.Output, Float64Tolerance);
        }

        [Fact]
        public void Input1D_ZeroDimTarget()
        {
            var x = Tensor.Vector(0.5, -1.0, 2.0);
            var r = Backend().Evaluate(TestOps.Call(TestOps.CrossEntropy, x, Tensor.Scalar(2, DType.Int64)), grad: false);
            Assert.Equal(0, r.Output.Dim);
            Assert.Equal(-LogSoftmax(x.ToDoubleArray())[2], r.Output.GetDouble(0), Float64Tolerance);
        }

        [Theory]
        [InlineData(0.0, false, Reduction.Mean)]
        [InlineData(0.2, true, Reduction.Mean)]
        [InlineData(0.2, true, Reduction.None)]
        public void Gradient_MatchesFiniteDifferences(double smoothing, bool weighted, Reduction reduction)
        {
            double[]? w = weighted ? W : null;
            var call = TestOps.Call(TestOps.CrossEntropy, X, T, weighted ? Tensor.Vector(W) : null, Reduction: reduction, IgnoreIndex: 3, LabelSmoothing: smoothing);
            double[] g = reduction == Reduction.None ? Logits(24, 6).ToDoubleArray() : [1.5];
            var gradOutput = reduction == Reduction.None ? Tensor.FromArray(g, 6) : Tensor.Scalar(g[0], DType.Float64);
            var r = Backend().Evaluate(call, grad: true, gradOutput: gradOutput);
            double[] expected = FiniteDifferenceGradient(X, x => Reference.CrossEntropy(x, T, w, reduction, 3, smoothing), g);
            AssertClose(expected, r.Grad!, FiniteDifferenceTolerance);
        }

        [Fact]
        public void Float32_MatchesClosedForm()
        {
            var x = X.To(DType.Float32);
            var r = Backend().Evaluate(TestOps.Call(TestOps.CrossEntropy, x, T, Tensor.Vector(W.Select(v => (float)v).ToArray()), LabelSmoothing: 0.1), grad: false);
            Assert.Equal(DType.Float32, r.Output.DType);
            AssertClose(Reference.CrossEntropy(x, T, W, Reduction.Mean, -100, 0.1), r.Output, Float32Tolerance);
        }
    }

    public sealed class Edges
    {
        [Theory]
        [InlineData("nll_loss", 0.0)]
        [InlineData("cross_entropy", 0.0)]
        [InlineData("cross_entropy", 0.2)]
        public void EmptyBatch_MeanNaN_SumZero_NoneEmpty(string opName, double smoothing)
        {
            var op = OpCatalog.Get(opName);
            var b = Backend();
            var x = Tensor.Zeros(DType.Float32, 0, 4);
            var t = Tensor.Zeros(DType.Int64, 0);
            var mean = b.Evaluate(TestOps.Call(op, x, t, LabelSmoothing: smoothing), grad: true);
            Assert.Equal(0, mean.Output.Dim);
            Assert.True(float.IsNaN(mean.Output.Float32Span[0]));
            Assert.Equal(new[] { 0, 4 }, mean.Grad!.ShapeArray());
            var sum = b.Evaluate(TestOps.Call(op, x, t, Reduction: Reduction.Sum, LabelSmoothing: smoothing), grad: false);
            Assert.Equal(0f, sum.Output.Float32Span[0]);
            var none = b.Evaluate(TestOps.Call(op, x, t, Reduction: Reduction.None, LabelSmoothing: smoothing), grad: false);
            Assert.Equal(new[] { 0 }, none.Output.ShapeArray());
        }

        [Theory]
        [InlineData("binary_cross_entropy")]
        [InlineData("binary_cross_entropy_with_logits")]
        public void BinaryEmpty_MeanNaN_SumZero(string opName)
        {
            var op = OpCatalog.Get(opName);
            var b = Backend();
            var x = Tensor.Zeros(DType.Float64, 0, 3);
            Assert.True(double.IsNaN(b.Evaluate(TestOps.Call(op, x, x), grad: false).Output.GetDouble(0)));
            Assert.Equal(0.0, b.Evaluate(TestOps.Call(op, x, x, Reduction: Reduction.Sum), grad: false).Output.GetDouble(0));
        }

        [Fact]
        public void OneClass_CrossEntropyZero_GradientZero()
        {
            // log_softmax over a single class is exactly 0, so the loss and its gradient are 0 whatever the logits.
            var x = Tensor.FromArray(new[] { -3.5, 0.0, 42.0 }, 3, 1);
            var r = Backend().Evaluate(TestOps.Call(TestOps.CrossEntropy, x, Tensor.Vector(0L, 0L, 0L), Reduction: Reduction.Sum), grad: true);
            Assert.Equal(0.0, r.Output.GetDouble(0));
            Assert.All(r.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
        }
    }

    public sealed class Gradients
    {
        [Fact]
        public void NullGradOutput_IsOnes()
        {
            var b = Backend();
            var x = Logits(31, 2, 3);
            var call = TestOps.Call(TestOps.LogSoftmax, x);
            var implicitOnes = b.Evaluate(call, grad: true);
            var explicitOnes = b.Evaluate(call, grad: true, gradOutput: Tensor.FromArray(Ones(6), 2, 3));
            Assert.True(implicitOnes.Grad!.BitEquals(explicitOnes.Grad!));
        }

        [Fact]
        public void GradOutputOfWrongShape_RaisesAutogradsPythonText()
        {
            var call = TestOps.Call(TestOps.CrossEntropy, Logits(32, 2, 3), Tensor.Vector(0L, 1L));
            var e = Assert.Throws<TorchException>(() => Backend().Evaluate(call, grad: true, gradOutput: Tensor.Vector(1.0, 1.0)));
            Assert.Equal(TorchErrorKind.RuntimeError, e.Kind);
            Assert.Equal("Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).", e.Message);
        }

        [Fact]
        public void GradOutputFloat32ForFloat64Output_CastLikeAutograd()
        {
            var b = Backend();
            var call = TestOps.Call(TestOps.Sigmoid, Tensor.Vector(0.5, -1.0));
            var narrow = b.Evaluate(call, grad: true, gradOutput: Tensor.Vector(2f, 3f));
            var wide = b.Evaluate(call, grad: true, gradOutput: Tensor.Vector(2.0, 3.0));
            Assert.True(wide.Grad!.BitEquals(narrow.Grad!));
        }

        [Fact]
        public void NotRequested_IsNull()
        {
            var r = Backend().Evaluate(TestOps.Call(TestOps.Sigmoid, Tensor.Vector(1.0)), grad: false);
            Assert.Null(r.Grad);
        }
    }

    public sealed class Construction
    {
        [Fact]
        public void Default_SetsOneThread_AndNamesItselfTorch()
        {
            var b = Backend();
            Assert.Equal("torch", b.Name);
            Assert.Equal(1, b.Threads);
            Assert.Equal(1, TorchSharp.torch.get_num_threads());
        }

        [Fact]
        public void ZeroThreads_Rejected()
        {
            TorchAvailability.RequireTorch();
            Assert.Throws<ArgumentOutOfRangeException>(() => new TorchBackend(0));
        }

        [Fact]
        public void LossWithoutTarget_IsAnArgumentError()
        {
            var e = Assert.Throws<ArgumentException>(() => Backend().Evaluate(TestOps.Call(TestOps.NllLoss, Logits(1, 2, 3)), grad: false));
            Assert.StartsWith("nll_loss needs a 'target' tensor", e.Message, StringComparison.Ordinal);
        }
    }
}
