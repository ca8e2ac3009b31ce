using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;
using static Parity.Native.Tests.Fast.FastTestSupport;

namespace Parity.Native.Tests.Fast;

public class FastNllLossTests
{
    private const long Ignore = -100;

    private static (double Loss, double[] Grad) Fused<T>(T[] x, long[] t, int n, int c, int inner, T[]? w, Reduction reduction, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = new T[x.Length];
        var per = new T[reduction == Reduction.None ? t.Length : 0];
        T loss = FastLosses.NllLossForwardBackward<T>(x, t, n, c, grad, inner, w, Ignore, reduction, default, per, threads);
        return (reduction == Reduction.None ? Widen(per).Sum() : double.CreateTruncating(loss), Widen(grad));
    }

    public class Float64
    {
        [Theory]
        [InlineData(Reduction.Mean, 1)]
        [InlineData(Reduction.Sum, 1)]
        [InlineData(Reduction.Mean, 35)]
        [InlineData(Reduction.None, 35)]
        public void MatchesFloat64Definition(Reduction reduction, int inner)
        {
            var rng = new System.Random(Seed);
            double[] x = Uniform(rng, 9 * 6 * inner, -5, 0);
            long[] t = Classes(rng, 9 * inner, 6, Ignore, 0.2);
            double[] w = Uniform(rng, 6, 0.5, 2);
            var expected = Float64Reference.NllLoss(x, t, 9, 6, inner, w, Ignore, reduction);
            var actual = Fused(x, t, 9, 6, inner, w, reduction);
            CloseScalar(reduction == Reduction.None ? expected.PerSample.Sum() : expected.Loss, actual.Loss, F64RelTol);
            Close(expected.Grad, actual.Grad, F64RelTol, 0);
        }
    }

    public class Determinism
    {
        [Theory]
        [InlineData(2)]
        [InlineData(7)]
        public void Float32_BitIdenticalForAnyThreadCount(int threads)
        {
            var rng = new System.Random(Seed);
            float[] x = UniformF(rng, 40000 * 17, -5, 0);
            long[] t = Classes(rng, 40000, 17, Ignore, 0.1);
            var one = Fused(x, t, 40000, 17, 1, null, Reduction.Mean, 1);
            var many = Fused(x, t, 40000, 17, 1, null, Reduction.Mean, threads);
            BitEqual([one.Loss], [many.Loss]);
            BitEqual(one.Grad, many.Grad);
        }
    }
}

public class FastLogSoftmaxTests
{
    [Theory]
    [InlineData(13, 1000, 1)]
    [InlineData(3, 7, 1)]
    [InlineData(2, 21, 300)]
    public void Float64_MatchesDefinition(int n, int c, int inner)
    {
        var rng = new System.Random(Seed);
        double[] x = Uniform(rng, n * c * inner, -10, 10);
        var y = new double[x.Length];
        FastLosses.LogSoftmax<double>(x, n, c, y, inner);
        Close(Float64Reference.LogSoftmax(x, n, c, inner), y, F64RelTol, 1e-15);
    }

    [Theory]
    [InlineData(13, 1000, 1)]
    [InlineData(3, 7, 1)]
    [InlineData(2, 21, 300)]
    public void Float32_MatchesDefinition(int n, int c, int inner)
    {
        var rng = new System.Random(Seed);
        float[] x = UniformF(rng, n * c * inner, -10, 10);
        var y = new float[x.Length];
        FastLosses.LogSoftmax<float>(x, n, c, y, inner);
        // log-probabilities down to about −27: an error of a few ulps of the row's log-sum-exp, not of each element.
        Close(Float64Reference.LogSoftmax(Widen(x), n, c, inner), Widen(y), F32LossRelTol, F32GradAbsTol);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    public void Float32_BitIdenticalForAnyThreadCount(int threads)
    {
        var rng = new System.Random(Seed);
        float[] x = UniformF(rng, 3000 * 100, -10, 10);
        var one = new float[x.Length];
        var many = new float[x.Length];
        FastLosses.LogSoftmax<float>(x, 3000, 100, one, threads: 1);
        FastLosses.LogSoftmax<float>(x, 3000, 100, many, threads: threads);
        BitEqual(one, many);
    }

    /// <summary>
    /// A K-dimensional float output of at least <see cref="FastLosses.StreamingStoreBytes"/> is written with non-temporal
    /// stores; here into a buffer one float past an aligned address, with an odd inner size so class segments start at
    /// every alignment. Each sample has the bits of a small (cached-store) call on that sample alone, for 1, 2 and 7
    /// threads, and the whole matches float64.
    /// </summary>
    [Fact]
    public void Float32_KDim_StreamingOutput_SameBitsAsSmallCalls_AndMatchesDefinition()
    {
        const int n = 3, c = 21, inner = 66_667;
        int perSample = c * inner;
        Assert.True((long)n * perSample * sizeof(float) >= FastLosses.StreamingStoreBytes);
        Assert.True((long)perSample * sizeof(float) < FastLosses.StreamingStoreBytes);
        var rng = new System.Random(Seed);
        float[] x = UniformF(rng, n * perSample, -10, 10);
        var buffer = new float[(n * perSample) + 1];
        foreach (int threads in new[] { 1, 2, 7 })
        {
            Span<float> y = buffer.AsSpan(1, n * perSample);
            y.Clear();
            FastLosses.LogSoftmax<float>(x, n, c, y, inner, threads);
            for (int b = 0; b < n; b++)
            {
                var single = new float[perSample];
                FastLosses.LogSoftmax<float>(x.AsSpan(b * perSample, perSample), 1, c, single, inner);
                BitEqual(single, y.Slice(b * perSample, perSample).ToArray());
            }
        }
        Close(Float64Reference.LogSoftmax(Widen(x), n, c, inner), Widen(buffer[1..]), F32LossRelTol, F32GradAbsTol);
    }
}

public class FastReductionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(1_000_003)]
    public void Sum_Float32_WithinOneRoundingOfExactSum(int count)
    {
        var rng = new System.Random(Seed + count);
        float[] x = UniformF(rng, count, -1, 1);
        double exact = 0;
        foreach (float v in x)
        {
            exact += v; // float values summed in double: error ≤ count·2⁻⁵³·Σ|x|, far below one float rounding here.
        }
        float sum = FastLosses.Sum<float>(x);
        Assert.True(Math.Abs(sum - exact) <= (Math.Abs(exact) * 6e-8) + 1e-9, $"sum {sum:R} vs {exact:R}");
    }

    [Fact]
    public void Mean_Empty_IsNaN() => Assert.True(float.IsNaN(FastLosses.Mean<float>([])));

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    public void Sum_BitIdenticalForAnyThreadCount(int threads)
    {
        var rng = new System.Random(Seed);
        float[] x = UniformF(rng, 5_000_017, -1, 1);
        BitEqual([FastLosses.Sum<float>(x, 1)], [FastLosses.Sum<float>(x, threads)]);
        BitEqual([FastLosses.Mean<float>(x, 1)], [FastLosses.Mean<float>(x, threads)]);
    }
}
