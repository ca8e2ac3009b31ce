using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

/// <summary>
/// The native side of the fuzz findings (docs/fuzz-findings.md) F1, F2, F4, F5, F6a. Expected errors are
/// libtorch's texts and expected values are libtorch's results, both observed through TorchBackend (libtorch 2.10.0,
/// CPU) and written here, or exact formulas.
/// </summary>
public class FuzzFindingTests
{
    private static Tensor Ones0D(DType dtype) => Tensor.Scalar(1.0, dtype);

    /// <summary>F1: a (C) input with a (1) target passes the forward; libtorch's nll_loss_backward checks
    /// input.size(0) == target.size(0) and raises.</summary>
    public class F1UnbatchedTarget
    {
        private static readonly Tensor Input = Tensor.Vector(-1f, -2f, -3f);

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void NllLossBackward_RaisesSizeMismatch(Reduction reduction) =>
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [3], target: [1])",
                () => Functional.NllLossBackward(Ones0D(DType.Float32), Input, Tensor.Vector(2L), reduction: reduction));

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void CrossEntropyBackward_RaisesSizeMismatch(Reduction reduction) =>
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [3], target: [1])",
                () => Functional.CrossEntropyBackward(Ones0D(DType.Float32), Input, Tensor.Vector(2L), reduction: reduction));

        [Fact]
        public void IgnoredOrWeighted_StillRaises()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [3], target: [1])",
                () => Functional.NllLossBackward(Ones0D(DType.Float32), Input, Tensor.Vector(-100L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [3], target: [1])",
                () => Functional.NllLossBackward(Ones0D(DType.Float64), Tensor.Vector(-1.0, -2.0, -3.0), Tensor.Vector(2L), Tensor.Vector(1.0, 2.0, 3.0), reduction: Reduction.Sum));
        }

        [Fact]
        public void Forward_StillReturnsTheLoss() =>
            Assert.Equal(3.0, Functional.NllLoss(Input, Tensor.Vector(2L), reduction: Reduction.Sum).GetDouble(0));

        [Fact]
        public void OneClass_GradientIsMinusOne()
        {
            // C = 1 = target.size(0): libtorch's check passes and returns d(−x[0])/dx = −1.
            Tensor g = Functional.NllLossBackward(Ones0D(DType.Float32), Tensor.Vector(-1.5f), Tensor.Vector(0L), reduction: Reduction.Sum);
            Assert.Equal(new[] { -1f }, g.ToArray<float>());
        }
    }

    /// <summary>F2: an empty batch with a non-int64 class target. The forward's mean/sum never read the target; the
    /// backward does.</summary>
    public class F2EmptyBatchFloatTarget
    {
        [Theory]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void NllLossBackward_RaisesTargetType(Reduction reduction) =>
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Double",
                () => Functional.NllLossBackward(Ones0D(DType.Float64), Tensor.Zeros(DType.Float64, 0, 3), Tensor.Zeros(DType.Float64, 0), reduction: reduction));

        [Theory]
        [InlineData(Reduction.Mean, 0.0)]
        [InlineData(Reduction.Sum, 0.1)]
        public void CrossEntropyBackward_RaisesTargetType(Reduction reduction, double smoothing) =>
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Float",
                () => Functional.CrossEntropyBackward(Ones0D(DType.Float32), Tensor.Zeros(DType.Float32, 0, 3, 2), Tensor.Zeros(DType.Float32, 0, 2),
                    reduction: reduction, labelSmoothing: smoothing));

        [Fact]
        public void Forward_MeanNaN_SumZero()
        {
            var x = Tensor.Zeros(DType.Float64, 0, 3);
            var t = Tensor.Zeros(DType.Float64, 0);
            Assert.True(double.IsNaN(Functional.NllLoss(x, t).GetDouble(0)));
            Assert.Equal(0.0, Functional.NllLoss(x, t, reduction: Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Int64Target_GradientEmpty()
        {
            Tensor g = Functional.NllLossBackward(Ones0D(DType.Float64), Tensor.Zeros(DType.Float64, 0, 3), Tensor.Zeros(DType.Int64, 0));
            Assert.Equal([0, 3], g.ShapeArray());
        }
    }

    /// <summary>F4: nll_loss_nd views a 3-D or ≥5-D input with no elements as (N, C, 0, 0) and a non-empty target as
    /// (N, 1, numel / N); nll_loss2d's size check then fails before the target's dtype and values are read.</summary>
    public class F4EmptyClasses
    {
        [Theory]
        [InlineData(Reduction.None, 0L)]
        [InlineData(Reduction.Mean, 0L)]
        [InlineData(Reduction.Sum, -1L)]
        [InlineData(Reduction.None, -100L)]
        public void NllLoss_ThreeD_SizeMismatch(Reduction reduction, long target)
        {
            var x = Tensor.Zeros(DType.Float32, 1, 0, 1);
            var t = Tensor.FromArray([target], 1, 1);
            const string Message = "size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]";
            AssertTorchError(TorchErrorKind.RuntimeError, Message, () => Functional.NllLoss(x, t, reduction: reduction));
            AssertTorchError(TorchErrorKind.RuntimeError, Message, () => Functional.CrossEntropy(x, t, reduction: reduction));
            AssertTorchError(TorchErrorKind.RuntimeError, Message, () => Functional.CrossEntropy(x, t, reduction: reduction, labelSmoothing: 0.3));
        }

        [Fact]
        public void FiveD_FloatTarget_SizeMismatchFirst() =>
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]",
                () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 1, 0, 1, 1, 1), Tensor.FromArray([1f], 1, 1, 1, 1)));

        [Fact]
        public void FiveD_TargetViewedAsBatchByNumelOverBatch() =>
            AssertTorchError(TorchErrorKind.RuntimeError, "size mismatch (got input: [2, 0, 0, 0] , target: [2, 1, 2]",
                () => Functional.CrossEntropy(Tensor.Zeros(DType.Float32, 2, 0, 1, 2, 1), Tensor.FromArray([1L, 0, 1, 0], 2, 1, 2, 1)));

        [Fact]
        public void EmptyWeight_CheckedBeforeTheSizes() =>
            AssertTorchError(TorchErrorKind.RuntimeError, "weight tensor should be defined either for all or no classes",
                () => Functional.NllLoss(Tensor.Zeros(DType.Float32, 1, 0, 1), Tensor.FromArray([0L], 1, 1), Tensor.Vector(1f)));

        [Fact]
        public void EmptyPositions_StillAnEmptyLoss()
        {
            // (2, 3, 0) input, (2, 0) target: both have no elements, both views are empty, no error.
            Tensor r = Functional.NllLoss(Tensor.Zeros(DType.Float32, 2, 3, 0), Tensor.Zeros(DType.Int64, 2, 0), reduction: Reduction.None);
            Assert.Equal([2, 0], r.ShapeArray());
        }
    }

    /// <summary>F5: label smoothing's smooth_loss.masked_fill_(ignored, 0) hands ignored rows a zero gradient that
    /// autograd still multiplies by w[c]; 0·±∞ and 0·NaN are NaN.</summary>
    public class F5SmoothingIgnoredRows
    {
        [Fact]
        public void InfiniteWeight_IgnoredRowNaN()
        {
            // libtorch: output 0, grad [[nan, nan]] (fuzz case cross_entropy seed=2 case=208).
            var x = Tensor.FromArray([0f, 0f], 1, 2);
            var w = Tensor.Vector(float.PositiveInfinity, 0f);
            Assert.Equal(0f, Functional.CrossEntropy(x, Tensor.Vector(-100L), w, reduction: Reduction.Sum, labelSmoothing: 1).ToArray<float>()[0]);
            float[] g = Functional.CrossEntropyBackward(Ones0D(DType.Float32), x, Tensor.Vector(-100L), w, reduction: Reduction.Sum, labelSmoothing: 1).ToArray<float>();
            Assert.All(g, v => Assert.True(float.IsNaN(v)));
        }

        [Fact]
        public void IgnoreIndexAValidClass_Spatial_ColumnNaN()
        {
            // libtorch: input (1, 7, 1) zeros, target [[6]], ignore_index 6, w[5] = ∞, ε = 1.77e-45, sum → grad all NaN.
            var x = Tensor.Zeros(DType.Float32, 1, 7, 1);
            var w = Tensor.Vector(1f, 1f, 1f, 1f, 1f, float.PositiveInfinity, 1f);
            float[] g = Functional.CrossEntropyBackward(Ones0D(DType.Float32), x, Tensor.FromArray([6L], 1, 1), w, 6, Reduction.Sum, 1.77e-45).ToArray<float>();
            Assert.Equal(7, g.Length);
            Assert.All(g, v => Assert.True(float.IsNaN(v)));
        }

        [Fact]
        public void NaNWeight_Float64Mean_RowNaN()
        {
            // libtorch: output NaN, grad [[nan, nan]].
            var x = Tensor.FromArray([0.5, -1.0], 1, 2);
            var w = Tensor.Vector(double.NaN, 0.0);
            double[] g = Functional.CrossEntropyBackward(Ones0D(DType.Float64), x, Tensor.Vector(-100L), w, labelSmoothing: 0.5).ToDoubleArray();
            Assert.All(g, v => Assert.True(double.IsNaN(v)));
        }

        [Fact]
        public void FiniteWeight_IgnoredRowZero_OtherRowByFormula()
        {
            // With finite weights the ignored row 0 still gets exactly 0 and row 1 the ordinary smoothed gradient.
            var x = Tensor.FromArray([0.0, 0.0, 1.0, 2.0], 2, 2);
            var t = Tensor.Vector(-100L, 1L);
            double[] finite = Functional.CrossEntropyBackward(Ones0D(DType.Float64), x, t, Tensor.Vector(2.0, -3.0), reduction: Reduction.Sum, labelSmoothing: 0.5).ToDoubleArray();
            Assert.Equal(0.0, finite[0]);
            Assert.Equal(0.0, finite[1]);
            // Row 1 by formula: ℓ = (1 − ε)·(−w1·lsm1) − (ε/2)·(w0·lsm0 + w1·lsm1); ∂ℓ/∂x = gl − softmax·Σgl.
            double p0 = 1 / (1 + Math.Exp(1)), p1 = 1 - p0;
            double gl0 = -0.25 * 2.0, gl1 = (-0.5 * -3.0) - (0.25 * -3.0);
            double sum = gl0 + gl1;
            AssertClose([gl0 - (p0 * sum), gl1 - (p1 * sum)], finite[2..], 1e-15, 1e-14);
        }
    }

    /// <summary>F6a: a 0-D float64 pos_weight next to a float32 target. t = pos_weight·target is float32 (a 0-D tensor
    /// does not widen a tensor with dimensions) and libtorch's backward runs in place in it.</summary>
    public class F6aZeroDimPosWeight
    {
        [Fact]
        public void Float64Input_Float32Target_GradientBitsOfLibtorch()
        {
            // libtorch (fuzz case binary_cross_entropy_with_logits seed=2 case=9155): [-0, 0.1666666716337204, -1.6666670459232632e28].
            Tensor g = Functional.BinaryCrossEntropyWithLogitsBackward(Ones0D(DType.Float32),
                Tensor.FromArray([0.0, 0.0, 0.0], 1, 1, 1, 3), Tensor.FromArray([1f, 0f, 0.5f], 1, 1, 1, 3),
                Tensor.FromArray([0.0, 1.0, 1e30], 1, 1, 1, 3), Tensor.Scalar(1.2, DType.Float64));
            double[] v = g.ToDoubleArray();
            Assert.Equal(DType.Float64, g.DType);
            Assert.True(double.IsNegative(v[0]) && v[0] == 0);
            Assert.Equal(0.1666666716337204, v[1]);
            Assert.Equal(-1.6666670459232632e28, v[2]);
        }

        [Fact]
        public void Float32Input_Float64ZeroDimPosWeight_GradientBitsOfLibtorch()
        {
            // libtorch, mean: the float32 chain (before the fix native worked in float64 and was 2 ulp off).
            Tensor g = Functional.BinaryCrossEntropyWithLogitsBackward(Ones0D(DType.Float32), X, Y32, posWeight: Tensor.Scalar(1.3, DType.Float64));
            Assert.Equal(new[] { -0.092204124f, 0.025744209f, 0.1071921f, -0.045795858f, 0.14885105f, -0.12971565f }, g.ToArray<float>());
        }

        [Fact]
        public void Float32Input_Float64Target_NoPosWeight_GradientBitsOfLibtorch()
        {
            // libtorch, mean: input.sigmoid().sub_(target) stays float32 (before the fix native used float64, 1 ulp off).
            Tensor g = Functional.BinaryCrossEntropyWithLogitsBackward(Ones0D(DType.Float64), X, Tensor.FromArray([1.0, 0.0, 0.3, 0.7, 0.1, 1.0], 2, 3));
            Assert.Equal(new[] { -0.07092625f, 0.025744209f, 0.10797441f, -0.029170139f, 0.14888452f, -0.099781275f }, g.ToArray<float>());
        }

        [Fact]
        public void ZeroDimFloat64Weight_RoundedToFloat32First()
        {
            // loss.mul_(weight) on a float32 loss with a 0-D float64 weight computes in float32: ln 2 · f32(0.3), not
            // f32(ln 2 · 0.3) (they differ by 1 ulp; libtorch gives 0.20794417f).
            Tensor r = Functional.BinaryCrossEntropyWithLogits(Tensor.Vector(0f, 0f), Tensor.Vector(0f, 0f), Tensor.Scalar(0.3, DType.Float64), reduction: Reduction.None);
            float ln2 = (float)Math.Log(2);
            Assert.Equal(new[] { ln2 * 0.3f, ln2 * 0.3f }, r.ToArray<float>());
            Assert.Equal(0.20794417f, r.ToArray<float>()[0]);
        }

        [Fact]
        public void SubnormalZeroDimWeight_InfiniteLoss_NaN()
        {
            // Fuzz case binary_cross_entropy_with_logits seed=1 case=11636 (libtorch: output NaN, grad [[[NaN]]]): with
            // pos_weight ∞ the float32 loss is +∞, and the 0-D float64 weight 5e-324 becomes 0 in float32: ∞·0 = NaN.
            var x = Tensor.FromArray([0.0], 1, 1, 1);
            var y = Tensor.FromArray([0.5f], 1, 1, 1);
            var w = Tensor.Scalar(5e-324, DType.Float64);
            var pw = Tensor.Vector(double.PositiveInfinity);
            Assert.True(double.IsNaN(Functional.BinaryCrossEntropyWithLogits(x, y, w, pw).GetDouble(0)));
            Assert.True(double.IsNaN(Functional.BinaryCrossEntropyWithLogitsBackward(Ones0D(DType.Float32), x, y, w, pw).GetDouble(0)));
        }

        private static readonly Tensor X = Tensor.FromArray([0.3f, -1.7f, 2.9f, 0.1f, 5.0f, -0.4f], 2, 3);

        private static readonly Tensor Y32 = Tensor.FromArray([1f, 0f, 0.3f, 0.7f, 0.1f, 1f], 2, 3);
    }
}
