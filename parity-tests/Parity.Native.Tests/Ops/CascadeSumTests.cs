using Parity.Native;
using Parity.Native.Ops;

namespace Parity.Native.Tests.Ops;

/// <summary>
/// The float32 summation order of libtorch's at::sum, checked on inputs whose float result depends on the order;
/// expected values are worked out by hand from the order described in the remarks of <see cref="CascadeSum"/>.
/// </summary>
public class CascadeSumTests
{
    private const float TwoTo24 = 16777216f;

    public class Float32Order
    {
        [Fact]
        public void ShortRun_SplitsFourWaysThenFoldsLeftovers()
        {
            // 7 values, fewer than a vector: columns k = i mod 4 hold 1,1,1,1; leftovers 1,1,2^24 go into column 0:
            // 1+1 = 2, +1 = 3, +2^24 = 16777219 → 16777220 (ties to even); then +1, +1, +1 stay 16777220.
            // A left-to-right float sum would give 16777222.
            float[] v = [1, 1, 1, 1, 1, 1, TwoTo24];
            Assert.Equal(16777220f, CascadeSum.All<float>(v));
        }

        [Fact]
        public void VectorRun_AddsScalarTailBeforeLanes()
        {
            // 8 ones fill one vector, 2^24 is the scalar tail: the tail is summed first, so each lane's 1 is lost.
            float[] v = [1, 1, 1, 1, 1, 1, 1, 1, TwoTo24];
            Assert.Equal(TwoTo24, CascadeSum.All<float>(v));
        }

        [Fact]
        public void IntegersSumExactly()
        {
            float[] v = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
            Assert.Equal(499500f, CascadeSum.All<float>(v));
        }

        [Fact]
        public void EveryLength_SumsSmallIntegersExactly()
        {
            // Every code path (scalar row, vector lanes, cascade blocks, tails) on sums that are exact in float.
            for (int n = 0; n <= 300; n++)
            {
                float[] v = Enumerable.Range(0, n).Select(i => (float)((i % 7) - 3)).ToArray();
                double expected = v.Sum(x => (double)x);
                Assert.Equal(expected, CascadeSum.All<float>(v));
                Assert.Equal(expected, CascadeSum.All<double>(v.Select(x => (double)x).ToArray()));
            }
        }

        [Fact]
        public void AllNegativeZeros_SumToPositiveZero()
        {
            float s = CascadeSum.All<float>([-0f, -0f, -0f]);
            Assert.False(float.IsNegative(s));
        }

        [Fact]
        public void Empty_SumZero_MeanNaN()
        {
            Assert.Equal(0f, CascadeSum.All<float>([]));
            Assert.True(float.IsNaN(CascadeSum.Mean<float>([])));
        }
    }

    public class Helpers
    {
        [Theory]
        [InlineData(0, 1)]
        [InlineData(2, 1)]
        [InlineData(3, 2)]
        [InlineData(4, 2)]
        [InlineData(5, 3)]
        [InlineData(1024, 10)]
        [InlineData(1025, 11)]
        public void CeilLog2_MatchesDefinition(long x, int expected) => Assert.Equal(expected, CascadeSum.CeilLog2(x));

        [Fact]
        public void AlongDim_SumsEachColumn()
        {
            // (outer 2, reduced 3, inner 2) of the integers 0..11.
            double[] d = Enumerable.Range(0, 12).Select(i => (double)i).ToArray();
            Assert.Equal(new double[] { 0 + 2 + 4, 1 + 3 + 5, 6 + 8 + 10, 7 + 9 + 11 }, CascadeSum.AlongDim<double>(d, 2, 3, 2));
        }
    }
}
