using Parity.Native.Ops;

namespace Parity.Native.Tests.Ops;

/// <summary>
/// The SLEEF-equivalent lane functions against float64/glibc references: SLEEF's u10 functions are within 1 ulp of the
/// exact result, so they must stay within 1 ulp (float, against a double reference rounded once) or 2 ulp (double,
/// against glibc, itself within 1 ulp) — plus PyTorch-visible special values.
/// </summary>
public class SleefTests
{
    private static long UlpDistance(float a, float b)
    {
        int ia = BitConverter.SingleToInt32Bits(a), ib = BitConverter.SingleToInt32Bits(b);
        long la = ia < 0 ? int.MinValue - (long)ia : ia;
        long lb = ib < 0 ? int.MinValue - (long)ib : ib;
        return Math.Abs(la - lb);
    }

    private static long UlpDistance(double a, double b)
    {
        long ia = BitConverter.DoubleToInt64Bits(a), ib = BitConverter.DoubleToInt64Bits(b);
        Int128 la = ia < 0 ? (Int128)long.MinValue - ia : ia;
        Int128 lb = ib < 0 ? (Int128)long.MinValue - ib : ib;
        return (long)Int128.Abs(la - lb);
    }

    private static IEnumerable<double> Samples(double lo, double hi)
    {
        var rng = new Random(OpsTestSupport.Seed);
        for (int i = 0; i < 20000; i++)
        {
            yield return lo + ((hi - lo) * rng.NextDouble());
        }
    }

    public class Float32
    {
        [Fact]
        public void Exp_WithinOneUlp()
        {
            foreach (double v in Samples(-103, 88))
            {
                float x = (float)v;
                Assert.True(UlpDistance((float)Math.Exp(x), SleefFloat.Exp(x)) <= 1, $"exp({x:R})");
            }
        }

        [Fact]
        public void Log_And_Log1p_WithinOneUlp()
        {
            foreach (double v in Samples(-30, 30))
            {
                float x = (float)Math.Exp(v);
                Assert.True(UlpDistance((float)Math.Log(x), SleefFloat.Log(x)) <= 1, $"log({x:R})");
                float y = (float)(Math.Exp(v / 3) - 1);
                Assert.True(UlpDistance((float)Math.Log(1.0 + (double)y), SleefFloat.Log1p(y)) <= 1, $"log1p({y:R})");
            }
        }

        [Fact]
        public void SpecialValues()
        {
            Assert.Equal(0f, SleefFloat.Exp(-200f));
            Assert.Equal(float.PositiveInfinity, SleefFloat.Exp(200f));
            Assert.Equal(1f, SleefFloat.Exp(0f));
            Assert.True(float.IsNaN(SleefFloat.Exp(float.NaN)));
            Assert.Equal(float.NegativeInfinity, SleefFloat.Log(0f));
            Assert.Equal(float.PositiveInfinity, SleefFloat.Log(float.PositiveInfinity));
            Assert.True(float.IsNaN(SleefFloat.Log(-1f)));
            Assert.Equal(0f, SleefFloat.Log(1f));
            Assert.Equal(float.NegativeInfinity, SleefFloat.Log1p(-1f));
            Assert.True(float.IsNegative(SleefFloat.Log1p(-0f)));
            Assert.True(float.IsNaN(SleefFloat.Log1p(-2f)));
        }
    }

    public class Float64
    {
        [Fact]
        public void Exp_Log_Log1p_WithinTwoUlpOfGlibc()
        {
            foreach (double v in Samples(-700, 700))
            {
                Assert.True(UlpDistance(Math.Exp(v), SleefDouble.Exp(v)) <= 2, $"exp({v:R})");
                double x = Math.Abs(v) + 1e-3;
                Assert.True(UlpDistance(Math.Log(x), SleefDouble.Log(x)) <= 2, $"log({x:R})");
                double y = v / 701;
                Assert.True(UlpDistance(Parity.Native.Numerics.LibM.Log1p(y), SleefDouble.Log1p(y)) <= 2, $"log1p({y:R})");
            }
        }

        [Fact]
        public void SpecialValues()
        {
            Assert.Equal(0.0, SleefDouble.Exp(-2000));
            Assert.Equal(double.PositiveInfinity, SleefDouble.Exp(710));
            Assert.Equal(1.0, SleefDouble.Exp(0));
            Assert.Equal(double.NegativeInfinity, SleefDouble.Log(0));
            Assert.True(double.IsNaN(SleefDouble.Log(-1)));
            Assert.Equal(0.0, SleefDouble.Log(1));
            Assert.Equal(double.NegativeInfinity, SleefDouble.Log1p(-1));
            Assert.True(double.IsNegative(SleefDouble.Log1p(-0.0)));
        }
    }
}
