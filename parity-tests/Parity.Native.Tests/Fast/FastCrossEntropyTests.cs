using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;
using Parity.Native.Ops;
using static Parity.Native.Tests.Fast.FastTestSupport;

namespace Parity.Native.Tests.Fast;

public class FastCrossEntropyTests
{
    private const long Ignore = -100;

    /// <summary>Runs the fused kernel on T data and returns loss, per-sample losses and gradient as doubles.</summary>
    private static (double Loss, double[] PerSample, double[] Grad) Fused<T>(
        T[] x, long[] t, int n, int c, int inner, T[]? w, Reduction reduction, int threads = 1, T[]? gradOut = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = new T[x.Length];
        var per = new T[reduction == Reduction.None ? t.Length : 0];
        T loss = FastLosses.CrossEntropyForwardBackward<T>(x, t, n, c, grad, inner, w, Ignore, reduction, gradOut, per, threads);
        return (double.CreateTruncating(loss), Widen(per), Widen(grad));
    }

    private static void AssertMatchesReference<T>(int n, int c, int inner, bool weighted, double pIgnore, Reduction reduction, double lossRel, double gradRel, double gradAbs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new System.Random(Seed + (n * 31) + c);
        T[] x = Array.ConvertAll(Uniform(rng, n * c * inner, -6, 6), T.CreateTruncating);
        long[] t = Classes(rng, n * inner, c, Ignore, pIgnore);
        T[]? w = weighted ? Array.ConvertAll(Uniform(rng, c, 0.2, 2), T.CreateTruncating) : null;

        var expected = Float64Reference.CrossEntropy(Widen(x), t, n, c, inner, w == null ? null : Widen(w), Ignore, reduction);
        var actual = Fused(x, t, n, c, inner, w, reduction);

        if (reduction != Reduction.None)
        {
            CloseScalar(expected.Loss, actual.Loss, lossRel);
        }
        else
        {
            Close(expected.PerSample, actual.PerSample, lossRel, 0);
        }
        Close(expected.Grad, actual.Grad, gradRel, gradAbs);

        // The forward-only entry point computes the same loss bits.
        var per = new T[reduction == Reduction.None ? t.Length : 0];
        T forward = FastLosses.CrossEntropy<T>(x, t, n, c, inner, w, Ignore, reduction, per);
        Assert.Equal(actual.Loss, double.CreateTruncating(forward));
        Assert.Equal(actual.PerSample, Widen(per));
    }

    public class Float64
    {
        [Theory]
        [InlineData(Reduction.Mean, false, 0.0)]
        [InlineData(Reduction.Mean, true, 0.2)]
        [InlineData(Reduction.Sum, true, 0.1)]
        [InlineData(Reduction.None, true, 0.1)]
        public void Rows_MatchFloat64Definition(Reduction reduction, bool weighted, double pIgnore)
        {
            AssertMatchesReference<double>(37, 13, 1, weighted, pIgnore, reduction, F64RelTol, F64RelTol, 1e-15);
            AssertMatchesReference<double>(5, 1000, 1, weighted, pIgnore, reduction, F64RelTol, F64RelTol, 1e-15);
        }

        [Theory]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        [InlineData(Reduction.None)]
        public void KDim_MatchesFloat64Definition_AcrossInnerChunks(Reduction reduction)
        {
            AssertMatchesReference<double>(3, 5, 77, true, 0.1, reduction, F64RelTol, F64RelTol, 1e-15);
            AssertMatchesReference<double>(2, 4, 600, false, 0.0, reduction, F64RelTol, F64RelTol, 1e-15);
        }

        [Fact]
        public void UpstreamGradient_ScalesMeanAndSum_PerSampleForNone()
        {
            var rng = new System.Random(Seed);
            double[] x = Uniform(rng, 6 * 4, -3, 3);
            long[] t = Classes(rng, 6, 4, Ignore, 0);
            var mean = Fused(x, t, 6, 4, 1, null, Reduction.Mean, gradOut: [0.25]);
            var refMean = Float64Reference.CrossEntropy(x, t, 6, 4, 1, null, Ignore, Reduction.Mean, [0.25]);
            Close(refMean.Grad, mean.Grad, F64RelTol, 1e-16);

            double[] g = Uniform(rng, 6, -2, 2);
            var none = Fused(x, t, 6, 4, 1, null, Reduction.None, gradOut: g);
            var refNone = Float64Reference.CrossEntropy(x, t, 6, 4, 1, null, Ignore, Reduction.None, g);
            Close(refNone.Grad, none.Grad, F64RelTol, 1e-16);
        }
    }

    public class Float32
    {
        [Theory]
        [InlineData(Reduction.Mean, false, 0.0)]
        [InlineData(Reduction.Mean, true, 0.2)]
        [InlineData(Reduction.Sum, false, 0.1)]
        [InlineData(Reduction.None, true, 0.1)]
        public void Rows_MatchFloat64Definition(Reduction reduction, bool weighted, double pIgnore)
        {
            // C = 3, 10, 1000, 1003: below one vector, one vector plus a tail, many vectors, many plus a tail; 5003 is
            // wider than the kernel's scratch row and takes the in-place path.
            foreach ((int n, int c) in new[] { (17, 3), (33, 10), (64, 1000), (9, 1003), (3, 5003) })
            {
                AssertMatchesReference<float>(n, c, 1, weighted, pIgnore, reduction, F32LossRelTol, F32GradRelTol, F32GradAbsTol);
            }
        }

        [Theory]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.None)]
        public void KDim_MatchesFloat64Definition(Reduction reduction) =>
            AssertMatchesReference<float>(2, 21, 300, true, 0.05, reduction, F32LossRelTol, F32GradRelTol, F32GradAbsTol);

        /// <summary>
        /// A gradient of at least <see cref="FastLosses.StreamingStoreBytes"/> is written with non-temporal stores, here
        /// into a buffer starting one float past an aligned address with C = 1001, so every row starts at a different
        /// alignment. Its rows have the same bits as small (cached-store) calls on the same rows, and match float64.
        /// </summary>
        [Fact]
        public void Rows_StreamingGradient_SameBitsAsSmallCalls_AndMatchesFloat64()
        {
            const int n = 4200, c = 1001, rows = 25;
            Assert.True((long)n * c * sizeof(float) >= FastLosses.StreamingStoreBytes);
            var rng = new System.Random(Seed);
            float[] x = Array.ConvertAll(Uniform(rng, n * c, -6, 6), v => (float)v);
            long[] t = Classes(rng, n, c, Ignore, 0.05);
            float[] w = Array.ConvertAll(Uniform(rng, c, 0.2, 2), v => (float)v);

            var buffer = new float[(n * c) + 1];
            Span<float> grad = buffer.AsSpan(1, n * c);
            var per = new float[n];
            FastLosses.CrossEntropyForwardBackward<float>(x, t, n, c, grad, 1, w, Ignore, Reduction.None, default, per);

            foreach (int first in new[] { 0, 2000, n - rows })
            {
                var smallGrad = new float[rows * c];
                var smallPer = new float[rows];
                FastLosses.CrossEntropyForwardBackward<float>(
                    x.AsSpan(first * c, rows * c), t.AsSpan(first, rows), rows, c, smallGrad, 1, w, Ignore, Reduction.None, default, smallPer);
                BitEqual(smallGrad, grad.Slice(first * c, rows * c).ToArray());
                BitEqual(smallPer, per[first..(first + rows)]);
            }

            var expected = Float64Reference.CrossEntropy(Widen(x), t, n, c, 1, Widen(w), Ignore, Reduction.None);
            Close(expected.PerSample, Widen(per), F32LossRelTol, 0);
            Close(expected.Grad, Widen(grad.ToArray()), F32GradRelTol, F32GradAbsTol);
        }

        [Fact]
        public void LargeLogits_ShiftedByRowMax_NoOverflow()
        {
            float[] x = [1e4f, 1e4f - 1, 1e4f - 3, -1e4f, 0, 50];
            long[] t = [2, 0];
            var actual = Fused(x, t, 2, 3, 1, null, Reduction.Sum);
            var expected = Float64Reference.CrossEntropy(Widen(x), t, 2, 3, 1, null, Ignore, Reduction.Sum);
            CloseScalar(expected.Loss, actual.Loss, F32LossRelTol);
            Close(expected.Grad, actual.Grad, F32GradRelTol, F32GradAbsTol);
        }
    }

    public class Determinism
    {
        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Rows_Float32_BitIdenticalForAnyThreadCount(int threads) => AssertThreadInvariant<float>(40000, 17, 1, threads);

        /// <summary>Large enough for the streaming (non-temporal) gradient stores.</summary>
        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Rows_Float32_Streaming_BitIdenticalForAnyThreadCount(int threads) => AssertThreadInvariant<float>(4200, 1000, 1, threads);

        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Rows_Float64_BitIdenticalForAnyThreadCount(int threads) => AssertThreadInvariant<double>(40000, 17, 1, threads);

        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void KDim_Float32_BitIdenticalForAnyThreadCount(int threads) => AssertThreadInvariant<float>(4, 5, 23100, threads);

        private static void AssertThreadInvariant<T>(int n, int c, int inner, int threads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rng = new System.Random(Seed);
            T[] x = Array.ConvertAll(Uniform(rng, n * c * inner, -5, 5), T.CreateTruncating);
            long[] t = Classes(rng, n * inner, c, Ignore, 0.05);
            T[] w = Array.ConvertAll(Uniform(rng, c, 0.5, 1.5), T.CreateTruncating);
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.None })
            {
                var g1 = new T[x.Length];
                var gk = new T[x.Length];
                var l1 = new T[reduction == Reduction.None ? t.Length : 0];
                var lk = new T[l1.Length];
                T one = FastLosses.CrossEntropyForwardBackward<T>(x, t, n, c, g1, inner, w, Ignore, reduction, default, l1, threads: 1);
                T many = FastLosses.CrossEntropyForwardBackward<T>(x, t, n, c, gk, inner, w, Ignore, reduction, default, lk, threads);
                BitEqual([one], [many]);
                BitEqual(g1, gk);
                BitEqual(l1, lk);
            }
        }
    }

    public class EdgeCases
    {
        [Fact]
        public void AllIgnored_MeanNaN_SumZero_GradientZero()
        {
            float[] x = [1, 2, 3, 4, 5, 6];
            long[] t = [Ignore, Ignore];
            var grad = new float[6];
            Assert.True(float.IsNaN(FastLosses.CrossEntropyForwardBackward<float>(x, t, 2, 3, grad)));
            Assert.All(grad, g => Assert.Equal(0f, g));
            Assert.Equal(0f, FastLosses.CrossEntropy<float>(x, t, 2, 3, reduction: Reduction.Sum));
        }

        [Fact]
        public void EmptyBatch_MeanNaN_SumZero()
        {
            Assert.True(double.IsNaN(FastLosses.CrossEntropy<double>([], [], 0, 4)));
            Assert.Equal(0.0, FastLosses.CrossEntropy<double>([], [], 0, 4, reduction: Reduction.Sum));
        }

        [Fact]
        public void NaNLogit_PoisonsItsRowOnly()
        {
            float[] x = [1, float.NaN, 3, 1, 2, 3];
            long[] t = [0, 2];
            var grad = new float[6];
            var per = new float[2];
            FastLosses.CrossEntropyForwardBackward<float>(x, t, 2, 3, grad, reduction: Reduction.None, lossOut: per);
            Assert.True(float.IsNaN(per[0]));
            Assert.All(grad[..3], g => Assert.True(float.IsNaN(g)));
            Assert.False(float.IsNaN(per[1]));
            Assert.All(grad[3..], g => Assert.False(float.IsNaN(g)));
        }
    }

    public class Errors
    {
        [Theory]
        [InlineData(3L, "Target 3 is out of bounds.")]
        [InlineData(-1L, "Target -1 is out of bounds.")]
        public void TargetOutOfBounds_PyTorchText(long bad, string message)
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.CrossEntropy<float>(new float[6], [0, bad], 2, 3));
            Assert.Equal(message, ex.Message);
            Assert.Equal(TorchErrorKind.IndexError, ex.Kind);
        }

        [Fact]
        public void WeightOfWrongLength_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => FastLosses.CrossEntropy<float>(new float[6], [0, 1], 2, 3, weight: [1f, 2f]));
            Assert.Equal("weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]", ex.Message);
        }

        [Fact]
        public void GradientBufferOfWrongLength_Throws()
        {
            var ex = Assert.Throws<ArgumentException>(() => FastLosses.CrossEntropyForwardBackward<float>(new float[6], [0, 1], 2, 3, new float[5]));
            Assert.Equal("gradInput has 5 elements, expected 6 (Parameter 'gradInput')", ex.Message);
        }
    }

    /// <summary>
    /// Against the readable reference op (<see cref="Functional.CrossEntropy"/>), which reproduces libtorch's float32
    /// arithmetic: agreement within the float32 tolerance, and on aggregate no larger error against float64.
    /// </summary>
    public class AgainstFunctional
    {
        [Theory]
        [InlineData(64, 1000, Reduction.Mean)]
        [InlineData(256, 10, Reduction.Sum)]
        [InlineData(40, 37, Reduction.None)]
        public void Float32_AgreesWithReferenceOp(int n, int c, Reduction reduction)
        {
            var rng = new System.Random(Seed + n);
            float[] x = UniformF(rng, n * c, -6, 6);
            long[] t = Classes(rng, n, c, Ignore, 0.1);
            var fused = Fused(x, t, n, c, 1, null, reduction);

            Tensor xt = Tensor.FromArray(x, n, c), tt = Tensor.FromArray(t, n);
            Tensor loss = Functional.CrossEntropy(xt, tt, reduction: reduction);
            Tensor g = reduction == Reduction.None ? Tensor.FromArray(Enumerable.Repeat(1f, n).ToArray(), n) : Tensor.Scalar(1.0);
            double[] grad = Functional.CrossEntropyBackward(g, xt, tt, reduction: reduction).ToDoubleArray();

            if (reduction == Reduction.None)
            {
                Close(loss.ToDoubleArray(), fused.PerSample, 2 * F32LossRelTol, 0);
            }
            else
            {
                CloseScalar(loss.GetDouble(0), fused.Loss, 2 * F32LossRelTol);
            }
            Close(grad, fused.Grad, 2 * F32GradRelTol, 2 * F32GradAbsTol);
        }

        [Fact]
        public void Float32_AggregateErrorVsFloat64_NoLargerThanReferenceOp()
        {
            double fastLoss = 0, refLoss = 0, fastGrad = 0, refGrad = 0;
            foreach ((int n, int c) in new[] { (64, 1000), (256, 10), (512, 32), (16, 5000) })
            {
                var rng = new System.Random(Seed + c);
                float[] x = UniformF(rng, n * c, -8, 8);
                long[] t = Classes(rng, n, c, Ignore, 0);
                var exact = Float64Reference.CrossEntropy(Widen(x), t, n, c, 1, null, Ignore, Reduction.None);
                var fused = Fused(x, t, n, c, 1, null, Reduction.None);
                Tensor xt = Tensor.FromArray(x, n, c), tt = Tensor.FromArray(t, n);
                double[] refPer = Functional.CrossEntropy(xt, tt, reduction: Reduction.None).ToDoubleArray();
                double[] refG = Functional.CrossEntropyBackward(Tensor.FromArray(Enumerable.Repeat(1f, n).ToArray(), n), xt, tt, reduction: Reduction.None).ToDoubleArray();
                for (int i = 0; i < n; i++)
                {
                    fastLoss += Math.Abs(fused.PerSample[i] - exact.PerSample[i]);
                    refLoss += Math.Abs(refPer[i] - exact.PerSample[i]);
                }
                for (int i = 0; i < x.Length; i++)
                {
                    fastGrad += Math.Abs(fused.Grad[i] - exact.Grad[i]);
                    refGrad += Math.Abs(refG[i] - exact.Grad[i]);
                }
            }
            TestContext.Current.SendDiagnosticMessage($"Σ|Δloss| fast {fastLoss:E3} vs reference op {refLoss:E3}; Σ|Δgrad| fast {fastGrad:E3} vs reference op {refGrad:E3}");
            Assert.True(fastLoss <= refLoss, $"loss: fast {fastLoss:E3} > reference op {refLoss:E3}");
            Assert.True(fastGrad <= refGrad, $"grad: fast {fastGrad:E3} > reference op {refGrad:E3}");
        }
    }
}
