using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

/// <summary>Shared pieces of the regression-loss tests: plain float64 references and multi-argument finite differences.</summary>
internal static class RegressionTestSupport
{
    public static readonly Reduction[] Reductions = [Reduction.None, Reduction.Mean, Reduction.Sum];

    /// <summary>Broadcasts two shapes (a plain re-implementation for the tests).</summary>
    public static int[] Broadcast(int[] a, int[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        var r = new int[n];
        for (int i = 0; i < n; i++)
        {
            int da = i - (n - a.Length), db = i - (n - b.Length);
            int sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
            r[i] = Math.Max(sa, sb);
        }
        return r;
    }

    /// <summary>Element <paramref name="flat"/> of the broadcast shape read from <paramref name="t"/>.</summary>
    public static double At(Tensor t, int[] shape, int flat)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        int off = 0, stride = 1;
        for (int d = t.Dim - 1; d >= 0; d--)
        {
            int sd = d + (shape.Length - t.Dim);
            int i = t.Shape[d] == 1 ? 0 : idx[sd];
            off += i * stride;
            stride *= t.Shape[d];
        }
        return t.GetDouble(off);
    }

    /// <summary>Element-wise f(x, y) over the broadcast of x and y, in float64.</summary>
    public static double[] Elementwise(Tensor x, Tensor y, Func<double, double, double> f, out int[] shape)
    {
        shape = Broadcast(x.ShapeArray(), y.ShapeArray());
        var r = new double[Tensor.NumelOf(shape)];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = f(At(x, shape, i), At(y, shape, i));
        }
        return r;
    }

    /// <summary>Asserts a loss equals the reduction of the float64 reference elements.</summary>
    public static void AssertReduced(double[] reference, Tensor actual, Reduction reduction, double relTol = F64RelTol)
    {
        switch (reduction)
        {
            case Reduction.None:
                AssertClose(reference, actual.ToDoubleArray(), 1e-300, relTol);
                break;
            case Reduction.Sum:
                AssertClose([reference.Sum()], actual.ToDoubleArray(), 1e-15, relTol);
                break;
            default:
                AssertClose([reference.Sum() / reference.Length], actual.ToDoubleArray(), 1e-15, relTol);
                break;
        }
    }

    /// <summary>Checks one gradient against float64 central differences of the forward in that argument.</summary>
    public static void AssertFd(Func<Tensor, Tensor> forward, Func<Tensor, Tensor, Tensor> backward, Tensor at, int seed = Seed) =>
        AssertGradientMatchesFiniteDifferences(forward, backward, at, new System.Random(seed));

    /// <summary>Runs an action and returns the warnings it issued.</summary>
    public static IReadOnlyList<TorchWarning> Warnings(Action action)
    {
        using (TorchWarnings.Capture(out IReadOnlyList<TorchWarning> w))
        {
            action();
            return w;
        }
    }

    public const string SizeWarning34 =
        "Using a target size (torch.Size([1, 4])) that is different to the input size (torch.Size([3, 1])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.";
}

public class L1LossTests
{
    public class Modules
    {
        [Fact]
        public void RegressionModules_CallTheFunctionalForms()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 0, 3, 4), y = Uniform(rng, 0.1, 1, 3, 4), g = Uniform(rng, -1, 1, 3, 4);
            Assert.True(new Parity.Native.Modules.L1Loss(Reduction.None).Forward(x, y).BitEquals(Functional.L1Loss(x, y, Reduction.None)));
            Assert.True(new Parity.Native.Modules.L1Loss(Reduction.None).Backward(g, x, y).Target.BitEquals(Functional.L1LossBackward(g, x, y, Reduction.None).Target));
            Assert.True(new Parity.Native.Modules.MSELoss(Reduction.None).Backward(g, x, y).Input.BitEquals(Functional.MseLossBackward(g, x, y, Reduction.None).Input));
            Assert.True(new Parity.Native.Modules.HuberLoss(Reduction.None, 0.4).Forward(x, y).BitEquals(Functional.HuberLoss(x, y, Reduction.None, 0.4)));
            Assert.True(new Parity.Native.Modules.HuberLoss(Reduction.None, 0.4).Backward(g, x, y).Input.BitEquals(Functional.HuberLossBackward(g, x, y, Reduction.None, 0.4).Input));
            Assert.True(new Parity.Native.Modules.KLDivLoss(Reduction.None, logTarget: true).Forward(x, y).BitEquals(Functional.KlDiv(x, y, Reduction.None, true)));
            Assert.True(new Parity.Native.Modules.KLDivLoss(Reduction.None).Backward(g, x, y).Target.BitEquals(Functional.KlDivBackward(g, x, y, Reduction.None).Target));
            Assert.True(new Parity.Native.Modules.SoftMarginLoss(Reduction.None).Backward(g, x, y).BitEquals(Functional.SoftMarginLossBackward(g, x, y, Reduction.None)));
            Assert.True(new Parity.Native.Modules.SoftMarginLoss(Reduction.None).Forward(x, y).BitEquals(Functional.SoftMarginLoss(x, y, Reduction.None)));
        }
    }

    private static readonly Reduction[] Reds = RegressionTestSupport.Reductions;

    public class Forward
    {
        [Fact]
        public void Float64_AllReductions_MatchPlainLoop_Broadcast()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 3, 1), y = Uniform(rng, -3, 3, 1, 4);
            double[] r = RegressionTestSupport.Elementwise(x, y, (a, b) => Math.Abs(a - b), out int[] shape);
            Assert.Equal(new[] { 3, 4 }, shape);
            foreach (Reduction red in Reds)
            {
                Tensor loss = null!;
                var w = RegressionTestSupport.Warnings(() => loss = Functional.L1Loss(x, y, red));
                Assert.Equal(RegressionTestSupport.SizeWarning34, Assert.Single(w).Message);
                Assert.Equal("UserWarning", w[0].Category);
                RegressionTestSupport.AssertReduced(r, loss, red);
            }
        }

        [Fact]
        public void SameSize_NoWarning()
        {
            Tensor x = Tensor.Vector(1.0, 2.0);
            Assert.Empty(RegressionTestSupport.Warnings(() => Functional.L1Loss(x, x)));
        }

        [Fact]
        public void Float32_Mean_LibtorchValue()
        {
            // libtorch 2.10: torch.l1_loss(x, y, 1) printed 1.2999999523162842 (float32).
            Tensor x = Tensor.Vector(0.1f, -0.7f, 2.5f, 0.3f, -1.2f), y = Tensor.Vector(0.4f, 0.2f, -0.5f, 0.3f, 1.1f);
            Assert.Equal(1.2999999523162842f, Functional.L1Loss(x, y).ToArray<float>()[0]);
        }

        [Fact]
        public void Weighted_MeanDividesBySumOfWeights()
        {
            Tensor x = Tensor.Vector(1.0, 2.0, 4.0), y = Tensor.Vector(0.0, 0.0, 0.0), w = Tensor.Vector(1.0, 0.5, 0.25);
            // Σ w|d| = 1 + 1 + 1 = 3, Σ w = 1.75
            Assert.Equal(3.0 / 1.75, Functional.L1Loss(x, y, Reduction.Mean, w).GetDouble(0));
            Assert.Equal(3.0, Functional.L1Loss(x, y, Reduction.Sum, w).GetDouble(0));
            Assert.Equal(new[] { 1.0, 1.0, 1.0 }, Functional.L1Loss(x, y, Reduction.None, w).ToDoubleArray());
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            var e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(float.IsNaN(Functional.L1Loss(e, e).ToArray<float>()[0]));
            Assert.Equal(0f, Functional.L1Loss(e, e, Reduction.Sum).ToArray<float>()[0]);
        }

        [Fact]
        public void MixedDtypes_PromoteToFloat64()
        {
            Tensor r = Functional.L1Loss(Tensor.Vector(0.1f), Tensor.Vector(0.7), Reduction.None);
            Assert.Equal(DType.Float64, r.DType);
            Assert.Equal(Math.Abs((double)0.1f - 0.7), r.GetDouble(0));
        }

        [Fact]
        public void Int64_NoneAndSum_StayInt64()
        {
            // libtorch 2.10: torch.l1_loss(tensor([1, 5]), tensor([4, 2]), 0) is Int64 [3, 3].
            Tensor r = Functional.L1Loss(Tensor.Vector(1L, 5L), Tensor.Vector(4L, 2L), Reduction.None);
            Assert.Equal(DType.Int64, r.DType);
            Assert.Equal(new long[] { 3, 3 }, r.ToArray<long>());
            Assert.Equal(6L, Functional.L1Loss(Tensor.Vector(1L, 5L), Tensor.Vector(4L, 2L), Reduction.Sum).ToArray<long>()[0]);
        }

        [Fact]
        public void NaN_And_Infinity_Propagate()
        {
            Tensor r = Functional.L1Loss(Tensor.Vector(double.NaN, double.PositiveInfinity, 1), Tensor.Vector(0.0, 0, double.NegativeInfinity), Reduction.None);
            double[] v = r.ToDoubleArray();
            Assert.True(double.IsNaN(v[0]));
            Assert.Equal(double.PositiveInfinity, v[1]);
            Assert.Equal(double.PositiveInfinity, v[2]);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Mean, false)]
        [InlineData(Reduction.Sum, false)]
        [InlineData(Reduction.None, true)]
        [InlineData(Reduction.Mean, true)]
        [InlineData(Reduction.Sum, true)]
        public void AllArguments_MatchFiniteDifferences(Reduction red, bool weighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 3, 4), y = weighted ? Uniform(rng, -3, 3, 3, 4) : Uniform(rng, -3, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 3, 4) : null;
            using var _ = TorchWarnings.Capture(out var __);
            RegressionTestSupport.AssertFd(xi => Functional.L1Loss(xi, y, red, w), (g, xi) => Functional.L1LossBackward(g, xi, y, red, w).Input, x);
            RegressionTestSupport.AssertFd(yi => Functional.L1Loss(x, yi, red, w), (g, yi) => Functional.L1LossBackward(g, x, yi, red, w).Target, y);
            if (w is not null)
            {
                RegressionTestSupport.AssertFd(wi => Functional.L1Loss(x, y, red, wi), (g, wi) => Functional.L1LossBackward(g, x, y, red, wi).Weight!, w);
            }
            else
            {
                Assert.Null(Functional.L1LossBackward(Tensor.Scalar(1, DType.Float64), x, y, Reduction.Sum).Weight);
            }
        }

        [Fact]
        public void AtKinkAndNaN_GradientIsZero()
        {
            // libtorch 2.10: l1_loss([nan, 1, 2], ones, sum) backward gives [0, 0, 1] (sgn(nan) = sgn(0) = 0).
            var g = Functional.L1LossBackward(Tensor.Scalar(1, DType.Float32), Tensor.Vector(float.NaN, 1f, 2f), Tensor.Vector(1f, 1f, 1f), Reduction.Sum);
            Assert.Equal(new float[] { 0, 0, 1 }, g.Input.ToArray<float>());
            Assert.Equal(new float[] { -0f, -0f, -1 }, g.Target.ToArray<float>());
        }

        [Fact]
        public void Int64_CannotRequireGrad()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
                () => Functional.L1LossBackward(Tensor.Scalar(1, DType.Float32), Tensor.Vector(1L), Tensor.Vector(1f), Reduction.Sum));
        }
    }

    public class Errors
    {
        [Fact]
        public void Broadcast_RuntimeError_AfterWarning()
        {
            IReadOnlyList<TorchWarning> w = [];
            using (TorchWarnings.Capture(out w))
            {
                AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                    () => Functional.L1Loss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f, 3f, 4f)));
            }
            Assert.Single(w);
        }

        [Fact]
        public void WeightSize_ValueError()
        {
            AssertTorchError(TorchErrorKind.ValueError, "Weights and input must have the same size.",
                () => Functional.L1Loss(Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f), Reduction.Mean, Tensor.Vector(1f)));
        }

        [Fact]
        public void Reduction_ValueErrors()
        {
            Tensor x = Tensor.Vector(1f, 2f);
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not a valid value for reduction", () => Functional.L1Loss(x, x, Reduction.BatchMean));
            AssertTorchError(TorchErrorKind.ValueError, "Invalid reduction mode: batchmean. Expected one of 'none', 'mean', 'sum'.", () => Functional.L1Loss(x, x, Reduction.BatchMean, x));
            AssertTorchError(TorchErrorKind.ValueError, "7 is not a valid value for reduction", () => Functional.L1Loss(x, x, (Reduction)7));
        }

        [Fact]
        public void Int64Mean_RuntimeError()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
                () => Functional.L1Loss(Tensor.Vector(1L), Tensor.Vector(1L)));
        }
    }
}
