using System.Runtime.Intrinsics;
using Parity.Native.Fast;

namespace Parity.Native.Tests.Fast;

/// <summary>The float vector exp/log against double-precision <see cref="Math.Exp"/>/<see cref="Math.Log"/> rounded to float.</summary>
public class VectorMathTests
{
    /// <summary>Largest distance, in float ulps, accepted from the correctly rounded result (Cephes-style polynomials).</summary>
    private const int MaxUlps = 2;

    private static int UlpDistance(float a, float b) =>
        Math.Abs(BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    private static float[] Apply(Func<Vector256<float>, Vector256<float>> f, float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 8)
        {
            f(Vector256.Create(x, i)).CopyTo(y, i);
        }
        return y;
    }

    [Fact]
    public void ExpNonPositive_WithinTwoUlps_NormalAndSubnormalResults()
    {
        var x = new float[8 * 200_000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -104f * i / x.Length;
        }
        float[] y = Apply(VectorMath.ExpNonPositive, x);
        int worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, UlpDistance(y[i], (float)Math.Exp(x[i])));
        }
        TestContext.Current.SendDiagnosticMessage($"exp: worst {worst} ulp");
        Assert.InRange(worst, 0, MaxUlps);
    }

    [Fact]
    public void ExpNonPositive_SpecialValues()
    {
        float[] x = [0f, -0f, -88.7f, -1000f, float.NegativeInfinity, float.NaN, -87.33f, -1e-30f, -103.9f, -104.5f, -103.28f, -95f, -87.4f, -100f, -50f, -1f];
        float[] y = Apply(VectorMath.ExpNonPositive, x);
        Assert.Equal(1f, y[0]);
        Assert.Equal(1f, y[1]);
        Assert.InRange(UlpDistance(y[2], (float)Math.Exp(x[2])), 0, 1); // 3.0e-39: subnormal, as SLEEF's expf returns it
        Assert.True(float.IsSubnormal(y[2]));
        Assert.Equal(0f, y[3]);
        Assert.Equal((float)Math.Exp(x[8]), y[8]); // 0.54·2⁻¹⁴⁹ rounds up to the smallest subnormal
        Assert.Equal(float.Epsilon, y[8]);
        Assert.Equal(0f, y[9]);
        Assert.InRange(UlpDistance(y[10], (float)Math.Exp(x[10])), 0, 1);
        Assert.InRange(UlpDistance(y[11], (float)Math.Exp(x[11])), 0, 1);
        for (int i = 12; i < 16; i++)
        {
            Assert.InRange(UlpDistance(y[i], (float)Math.Exp(x[i])), 0, MaxUlps);
        }
        Assert.Equal(0f, y[4]);
        Assert.True(float.IsNaN(y[5]));
        Assert.InRange(UlpDistance(y[6], (float)Math.Exp(x[6])), 0, MaxUlps);
        Assert.Equal(1f, y[7]);
    }

    private delegate void FourVectors(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3);

    /// <summary>Asserts that <paramref name="four"/> gives, lane for lane, the bits of <paramref name="single"/> on each of its four vectors.</summary>
    private static void AssertFourWaySameBits(FourVectors four, Func<Vector256<float>, Vector256<float>> single, float[] x)
    {
        for (int i = 0; i < x.Length; i += 32)
        {
            var v = new Vector256<float>[4];
            for (int k = 0; k < 4; k++)
            {
                v[k] = Vector256.Create(x, i + (8 * k));
            }
            four(ref v[0], ref v[1], ref v[2], ref v[3]);
            for (int k = 0; k < 4; k++)
            {
                Assert.Equal(single(Vector256.Create(x, i + (8 * k))).AsInt32(), v[k].AsInt32());
            }
        }
    }

    private static float[] RandomWithSpecials(int seed, double scale, float[] special)
    {
        var rng = new System.Random(seed);
        var x = new float[32 * 50_000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(rng.NextDouble() * scale);
        }
        special.CopyTo(x, 0);
        return x;
    }

    [Fact]
    public void ExpNonPositive4_SameBitsAsFourSingleCalls() =>
        AssertFourWaySameBits(
            VectorMath.ExpNonPositive4,
            VectorMath.ExpNonPositive,
            RandomWithSpecials(7, -110, [0f, -0f, -87.3365f, -87.3366f, -88f, -103.97f, -104f, -104.01f, float.NegativeInfinity, float.NaN, -1e-30f, -0.34657359f, -0.34657362f]));

    [Fact]
    public void Log1pUnit4_SameBitsAsFourSingleCalls() =>
        AssertFourWaySameBits(
            VectorMath.Log1pUnit4,
            VectorMath.Log1pUnit,
            RandomWithSpecials(9, 1, [0f, 1f, 1e-30f, 1.4e-45f, float.NaN, 0.5f, 1e-8f, 0.99999994f]));

    [Fact]
    public unsafe void ScaleWithTarget_SameBitsWithOrWithoutStreaming_AtEveryAlignment()
    {
        var rng = new System.Random(11);
        float[] e = UniformFloats(rng, 203);
        const float scale = 0.3712f;
        const float coef = 0.125f;
        fixed (float* ep = e)
        {
            foreach (int n in new[] { 3, 8, 21, 203 })
            {
                foreach (int target in new[] { 0, 1, n / 2, n - 1 })
                {
                    // Definition: an in-place rescale, then the target's subtraction, each rounded in float.
                    var expected = new float[n];
                    for (int j = 0; j < n; j++)
                    {
                        expected[j] = e[j] * scale;
                    }
                    expected[target] -= coef;
                    for (int offset = 0; offset < 8; offset++)
                    {
                        foreach (bool streaming in new[] { false, true })
                        {
                            var g = new float[n + 16];
                            fixed (float* gp = g)
                            {
                                VectorMath.ScaleWithTarget(ep, scale, gp + offset, n, target, coef, streaming);
                            }
                            System.Runtime.Intrinsics.X86.Sse.StoreFence();
                            Assert.Equal(
                                Array.ConvertAll(expected, BitConverter.SingleToInt32Bits),
                                Array.ConvertAll(g[offset..(offset + n)], BitConverter.SingleToInt32Bits));
                            Assert.All(g[..offset], v => Assert.Equal(0f, v));
                            Assert.All(g[(offset + n)..], v => Assert.Equal(0f, v));
                        }
                    }
                }
            }
        }
    }

    private static float[] UniformFloats(System.Random rng, int count)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = (float)rng.NextDouble();
        }
        return v;
    }

    [Fact]
    public void Log_WithinTwoUlps_AcrossExponentsAndSubnormals()
    {
        var rng = new System.Random(FastTestSupport.Seed);
        var x = new float[8 * 100_000];
        for (int i = 0; i < x.Length; i++)
        {
            // Random bit patterns of positive finite floats, subnormals included.
            x[i] = BitConverter.Int32BitsToSingle(rng.Next(1, 0x7F800000));
        }
        float[] y = Apply(VectorMath.Log, x);
        int worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, UlpDistance(y[i], (float)Math.Log(x[i])));
        }
        TestContext.Current.SendDiagnosticMessage($"log: worst {worst} ulp");
        Assert.InRange(worst, 0, MaxUlps);
    }

    [Fact]
    public void Log_NearOne_WithinTwoUlps()
    {
        var x = new float[8 * 10_000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = 0.5f + (1.5f * i / x.Length);
        }
        float[] y = Apply(VectorMath.Log, x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.InRange(UlpDistance(y[i], (float)Math.Log(x[i])), 0, MaxUlps);
        }
    }

    [Fact]
    public void Log_SpecialValues()
    {
        float[] x = [0f, float.PositiveInfinity, -1f, float.NaN, 1f, float.Epsilon, 2f, float.MaxValue];
        float[] y = Apply(VectorMath.Log, x);
        Assert.Equal(float.NegativeInfinity, y[0]);
        Assert.Equal(float.PositiveInfinity, y[1]);
        Assert.True(float.IsNaN(y[2]));
        Assert.True(float.IsNaN(y[3]));
        Assert.Equal(0f, y[4]);
        Assert.InRange(UlpDistance(y[5], (float)Math.Log(float.Epsilon)), 0, MaxUlps);
        Assert.InRange(UlpDistance(y[6], (float)Math.Log(2.0)), 0, MaxUlps);
        Assert.InRange(UlpDistance(y[7], (float)Math.Log(float.MaxValue)), 0, MaxUlps);
    }

    [Fact]
    public void Log1pUnit_WithinTwoUlps_FromTinyToOne()
    {
        var x = new float[8 * 100_000];
        for (int i = 0; i < x.Length; i++)
        {
            // Logarithmically spaced over [2⁻⁶⁰, 1], then exactly 0 and 1 at the ends.
            x[i] = (float)Math.Pow(2, -60.0 * (x.Length - 1 - i) / (x.Length - 1));
        }
        x[0] = 0;
        float[] y = Apply(VectorMath.Log1pUnit, x);
        int worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, UlpDistance(y[i], (float)Float64Reference.Log1p(x[i])));
        }
        TestContext.Current.SendDiagnosticMessage($"log1p: worst {worst} ulp");
        Assert.InRange(worst, 0, MaxUlps);
    }
}
