using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class MultilabelMarginLossTests
{
    /// <summary>(1/C)·Σ_{j∈T} Σ_{i∉T} max(0, 1 − x_j + x_i) per row, T = the targets before the first −1, in float64.</summary>
    private static double[] Reference(Tensor x, long[,] t, int n, int c)
    {
        var r = new double[n];
        for (int row = 0; row < n; row++)
        {
            var targets = new List<long>();
            for (int k = 0; k < c && t[row, k] >= 0; k++)
            {
                targets.Add(t[row, k]);
            }
            double s = 0;
            foreach (long j in targets)
            {
                for (int i = 0; i < c; i++)
                {
                    if (!targets.Contains(i))
                    {
                        s += Math.Max(0, 1 - x.GetDouble((row * c) + (int)j) + x.GetDouble((row * c) + i));
                    }
                }
            }
            r[row] = s / c;
        }
        return r;
    }

    private static readonly long[,] T3 = { { 3, 0, -1, 1, 1 }, { 4, 4, 1, 2, -1 }, { 0, 1, 2, 3, 4 } };

    private static Tensor Targets(long[,] t) => Tensor.FromArray(t.Cast<long>().ToArray(), t.GetLength(0), t.GetLength(1));

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void Float64_MatchesPlainLoop(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -1, 1, 3, 5);
            double[] reference = Reference(x, T3, 3, 5);
            Tensor r = Functional.MultilabelMarginLoss(x, Targets(T3), reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 1e-16, 1e-14);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r);
                    break;
                default:
                    AssertClose(reference.Sum() / 3, r);
                    break;
            }
        }

        [Fact]
        public void LibTorch_Float32_TargetsEndAtTheFirstMinusOne()
        {
            // libtorch: multilabel_margin_loss(A(3, 5), T3, reduction); row 0 lists {3, 0} (the 1s after −1 are ignored), row 1
            // {4, 4, 1, 2} (4 counted twice), row 2 every class (no non-targets, loss 0).
            Tensor x = MarginData.A(DType.Float32, 3, 5);
            MarginData.Bits([1.7663367f, 2.4673266f, 0f], Functional.MultilabelMarginLoss(x, Targets(T3), Reduction.None));
            MarginData.Bits([1.4112211f], Functional.MultilabelMarginLoss(x, Targets(T3)));
            MarginData.Bits([4.2336636f], Functional.MultilabelMarginLoss(x, Targets(T3), Reduction.Sum));
        }

        [Fact]
        public void LibTorch_OneAndZeroDimensional_GiveZeroDimEvenForNone()
        {
            Tensor r = Functional.MultilabelMarginLoss(Tensor.Vector(0.1f, 0.9f, 0.4f, 0.8f), Tensor.Vector(3L, 0L, -1L, 1L), Reduction.None);
            Assert.Equal(0, r.Dim);
            MarginData.Bits([1.1999999f], r);
            MarginData.Bits([0f], Functional.MultilabelMarginLoss(Tensor.Scalar(0.3), Tensor.FromArray(new long[] { 0 }), Reduction.None));
            MarginData.Bits([0f], Functional.MultilabelMarginLoss(Tensor.Scalar(0.3), Tensor.Vector(-1L), Reduction.None));
        }

        [Fact]
        public void Kink_ZeroViolation_ContributesNothing()
        {
            MarginData.Bits([0.16666666666666666], Functional.MultilabelMarginLoss(MarginData.F64([0, 1, 0.5], 1, 3), Tensor.FromArray(new long[] { 1, -1, 0 }, 1, 3), Reduction.Sum));
        }

        [Fact]
        public void EmptyBatch_IsWhatTheFormulaGives()
        {
            // libtorch: 'none' gives (0); 'mean'/'sum' return uninitialised memory there.
            Tensor e = Tensor.Zeros(DType.Float32, 0, 3);
            Tensor t = Tensor.FromArray(Array.Empty<long>(), 0, 3);
            Assert.Equal([0], Functional.MultilabelMarginLoss(e, t, Reduction.None).ShapeArray());
            Assert.True(double.IsNaN(Functional.MultilabelMarginLoss(e, t).GetDouble(0)));
            Assert.Equal(0.0, Functional.MultilabelMarginLoss(e, t, Reduction.Sum).GetDouble(0));
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
            Tensor x = Uniform(rng, -1, 1, 3, 5);
            MarginData.FdCheck(xi => Functional.MultilabelMarginLoss(xi, Targets(T3), reduction), (g, xi) => Functional.MultilabelMarginLossBackward(g, xi, Targets(T3), reduction), x);
        }

        [Fact]
        public void LibTorch_Float32Mean()
        {
            var g = Functional.MultilabelMarginLossBackward(Tensor.Scalar(1.0), MarginData.A(DType.Float32, 3, 5), Targets(T3));
            MarginData.Bits([-0.20000002f, 0.13333334f, 0.13333334f, -0.20000002f, 0.13333334f, 0.26666668f, -0.13333334f, -0.13333334f, 0.26666668f, -0.26666668f, 0f, 0f, 0f, 0f, 0f], g);
        }

        [Fact]
        public void LibTorch_Kink_HasNoGradient()
        {
            MarginData.Bits([0.0, -0.3333333333333333, 0.3333333333333333], Functional.MultilabelMarginLossBackward(Tensor.Scalar(1.0, DType.Float64), MarginData.F64([0, 1, 0.5], 1, 3), Tensor.FromArray(new long[] { 1, -1, 0 }, 1, 3), Reduction.Sum));
        }
    }

    public class Errors
    {
        private static readonly Tensor X = Tensor.Zeros(DType.Float32, 1, 4);

        [Fact]
        public void InputShape()
        {
            // libtorch texts.
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [1, 1, 4]",
                () => Functional.MultilabelMarginLoss(Tensor.Zeros(DType.Float32, 1, 1, 4), Tensor.FromArray(new long[4], 1, 1, 4)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 0]",
                () => Functional.MultilabelMarginLoss(Tensor.Zeros(DType.Float32, 2, 0), Tensor.FromArray(Array.Empty<long>(), 2, 0)));
        }

        [Fact]
        public void TargetShape()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "inconsistent target size: [1, 3] for input of size: [1, 4]",
                () => Functional.MultilabelMarginLoss(X, Tensor.FromArray(new long[3], 1, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "inconsistent target size: [1, 4] for input of size: [4]",
                () => Functional.MultilabelMarginLoss(Tensor.Zeros(DType.Float32, 4), Tensor.FromArray(new long[4], 1, 4)));
        }

        [Fact]
        public void TargetRange_EvenAfterTheFirstMinusOne()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "argument #2 'target' is out of range", () => Functional.MultilabelMarginLoss(X, Tensor.FromArray(new long[] { 4, -1, 0, 0 }, 1, 4)));
            AssertTorchError(TorchErrorKind.RuntimeError, "argument #2 'target' is out of range", () => Functional.MultilabelMarginLoss(X, Tensor.FromArray(new long[] { 0, -2, 0, 0 }, 1, 4)));
            AssertTorchError(TorchErrorKind.RuntimeError, "argument #2 'target' is out of range", () => Functional.MultilabelMarginLoss(X, Tensor.FromArray(new long[] { 0, -1, 9, 0 }, 1, 4)));
            AssertTorchError(TorchErrorKind.RuntimeError, "argument #2 'target' is out of range", () => Functional.MultilabelMarginLossBackward(Tensor.Scalar(1.0), X, Tensor.FromArray(new long[] { 4, -1, 0, 0 }, 1, 4)));
        }

        [Fact]
        public void Dtypes()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Float", () => Functional.MultilabelMarginLoss(X, MarginData.F32([0, -1, 0, 0], 1, 4)));
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"multilabel_margin_loss_forward_out_frame\" not implemented for 'Long'",
                () => Functional.MultilabelMarginLoss(Tensor.FromArray(new long[4], 1, 4), Tensor.FromArray(new long[] { 0, -1, 0, 0 }, 1, 4)));
        }

        [Fact]
        public void ReductionAndGradOutput()
        {
            AssertTorchError(TorchErrorKind.ValueError, "5 is not a valid value for reduction", () => Functional.MultilabelMarginLoss(X, Tensor.FromArray(new long[4], 1, 4), (Reduction)5));
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([]) and output[0] has a shape of torch.Size([1]).",
                () => Functional.MultilabelMarginLossBackward(Tensor.Scalar(1.0), X, Tensor.FromArray(new long[4], 1, 4), Reduction.None));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            Tensor x = MarginData.A(DType.Float32, 3, 5);
            var m = new Parity.Native.Modules.MultiLabelMarginLoss(Reduction.None);
            Assert.True(m.Forward(x, Targets(T3)).BitEquals(Functional.MultilabelMarginLoss(x, Targets(T3), Reduction.None)));
            Tensor g = Tensor.Vector(1f, -2f, 0.5f);
            Assert.True(m.Backward(g, x, Targets(T3)).BitEquals(Functional.MultilabelMarginLossBackward(g, x, Targets(T3), Reduction.None)));
        }
    }
}
