using System.Runtime.CompilerServices;

namespace Parity.Native.Ops;

/// <summary>
/// The float32 exp, log and log1p that libtorch's vectorised kernels use on x86 (SLEEF's 1-ulp <c>expf</c>, <c>logf</c>,
/// <c>log1pf</c> as built for AVX2/AVX-512, with fused multiply-adds), so that the vector lanes of softmax, log_softmax,
/// sigmoid and log_sigmoid can be reproduced bit for bit.
/// </summary>
/// <remarks>
/// exp(d) = 2^q · e^s with q = rint(d / ln 2) and s = d − q·ln 2 (ln 2 split into a short high part and a low part,
/// each subtraction fused), e^s from a degree-7 polynomial evaluated with fused multiply-adds, then scaled by 2^q in two
/// halves so that q near the exponent limits does not overflow the scale. Below −104 the result is 0, above 100 it is +∞.
/// <para>Algorithms and polynomial coefficients are SLEEF's (Naoki Shibata and contributors, Boost Software License 1.0,
/// https://sleef.org); the coefficients must be identical for the results to be. This is a C# re-expression, lane by lane.</para>
/// </remarks>
internal static class SleefFloat
{
    private const float L2U = 0.693145751953125f;
    private const float L2L = 1.428606765330187045e-06f;
    private const float RLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;

    /// <summary>SLEEF <c>expf</c> (u10), as <c>Sleef_expf8_u10</c>/<c>Sleef_expf16_u10</c> compute each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float d)
    {
        int q = (int)MathF.Round(d * RLn2, MidpointRounding.ToEven);
        float qf = q;
        float s = MathF.FusedMultiplyAdd(qf, -L2U, d);
        s = MathF.FusedMultiplyAdd(qf, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = MathF.FusedMultiplyAdd(u, s, 0.00139304355252534151077271f);
        u = MathF.FusedMultiplyAdd(u, s, 0.00833336077630519866943359f);
        u = MathF.FusedMultiplyAdd(u, s, 0.0416664853692054748535156f);
        u = MathF.FusedMultiplyAdd(u, s, 0.166666671633720397949219f);
        u = MathF.FusedMultiplyAdd(u, s, 0.5f);
        u = 1.0f + MathF.FusedMultiplyAdd(s * s, u, s);
        u = LdExp2(u, q);
        if (d < -104f)
        {
            u = 0f;
        }
        if (100f < d)
        {
            u = float.PositiveInfinity;
        }
        return u;
    }

    /// <summary>SLEEF <c>logf</c> (u10, the <c>logf_u1</c> kernel) as <c>Sleef_logf8_u10</c> computes each lane on AVX2.</summary>
    /// <remarks>
    /// d = m·2^e with m in [0.75, 1.5); log d = e·ln 2 + 2·atanh((m − 1)/(m + 1)), the ratio and the sum carried as
    /// float pairs (value + error) with fused multiply-adds, and a short odd polynomial for the atanh tail.
    /// </remarks>
    public static float Log(float d)
    {
        bool tiny = d < 1.17549435e-38f; // FLT_MIN
        float dd = tiny ? d * 1.8446744073709552E19f : d;
        int e = ((BitConverter.SingleToInt32Bits(dd * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
        float m = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(dd) + (-e << 23));
        if (tiny)
        {
            e -= 64;
        }
        var s = MulPair(0.69314718246459960938f, -1.904654323148236017e-09f, e);
        var (xx, xy) = DivPair(Add2(-1f, m), Add2(1f, m));
        float x2 = xx * xx;
        float t = 0.3027294874f;
        t = MathF.FusedMultiplyAdd(t, x2, 0.3996108174f);
        t = MathF.FusedMultiplyAdd(t, x2, 0.6666694880f);
        s = AddPair(s, (xx * 2, xy * 2));
        float add = x2 * xx * t;
        float rx = s.X + add;
        float ry = s.X - rx + add + s.Y;
        float r = rx + ry;
        if (float.IsPositiveInfinity(d))
        {
            r = float.PositiveInfinity;
        }
        if (d < 0 || float.IsNaN(d))
        {
            r = float.NaN;
        }
        if (d == 0)
        {
            r = float.NegativeInfinity;
        }
        return r;
    }

    /// <summary>SLEEF <c>log1pf</c> (u10) as <c>Sleef_log1pf8_u10</c> computes each lane on AVX2.</summary>
    /// <remarks>
    /// 1 + d = m'·2^e with the reduced argument m = d·2^−e + (2^−e − 1) formed by one fused multiply-add, so no
    /// precision of a small d is lost in 1 + d; then log = e·ln 2 + 2·atanh(m/(2 + m)) as in <see cref="Log"/>.
    /// </remarks>
    public static float Log1p(float d)
    {
        float dp1 = d + 1f;
        bool tiny = dp1 < 1.17549435e-38f;
        if (tiny)
        {
            dp1 *= 1.8446744073709552E19f;
        }
        int e = ((BitConverter.SingleToInt32Bits(dp1 * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
        float t = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1f) + (-e << 23));
        float m = MathF.FusedMultiplyAdd(d, t, t - 1f);
        if (tiny)
        {
            e -= 64;
        }
        var s = MulPair(0.69314718246459960938f, -1.904654323148236017e-09f, e);
        float dx = 2f + m;
        var (xx, xy) = DivPair((m, 0f), (dx, 2f - dx + m));
        float x2 = xx * xx;
        float p = 0.3027294874f;
        p = MathF.FusedMultiplyAdd(p, x2, 0.3996108174f);
        p = MathF.FusedMultiplyAdd(p, x2, 0.6666694880f);
        s = AddPair(s, (xx * 2, xy * 2));
        float add = x2 * xx * p;
        float rx = s.X + add;
        float ry = s.X - rx + add + s.Y;
        float r = rx + ry;
        if (d > 1e38f)
        {
            // SLEEF 3.6 (libtorch 2.10): past the core approximation's bound log1p(d) is log(d) (xlogf_u1), not +∞.
            r = Log(d);
        }
        if (-1f > d)
        {
            r = float.NaN;
        }
        if (d == -1f)
        {
            r = float.NegativeInfinity;
        }
        if (d == 0f && float.IsNegative(d))
        {
            r = -0f;
        }
        return r;
    }

    private static (float X, float Y) MulPair(float xx, float xy, float y)
    {
        float rx = xx * y;
        return (rx, MathF.FusedMultiplyAdd(xy, y, MathF.FusedMultiplyAdd(xx, y, -rx)));
    }

    private static (float X, float Y) Add2(float x, float y)
    {
        float rx = x + y;
        float v = rx - x;
        return (rx, (x - (rx - v)) + (y - v));
    }

    private static (float X, float Y) DivPair((float X, float Y) n, (float X, float Y) d)
    {
        float t = 1.0f / d.X;
        float qx = n.X * t;
        float u = MathF.FusedMultiplyAdd(t, n.X, -qx);
        float qy = MathF.FusedMultiplyAdd(-d.Y, t, MathF.FusedMultiplyAdd(-d.X, t, 1f));
        qy = MathF.FusedMultiplyAdd(qx, qy, MathF.FusedMultiplyAdd(n.Y, t, u));
        return (qx, qy);
    }

    private static (float X, float Y) AddPair((float X, float Y) x, (float X, float Y) y)
    {
        float rx = x.X + y.X;
        return (rx, x.X - rx + y.X + x.Y + y.Y);
    }

    /// <summary>d·2^(e≫1)·2^(e−(e≫1)), each power built directly in the exponent field.</summary>
    private static float LdExp2(float d, int e)
    {
        int h = e >> 1;
        return d * Pow2i(h) * Pow2i(e - h);
    }

    private static float Pow2i(int q) => BitConverter.Int32BitsToSingle((q + 0x7f) << 23);
}
