using Parity.Native.Rng;

namespace Parity.Native.Tests.Rng;

/// <summary>
/// The scalar lane port of the AVX2 Cephes log/sincos against the C library (an independent computation): the
/// polynomials are accurate to a few float ulps over the sampler's domain. Bit-exactness against libtorch is shown by
/// the randn parity tests in Parity.Torch.Tests.
/// </summary>
public sealed class CephesAvx2Tests
{
    private static int UlpDistance(float a, float b)
    {
        int ia = BitConverter.SingleToInt32Bits(a), ib = BitConverter.SingleToInt32Bits(b);
        if (ia < 0) { ia = int.MinValue - ia; }
        if (ib < 0) { ib = int.MinValue - ib; }
        return Math.Abs(ia - ib);
    }

    public sealed class Log
    {
        [Fact]
        public void EveryUniformGrid_Within2UlpOfCorrectlyRoundedLog()
        {
            // 1 − u for every float u = k·2⁻²⁴ the sampler can produce (k in steps of 7 to keep it fast).
            int worst = 0;
            for (int k = 0; k < (1 << 24); k += 7)
            {
                float u1 = 1f - (k * (1f / 16777216f));
                float expected = (float)Math.Log(u1);
                worst = Math.Max(worst, UlpDistance(expected, CephesAvx2.Log(u1)));
            }
            Assert.InRange(worst, 0, 2);
        }

        [Fact]
        public void One_IsZero_AndNonPositive_IsNaN()
        {
            Assert.Equal(0f, CephesAvx2.Log(1f));
            Assert.True(float.IsNaN(CephesAvx2.Log(0f)));
            Assert.True(float.IsNaN(CephesAvx2.Log(-1f)));
        }
    }

    public sealed class SinCos
    {
        [Fact]
        public void AnglesOnTheSamplerGrid_WithinAbsolute2e7()
        {
            const float TwoPi = (float)(2.0 * Math.PI);
            double worst = 0;
            for (int k = 0; k < (1 << 24); k += 5)
            {
                float theta = TwoPi * (k * (1f / 16777216f));
                CephesAvx2.SinCos(theta, out float s, out float c);
                worst = Math.Max(worst, Math.Abs(s - Math.Sin(theta)));
                worst = Math.Max(worst, Math.Abs(c - Math.Cos(theta)));
            }
            Assert.InRange(worst, 0, 2e-7);
        }

        [Fact]
        public void Zero_GivesSin0Cos1()
        {
            CephesAvx2.SinCos(0f, out float s, out float c);
            Assert.Equal(0f, s);
            Assert.Equal(1f, c);
        }

        [Fact]
        public void NegativeAngle_FlipsOnlyTheSine()
        {
            CephesAvx2.SinCos(1.25f, out float s, out float c);
            CephesAvx2.SinCos(-1.25f, out float sn, out float cn);
            Assert.Equal(-s, sn);
            Assert.Equal(c, cn);
        }
    }
}
