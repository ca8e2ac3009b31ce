using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;
using Parity.Native.Ops;
using static Parity.Native.Tests.Fast.FastTestSupport;

namespace Parity.Native.Tests.Fast;

public class FastBinaryCrossEntropyTests
{
    /// <summary>PyTorch's gradient ε: 1e-12 as a float, also for double tensors.</summary>
    private const double Epsilon = 1e-12f;

    private static (double Loss, double[] Per, double[] Grad) Fused<T>(T[] x, T[] y, T[]? w, Reduction reduction, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = new T[x.Length];
        var per = new T[reduction == Reduction.None ? x.Length : 0];
        T loss = FastLosses.BinaryCrossEntropyForwardBackward<T>(x, y, grad, w, reduction, default, per, threads);
        return (double.CreateTruncating(loss), Widen(per), Widen(grad));
    }

    private static (T[] X, T[] Y, T[] W) Case<T>(int count, int weightLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(Seed + count);
        T[] x = Array.ConvertAll(Uniform(rng, count, 0, 1), T.CreateTruncating);
        T[] y = Array.ConvertAll(Uniform(rng, count, 0, 1), T.CreateTruncating);
        // Exact 0 and 1 in input and target exercise the −100 clamp and the ε in the gradient.
        if (count > 8)
        {
            x[1] = T.Zero;
            x[2] = T.One;
            y[2] = T.One;
            x[3] = T.Zero;
            y[3] = T.Zero;
            x[5] = T.CreateTruncating(1e-30);
        }
        T[] w = Array.ConvertAll(Uniform(rng, weightLength, 0.5, 2), T.CreateTruncating);
        return (x, y, w);
    }

    public class Float64
    {
        [Theory]
        [InlineData(Reduction.Mean, 0)]
        [InlineData(Reduction.Sum, 7)]
        [InlineData(Reduction.None, 1001)]
        public void MatchesFloat64Definition(Reduction reduction, int weightLength)
        {
            var (x, y, w) = Case<double>(1001, weightLength);
            double[]? wt = weightLength == 0 ? null : w;
            var expected = Float64Reference.Bce(x, y, wt, reduction, Epsilon);
            var actual = Fused(x, y, wt, reduction);
            CloseScalar(expected.Loss, actual.Loss, F64RelTol);
            if (reduction == Reduction.None)
            {
                Close(expected.PerElement, actual.Per, F64RelTol, 0);
            }
            Close(expected.Grad, actual.Grad, F64RelTol, 0);
        }
    }

    public class Float32
    {
        [Theory]
        [InlineData(Reduction.Mean, 0)]
        [InlineData(Reduction.Sum, 10)]
        [InlineData(Reduction.None, 0)]
        public void MatchesFloat64Definition(Reduction reduction, int weightLength)
        {
            var (x, y, w) = Case<float>(4100, weightLength);
            float[]? wt = weightLength == 0 ? null : w;
            var expected = Float64Reference.Bce(Widen(x), Widen(y), wt == null ? null : Widen(wt), reduction, Epsilon);
            var actual = Fused(x, y, wt, reduction);
            CloseScalar(expected.Loss, actual.Loss, F32LossRelTol);
            if (reduction == Reduction.None)
            {
                Close(expected.PerElement, actual.Per, F32LossRelTol, 1e-7);
            }
            Close(expected.Grad, actual.Grad, F32GradRelTol, 0);
        }

        [Fact]
        public void AgreesWithReferenceOp()
        {
            var (x, y, _) = Case<float>(777, 0);
            var actual = Fused(x, y, null, Reduction.None);
            Tensor xt = Tensor.FromArray(x, 777), yt = Tensor.FromArray(y, 777);
            Close(Functional.BinaryCrossEntropy(xt, yt, reduction: Reduction.None).ToDoubleArray(), actual.Per, 2 * F32LossRelTol, 1e-7);
            double[] grad = Functional.BinaryCrossEntropyBackward(Tensor.FromArray(Enumerable.Repeat(1f, 777).ToArray(), 777), xt, yt, reduction: Reduction.None).ToDoubleArray();
            Close(grad, actual.Grad, 2 * F32GradRelTol, 0);
        }
    }

    public class Determinism
    {
        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Float32_BitIdenticalForAnyThreadCount(int threads)
        {
            var (x, y, w) = Case<float>(300_010, 10);
            var one = Fused(x, y, w, Reduction.Mean, 1);
            var many = Fused(x, y, w, Reduction.Mean, threads);
            BitEqual([one.Loss], [many.Loss]);
            BitEqual(one.Grad, many.Grad);
        }
    }

    public class Errors
    {
        [Fact]
        public void InputOutsideUnitInterval_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.BinaryCrossEntropy<float>([0.5f, 1.5f], [0, 1]));
            Assert.Equal("all elements of input should be between 0 and 1", ex.Message);
        }

        [Fact]
        public void NaNInput_IsOutsideTheInterval()
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.BinaryCrossEntropy<double>([0.5, double.NaN], [0, 1]));
            Assert.Equal("all elements of input should be between 0 and 1", ex.Message);
        }

        [Fact]
        public void FirstOffenderDecides_TargetBeforeLaterInput()
        {
            float[] x = Enumerable.Repeat(0.5f, 100_000).ToArray();
            float[] y = Enumerable.Repeat(0.5f, 100_000).ToArray();
            y[10] = -1;
            x[90_000] = 2;
            var ex = Assert.Throws<TorchException>(() => FastLosses.BinaryCrossEntropy<float>(x, y, threads: 3));
            Assert.Equal("all elements of target should be between 0 and 1", ex.Message);
        }

        [Fact]
        public void TargetSizeMismatch_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.BinaryCrossEntropy<float>([0.5f, 0.5f], [0.5f]));
            Assert.Equal("Using a target size ([1]) that is different to the input size ([2]) is deprecated. Please ensure they have the same size.", ex.Message);
        }
    }
}
