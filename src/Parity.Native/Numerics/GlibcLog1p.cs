namespace Parity.Native.Numerics;

/// <summary>
/// A pure C# <c>log1p</c>/<c>log1pf</c> with the bits of glibc 2.36 on x86-64 (the fdlibm algorithm glibc ships in
/// <c>sysdeps/ieee754/dbl-64/s_log1p.c</c> and <c>flt-32/s_log1pf.c</c>), for hosts without glibc. The double version
/// follows glibc's CPU dispatch: Debian 12's libm selects an FMA build of <c>log1p</c> on FMA+AVX2 processors, and the
/// fused multiply-adds change about 0.07% of results by one ulp.
/// </summary>
/// <remarks>
/// <para>Method: write 1 + x = 2^k·(1 + f) with √2/2 &lt; 1 + f &lt; √2, carrying the rounding error c of 1 + x as a
/// correction c/u when k ≠ 0. With s = f/(2 + f), log(1 + f) = 2s + s·R(s²), R a degree-7 even polynomial, and
/// log1p(x) = k·ln2_hi + (f − (f²/2 − (s·(f²/2 + R) + (k·ln2_lo + c)))).</para>
/// <para><see cref="LibM"/> still calls the C library, because libtorch uses whatever libm the host has; on glibc 2.36
/// both agree bit for bit (verified over millions of inputs in the tests). Newer glibc releases may replace
/// <c>log1pf</c> by a correctly rounded version, in which case this port keeps the 2.36 bits.</para>
/// </remarks>
public static class GlibcLog1p
{
    private const double Ln2Hi = 6.93147180369123816490e-01; // 0x3fe62e42_fee00000
    private const double Ln2Lo = 1.90821492927058770002e-10; // 0x3dea39ef_35793c76
    private const double Lp1 = 6.666666666666735130e-01;
    private const double Lp2 = 3.999999999940941908e-01;
    private const double Lp3 = 2.857142874366239149e-01;
    private const double Lp4 = 2.222219843214978396e-01;
    private const double Lp5 = 1.818357216161805012e-01;
    private const double Lp6 = 1.531383769920937332e-01;
    private const double Lp7 = 1.479819860511658591e-01;

    private const float Ln2HiF = 6.9313812256e-01f; // 0x3f317180
    private const float Ln2LoF = 9.0580006145e-06f; // 0x3717f7d1
    private const float Lp1F = 6.6666668653e-01f;
    private const float Lp2F = 4.0000000596e-01f;
    private const float Lp3F = 2.8571429849e-01f;
    private const float Lp4F = 2.2222198546e-01f;
    private const float Lp5F = 1.8183572590e-01f;
    private const float Lp6F = 1.5313838422e-01f;
    private const float Lp7F = 1.4798198640e-01f;

    /// <summary>
    /// log(1 + <paramref name="x"/>) in double, as glibc 2.36's <c>log1p</c> on this CPU: the FMA build when the
    /// processor has FMA and AVX2 (glibc selects it at load time), the plain SSE2 build otherwise.
    /// </summary>
    /// <param name="x">Any double; −1 gives −∞, below −1 gives NaN.</param>
    public static double Log1p(double x) =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported ? Log1pFma(x) : Log1pSse2(x);

    /// <summary>glibc's baseline x86-64 build of <c>log1p</c>: every multiply and add rounded separately.</summary>
    /// <param name="x">Any double.</param>
    public static double Log1pSse2(double x) => Log1pCore(x, fused: false);

    /// <summary>
    /// glibc's <c>__log1p_fma</c> (the same source compiled with <c>-mfma -mavx2</c>), with the multiply-adds GCC fuses:
    /// the pairs z·Lp₃ + Lp₂ (and Lp₅, Lp₇), the sum z·Lp₁ + z²·R₂ + z⁴·R₃ + z⁶·R₄ as a chain of three fmas with z²·R₂
    /// rounded first, k·ln2_lo + c, the final k·ln2_hi − (…), and 1 − ⅔f in the small-f branch.
    /// </summary>
    /// <param name="x">Any double.</param>
    public static double Log1pFma(double x) => Log1pCore(x, fused: true);

    private static double MulAdd(double a, double b, double c, bool fused) => fused ? Math.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    private static double Log1pCore(double x, bool fused)
    {
        int hx = HighWord(x);
        int ax = hx & 0x7fffffff;
        int k = 1;
        int hu = 0;
        double f = 0, c = 0;
        if (hx < 0x3FDA827A)
        {
            // x < 0.41422 (or negative)
            if (ax >= 0x3ff00000)
            {
                return x == -1.0 ? double.NegativeInfinity : (x - x) / (x - x);
            }
            if (ax < 0x3e200000)
            {
                // |x| < 2^-29: two terms of the series suffice.
                return ax < 0x3c900000 ? x : MulAdd(-(x * x), 0.5, x, fused);
            }
            if (hx > 0 || hx <= unchecked((int)0xbfd2bec3))
            {
                // −0.2929 < x < 0.41422: no reduction.
                k = 0;
                f = x;
                hu = 1;
            }
        }
        else if (hx >= 0x7ff00000)
        {
            return x + x;
        }
        if (k != 0)
        {
            double u;
            if (hx < 0x43400000)
            {
                u = 1.0 + x;
                hu = HighWord(u);
                k = (hu >> 20) - 1023;
                c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
                c /= u;
            }
            else
            {
                u = x;
                hu = HighWord(u);
                k = (hu >> 20) - 1023;
                c = 0;
            }
            hu &= 0x000fffff;
            if (hu < 0x6a09e)
            {
                u = WithHighWord(u, hu | 0x3ff00000);
            }
            else
            {
                k += 1;
                u = WithHighWord(u, hu | 0x3fe00000);
                hu = (0x00100000 - hu) >> 2;
            }
            f = u - 1.0;
        }
        double hfsq = 0.5 * f * f;
        double kd = k;
        if (hu == 0)
        {
            // |f| < 2^-20
            if (f == 0.0)
            {
                if (k == 0)
                {
                    return 0.0;
                }
                c = MulAdd(kd, Ln2Lo, c, fused);
                return MulAdd(kd, Ln2Hi, c, fused);
            }
            double r0 = hfsq * MulAdd(-f, 0.66666666666666666, 1.0, fused);
            return k == 0 ? f - r0 : MulAdd(kd, Ln2Hi, -((r0 - MulAdd(kd, Ln2Lo, c, fused)) - f), fused);
        }
        double s = f / (2.0 + f);
        double z = s * s;
        double z2 = z * z;
        double z4 = z2 * z2;
        double z6 = z4 * z2;
        double r2 = MulAdd(z, Lp3, Lp2, fused);
        double r3 = MulAdd(z, Lp5, Lp4, fused);
        double r4 = MulAdd(z, Lp7, Lp6, fused);
        // Even and odd terms grouped in pairs (the pipelined form glibc uses), summed left to right.
        double r = MulAdd(z6, r4, MulAdd(z4, r3, MulAdd(z, Lp1, z2 * r2, fused), fused), fused);
        double t = s * (hfsq + r);
        return k == 0
            ? f - (hfsq - t)
            : MulAdd(kd, Ln2Hi, -((hfsq - (t + MulAdd(kd, Ln2Lo, c, fused))) - f), fused);
    }

    /// <summary>log(1 + <paramref name="x"/>) in float, as glibc 2.36's <c>log1pf</c>.</summary>
    /// <param name="x">Any float; −1 gives −∞, below −1 gives NaN.</param>
    public static float Log1p(float x)
    {
        int hx = BitConverter.SingleToInt32Bits(x);
        int ax = hx & 0x7fffffff;
        int k = 1;
        int hu = 0;
        float f = 0, c = 0;
        if (hx < 0x3ed413d7)
        {
            if (ax >= 0x3f800000)
            {
                return x == -1.0f ? float.NegativeInfinity : (x - x) / (x - x);
            }
            if (ax < 0x31000000)
            {
                return ax < 0x24800000 ? x : x - (x * x * 0.5f);
            }
            if (hx > 0 || hx <= unchecked((int)0xbe95f61f))
            {
                k = 0;
                f = x;
                hu = 1;
            }
        }
        if (hx >= 0x7f800000)
        {
            return x + x;
        }
        if (k != 0)
        {
            float u;
            if (hx < 0x5a000000)
            {
                u = 1.0f + x;
                hu = BitConverter.SingleToInt32Bits(u);
                k = (hu >> 23) - 127;
                c = k > 0 ? 1.0f - (u - x) : x - (u - 1.0f);
                c /= u;
            }
            else
            {
                u = x;
                hu = BitConverter.SingleToInt32Bits(u);
                k = (hu >> 23) - 127;
                c = 0;
            }
            hu &= 0x007fffff;
            if (hu < 0x3504f7)
            {
                u = BitConverter.Int32BitsToSingle(hu | 0x3f800000);
            }
            else
            {
                k += 1;
                u = BitConverter.Int32BitsToSingle(hu | 0x3f000000);
                hu = (0x00800000 - hu) >> 2;
            }
            f = u - 1.0f;
        }
        float hfsq = 0.5f * f * f;
        if (hu == 0)
        {
            if (f == 0f)
            {
                if (k == 0)
                {
                    return 0f;
                }
                c += k * Ln2LoF;
                return (k * Ln2HiF) + c;
            }
            float r0 = hfsq * (1.0f - (0.666666667f * f));
            return k == 0 ? f - r0 : (k * Ln2HiF) - ((r0 - ((k * Ln2LoF) + c)) - f);
        }
        float s = f / (2.0f + f);
        float z = s * s;
        float r = z * (Lp1F + (z * (Lp2F + (z * (Lp3F + (z * (Lp4F + (z * (Lp5F + (z * (Lp6F + (z * Lp7F))))))))))));
        return k == 0
            ? f - (hfsq - (s * (hfsq + r)))
            : (k * Ln2HiF) - ((hfsq - ((s * (hfsq + r)) + ((k * Ln2LoF) + c))) - f);
    }

    private static int HighWord(double d) => (int)(BitConverter.DoubleToUInt64Bits(d) >> 32);

    private static double WithHighWord(double d, int hi) =>
        BitConverter.UInt64BitsToDouble((BitConverter.DoubleToUInt64Bits(d) & 0xffffffffUL) | ((ulong)(uint)hi << 32));
}
