using Parity.Native;
using Parity.Native.Fast;

namespace Parity.Native.Tests.Fast;

/// <summary>The caller-buffer API allocates nothing per call (after the first call has created any helper threads).</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CallerBufferApi_AllocatesNothingPerCall(int threads)
    {
        var rng = new System.Random(FastTestSupport.Seed);
        const int n = 2048, c = 100;
        float[] x = FastTestSupport.UniformF(rng, n * c, -4, 4);
        float[] p = FastTestSupport.UniformF(rng, n * c, 0.01, 0.99);
        float[] y = FastTestSupport.UniformF(rng, n * c, 0, 1);
        long[] t = FastTestSupport.Classes(rng, n, c, -100, 0.1);
        float[] w = FastTestSupport.UniformF(rng, c, 0.5, 1.5);
        var grad = new float[n * c];
        var perSample = new float[n];
        var perElement = new float[n * c];

        void All()
        {
            FastLosses.CrossEntropyForwardBackward<float>(x, t, n, c, grad, weight: w, threads: threads);
            FastLosses.CrossEntropy<float>(x, t, n, c, reduction: Reduction.None, lossOut: perSample, threads: threads);
            FastLosses.NllLossForwardBackward<float>(x, t, n, c, grad, threads: threads);
            FastLosses.LogSoftmax<float>(x, n, c, grad, threads: threads);
            FastLosses.BinaryCrossEntropyForwardBackward<float>(p, y, grad, w, threads: threads);
            FastLosses.BinaryCrossEntropyWithLogitsForwardBackward<float>(x, y, grad, posWeight: w, reduction: Reduction.None, lossOut: perElement, threads: threads);
            FastLosses.Sum<float>(x, threads);
        }

        All();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            All();
        }
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }
}
