using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;
using Parity.Native.Ops;
using static Parity.Native.Tests.Fast.FastTestSupport;

namespace Parity.Native.Tests.Fast;

public class FastBinaryCrossEntropyWithLogitsTests
{
    /// <summary>About 2.5 float ulps of the largest |value| in the case (cancellation between terms of size ≤ p ≈ 3).</summary>
    private const double PositiveWeightAbsTol = 3e-7;

    private static (double Loss, double[] Per, double[] Grad) Fused<T>(T[] x, T[] y, T[]? w, T[]? pw, Reduction reduction, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = new T[x.Length];
        var per = new T[reduction == Reduction.None ? x.Length : 0];
        T loss = FastLosses.BinaryCrossEntropyWithLogitsForwardBackward<T>(x, y, grad, w, pw, reduction, default, per, threads);
        return (double.CreateTruncating(loss), Widen(per), Widen(grad));
    }

    private static (T[] X, T[] Y, T[] W, T[] Pw) Case<T>(int count, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(Seed + count);
        // Logits over [−30, 30]: both tails of log σ, where a naive log(1 + e^x) would lose everything.
        T[] x = Array.ConvertAll(Uniform(rng, count, -30, 30), T.CreateTruncating);
        T[] y = Array.ConvertAll(Uniform(rng, count, 0, 1), T.CreateTruncating);
        T[] w = Array.ConvertAll(Uniform(rng, classes, 0.5, 2), T.CreateTruncating);
        T[] pw = Array.ConvertAll(Uniform(rng, classes, 0.5, 3), T.CreateTruncating);
        return (x, y, w, pw);
    }

    public class Float64
    {
        [Theory]
        [InlineData(Reduction.Mean, false, false)]
        [InlineData(Reduction.Sum, true, false)]
        [InlineData(Reduction.None, true, true)]
        [InlineData(Reduction.Mean, false, true)]
        public void MatchesFloat64Definition(Reduction reduction, bool weighted, bool positiveWeighted)
        {
            var (x, y, w, pw) = Case<double>(1001, 7);
            var expected = Float64Reference.BceWithLogits(x, y, weighted ? w : null, positiveWeighted ? pw : null, reduction);
            var actual = Fused(x, y, weighted ? w : null, positiveWeighted ? pw : null, reduction);
            CloseScalar(expected.Loss, actual.Loss, F64RelTol);
            if (reduction == Reduction.None)
            {
                Close(expected.PerElement, actual.Per, F64RelTol, 1e-16);
            }
            Close(expected.Grad, actual.Grad, F64RelTol, 1e-16);
        }
    }

    public class Float32
    {
        [Theory]
        [InlineData(Reduction.Mean, false, false)]
        [InlineData(Reduction.Sum, true, true)]
        [InlineData(Reduction.None, false, true)]
        public void MatchesFloat64Definition(Reduction reduction, bool weighted, bool positiveWeighted)
        {
            var (x, y, w, pw) = Case<float>(4140, 10); // the last 512-chunk has 44 elements: one 32-step, one 8-step, a padded tail
            float[]? wt = weighted ? w : null, pwt = positiveWeighted ? pw : null;
            var expected = Float64Reference.BceWithLogits(Widen(x), Widen(y), wt == null ? null : Widen(wt), pwt == null ? null : Widen(pwt), reduction);
            var actual = Fused(x, y, wt, pwt, reduction);
            CloseScalar(expected.Loss, actual.Loss, F32LossRelTol);
            // (1 − y)·x − l·log σ(x) and (p·y + 1 − y)·σ − p·y cancel (the same formulas as PyTorch's), so part of the
            // error is relative to the largest term rather than to the element: PositiveWeightAbsTol of the largest value.
            if (reduction == Reduction.None)
            {
                Close(expected.PerElement, actual.Per, F32LossRelTol, PositiveWeightAbsTol);
            }
            Close(expected.Grad, actual.Grad, F32GradRelTol, PositiveWeightAbsTol);
        }

        [Fact]
        public void AgreesWithReferenceOp()
        {
            var (x, y, w, pw) = Case<float>(999, 9);
            var actual = Fused(x, y, w, pw, Reduction.None);
            Tensor xt = Tensor.FromArray(x, 111, 9), yt = Tensor.FromArray(y, 111, 9), wt = Tensor.FromArray(w, 9), pwt = Tensor.FromArray(pw, 9);
            double[] loss = Functional.BinaryCrossEntropyWithLogits(xt, yt, wt, pwt, Reduction.None).ToDoubleArray();
            double[] grad = Functional.BinaryCrossEntropyWithLogitsBackward(Tensor.FromArray(Enumerable.Repeat(1f, 999).ToArray(), 111, 9), xt, yt, wt, pwt, Reduction.None).ToDoubleArray();
            Close(loss, actual.Per, 2 * F32LossRelTol, 1e-7);
            Close(grad, actual.Grad, 2 * F32GradRelTol, 1e-7);
        }

        [Fact]
        public void InfiniteAndNaNLogits_FollowTheFormula()
        {
            float[] x = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.PositiveInfinity];
            float[] y = [0, 1, 0.5f, 1];
            var actual = Fused(x, y, null, null, Reduction.None);
            Assert.Equal(double.PositiveInfinity, actual.Per[0]); // (1 − 0)·∞ − 0
            Assert.True(double.IsNaN(actual.Per[1])); // (1 − 1)·(−∞) = NaN, as in PyTorch's composite formula
            Assert.True(double.IsNaN(actual.Per[2]));
            Assert.True(double.IsNaN(actual.Per[3])); // (1 − 1)·∞ = NaN
            Assert.Equal([1.0, -1.0], actual.Grad[..2]);
        }
    }

    public class Determinism
    {
        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Float32_BitIdenticalForAnyThreadCount(int threads)
        {
            var (x, y, w, pw) = Case<float>(300_001, 1);
            var one = Fused(x, y, w, pw, Reduction.Mean, 1);
            var many = Fused(x, y, w, pw, Reduction.Mean, threads);
            BitEqual([one.Loss], [many.Loss]);
            BitEqual(one.Grad, many.Grad);
        }
    }

    public class Errors
    {
        [Fact]
        public void TargetSizeMismatch_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.BinaryCrossEntropyWithLogits<float>(new float[6], new float[5]));
            Assert.Equal("Target size ([5]) must be the same as input size ([6])", ex.Message);
        }
    }
}
