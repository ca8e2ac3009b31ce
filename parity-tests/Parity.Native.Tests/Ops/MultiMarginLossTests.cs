using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class MultiMarginLossTests
{
    /// <summary>(1/C)·Σ_{j≠y} w[y]·max(0, margin − x_y + x_j)ᵖ per row, in float64.</summary>
    private static double[] Reference(Tensor x, long[] y, int p, double margin, double[]? w, int n, int c)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < c; j++)
            {
                if (j == y[i])
                {
                    continue;
                }
                double z = margin - x.GetDouble((i * c) + (int)y[i]) + x.GetDouble((i * c) + j);
                s += z > 0 ? Math.Pow(z, p) * (w?[y[i]] ?? 1) : 0;
            }
            r[i] = s / c;
        }
        return r;
    }

    private static readonly Tensor W5 = Tensor.Vector(0.5f, 1f, 1.5f, 2f, 3f);

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, 1, false)]
        [InlineData(Reduction.Mean, 2, true)]
        [InlineData(Reduction.Sum, 1, true)]
        [InlineData(Reduction.None, 2, false)]
        public void Float64_MatchesPlainLoop(Reduction reduction, int p, bool weighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -1, 1, 6, 4);
            long[] y = [0, 3, 2, 1, 3, 0];
            double[]? w = weighted ? [0.5, 2, 1.5, 0.25] : null;
            double[] reference = Reference(x, y, p, 0.8, w, 6, 4);
            Tensor r = Functional.MultiMarginLoss(x, Tensor.Vector(y), p, 0.8, w is null ? null : Tensor.Vector(w), reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 1e-16, 1e-14);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r);
                    break;
                default:
                    AssertClose(reference.Sum() / 6, r);
                    break;
            }
        }

        [Fact]
        public void LibTorch_Float32_EveryArgument()
        {
            // libtorch: multi_margin_loss(A(3, 5), [0, 3, 4], p, margin, weight, reduction) in float32.
            Tensor x = MarginData.A(DType.Float32, 3, 5);
            Tensor y = Tensor.Vector(0L, 3L, 4L);
            MarginData.Bits([1.1326733f, 0.43366337f, 1.0673268f], Functional.MultiMarginLoss(x, y, reduction: Reduction.None));
            MarginData.Bits([0.5186076f, 0.19076833f, 2.7599626f], Functional.MultiMarginLoss(x, y, 2, 0.7, W5, Reduction.None));
            MarginData.Bits([1.1564462f], Functional.MultiMarginLoss(x, y, 2, 0.7, W5));
            MarginData.Bits([4.6356435f], Functional.MultiMarginLoss(x, y, 1, 1.0, W5, Reduction.Sum));
        }

        [Fact]
        public void LibTorch_OneAndZeroDimensionalShapes()
        {
            // libtorch: a (C) input is one sample; the output is (1) for a (1) target with 'none', 0-D for a 0-D target.
            Tensor x = Tensor.Vector(0.1f, 0.9f, 0.4f, 0.8f);
            Tensor r1 = Functional.MultiMarginLoss(x, Tensor.Vector(3L), reduction: Reduction.None);
            Assert.Equal([1], r1.ShapeArray());
            MarginData.Bits([0.49999997f], r1);
            Tensor r0 = Functional.MultiMarginLoss(x, Tensor.FromArray(new long[] { 3 }), reduction: Reduction.None);
            Assert.Equal(0, r0.Dim);
            MarginData.Bits([0.49999997f], r0);
            MarginData.Bits([0.09249999f], Functional.MultiMarginLoss(x, Tensor.FromArray(new long[] { 3 }), 2, 0.5));
            Tensor s = Tensor.Scalar(0.5);
            Assert.Equal(0, Functional.MultiMarginLoss(s, Tensor.FromArray(new long[] { 0 }), reduction: Reduction.None).Dim);
            MarginData.Bits([0f], Functional.MultiMarginLoss(s, Tensor.Vector(0L), reduction: Reduction.None));
        }

        [Fact]
        public void Kink_ZeroMarginViolation_ContributesNothing()
        {
            // libtorch: x = (0, 1, 0.5), y = 1, 'sum': z = 0 for class 0, 0.5 for class 2 → 0.5 / 3.
            MarginData.Bits([0.16666666666666666], Functional.MultiMarginLoss(MarginData.F64([0, 1, 0.5], 1, 3), Tensor.Vector(1L), reduction: Reduction.Sum));
        }

        [Fact]
        public void EmptyBatch_IsWhatTheFormulaGives()
        {
            // libtorch: 'none' gives (0); 'mean'/'sum' return uninitialised memory there, so the native values are the formula's.
            Tensor e = Tensor.Zeros(DType.Float32, 0, 3);
            Tensor t = Tensor.FromArray(Array.Empty<long>(), 0);
            Assert.Equal([0], Functional.MultiMarginLoss(e, t, reduction: Reduction.None).ShapeArray());
            Assert.True(double.IsNaN(Functional.MultiMarginLoss(e, t).GetDouble(0)));
            Assert.Equal(0.0, Functional.MultiMarginLoss(e, t, reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal([0, 3], Functional.MultiMarginLossBackward(Tensor.Scalar(1.0), e, t).ShapeArray());
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, 1, false)]
        [InlineData(Reduction.Mean, 2, true)]
        [InlineData(Reduction.Sum, 1, true)]
        [InlineData(Reduction.Mean, 1, false)]
        public void MatchesFiniteDifferences(Reduction reduction, int p, bool weighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -1, 1, 5, 4);
            Tensor y = Tensor.Vector(0L, 3L, 2L, 1L, 3L);
            Tensor? w = weighted ? Tensor.Vector(0.5, 2, 1.5, 0.25) : null;
            MarginData.FdCheck(xi => Functional.MultiMarginLoss(xi, y, p, 0.9, w, reduction), (g, xi) => Functional.MultiMarginLossBackward(g, xi, y, p, 0.9, w, reduction), x);
        }

        [Fact]
        public void LibTorch_Float32Mean_P2_Weighted()
        {
            // libtorch: d/dx multi_margin_loss(A(3, 5), [0, 3, 4], 2, 0.7, w, 'mean').
            var g = Functional.MultiMarginLossBackward(Tensor.Scalar(1.0), MarginData.A(DType.Float32, 3, 5), Tensor.Vector(0L, 3L, 4L), 2, 0.7, W5);
            MarginData.Bits([-0.29755777f, 0.07108911f, 0.09551156f, 0.05326733f, 0.07768978f, 0.16026403f, 0f, 0.088976905f, -0.2669307f, 0.01768977f, 0.49386144f, 0.24039607f, 0.38693073f, 0.5334654f, -1.6546537f], g);
        }

        [Fact]
        public void LibTorch_Kink_HasNoGradient()
        {
            MarginData.Bits([0.0, -0.3333333333333333, 0.3333333333333333], Functional.MultiMarginLossBackward(Tensor.Scalar(1.0, DType.Float64), MarginData.F64([0, 1, 0.5], 1, 3), Tensor.Vector(1L), reduction: Reduction.Sum));
        }

        [Fact]
        public void None_ScalesRowsByGradOutput()
        {
            Tensor x = MarginData.F64([0, 1, 0.5, 0.2, 0.1, 0.3], 2, 3);
            Tensor g = Functional.MultiMarginLossBackward(Tensor.Vector(2.0, -1.0), x, Tensor.Vector(1L, 0L), reduction: Reduction.None);
            MarginData.Bits([0.0, -2.0 / 3, 2.0 / 3, 2.0 / 3, -1.0 / 3, -1.0 / 3], g);
        }
    }

    public class Errors
    {
        private static readonly Tensor X = MarginData.F32([0.1f, 0.2f, 0.4f, 0.8f], 1, 4);
        private static readonly Tensor Y = Tensor.Vector(3L);

        [Theory]
        [InlineData(3.0)]
        [InlineData(1.5)]
        [InlineData(0.0)]
        public void POutsideOneAndTwo_PythonValueError(double p)
        {
            // torch/nn/functional.py multi_margin_loss; libtorch itself would truncate 1.5 to 1 and give 0.325.
            AssertTorchError(TorchErrorKind.ValueError, "only p == 1 and p == 2 supported", () => Functional.MultiMarginLoss(X, Y, p));
            AssertTorchError(TorchErrorKind.ValueError, "only p == 1 and p == 2 supported", () => Functional.MultiMarginLossBackward(Tensor.Scalar(1.0), X, Y, p));
        }

        [Fact]
        public void Weight()
        {
            AssertTorchError(TorchErrorKind.ValueError, "weight must be one-dimensional", () => Functional.MultiMarginLoss(X, Y, weight: Tensor.Zeros(DType.Float32, 1, 4)));
            AssertTorchError(TorchErrorKind.RuntimeError, "inconsistent weight size, expected 4 but got [3]", () => Functional.MultiMarginLoss(X, Y, weight: Tensor.Vector(1f, 2f, 3f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Float but found Double", () => Functional.MultiMarginLoss(X, Y, weight: Tensor.Vector(1.0, 1.0, 1.0, 1.0)));
        }

        [Fact]
        public void Target()
        {
            // libtorch texts.
            AssertTorchError(TorchErrorKind.RuntimeError, "target out of range", () => Functional.MultiMarginLoss(X, Tensor.Vector(4L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "target out of range", () => Functional.MultiMarginLoss(X, Tensor.Vector(-1L), reduction: Reduction.None));
            AssertTorchError(TorchErrorKind.RuntimeError, "target out of range", () => Functional.MultiMarginLossBackward(Tensor.Scalar(1.0), X, Tensor.Vector(4L)));
            Tensor x2 = MarginData.F32([0.1f, 0.2f, 0.4f, 0.8f, 0.1f, 0.2f, 0.4f, 0.8f], 2, 4);
            AssertTorchError(TorchErrorKind.RuntimeError, "inconsistent target size, expected 2 but got [3]", () => Functional.MultiMarginLoss(x2, Tensor.Vector(3L, 1L, 0L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "inconsistent target size, expected 2 but got [2, 1]", () => Functional.MultiMarginLoss(x2, Tensor.FromArray(new long[] { 3, 1 }, 2, 1)));
            AssertTorchError(TorchErrorKind.RuntimeError, "expected scalar type Long but found Float", () => Functional.MultiMarginLoss(X, Tensor.Vector(3f)));
        }

        [Fact]
        public void InputShapeAndDtype()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 0]",
                () => Functional.MultiMarginLoss(Tensor.Zeros(DType.Float32, 2, 0), Tensor.Vector(0L, 0L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 3, 1]",
                () => Functional.MultiMarginLoss(Tensor.Zeros(DType.Float32, 2, 3, 1), Tensor.Vector(0L, 0L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [0]",
                () => Functional.MultiMarginLoss(Tensor.Zeros(DType.Float32, 0), Tensor.Vector(0L)));
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"multi_margin_loss_cpu_kernel\" not implemented for 'Long'",
                () => Functional.MultiMarginLoss(Tensor.FromArray(new long[] { 1, 2, 4, 8 }, 1, 4), Y));
        }

        [Fact]
        public void ReductionAndGradOutput()
        {
            AssertTorchError(TorchErrorKind.ValueError, "5 is not a valid value for reduction", () => Functional.MultiMarginLoss(X, Y, reduction: (Reduction)5));
            AssertTorchError(TorchErrorKind.RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([1]) and output[0] has a shape of torch.Size([]).",
                () => Functional.MultiMarginLossBackward(Tensor.Vector(1f), X, Y));
        }
    }

    public class Module
    {
        [Fact]
        public void CallsTheFunctionalForm()
        {
            Tensor x = MarginData.A(DType.Float32, 3, 5), y = Tensor.Vector(0L, 3L, 4L);
            var m = new Parity.Native.Modules.MultiMarginLoss(2, 0.7, W5);
            Assert.True(m.Forward(x, y).BitEquals(Functional.MultiMarginLoss(x, y, 2, 0.7, W5)));
            Assert.True(m.Backward(Tensor.Scalar(1.0), x, y).BitEquals(Functional.MultiMarginLossBackward(Tensor.Scalar(1.0), x, y, 2, 0.7, W5)));
        }

        [Fact]
        public void Constructor_Checks()
        {
            // torch/nn/modules/loss.py MultiMarginLoss.__init__.
            AssertTorchError(TorchErrorKind.ValueError, "only p == 1 and p == 2 supported", () => new Parity.Native.Modules.MultiMarginLoss(3));
            AssertTorchError(TorchErrorKind.ValueError, "MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead", () => new Parity.Native.Modules.MultiMarginLoss(weight: Tensor.Zeros(DType.Float32, 1, 5)));
        }
    }
}
