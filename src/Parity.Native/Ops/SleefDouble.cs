namespace Parity.Native.Ops;

/// <summary>
/// The float64 exp, log and log1p that libtorch's vectorised kernels use on x86 (SLEEF's 1-ulp <c>exp</c>, <c>log</c>,
/// <c>log1p</c> as built for AVX2/AVX-512 with fused multiply-adds), so that float64 lanes can be reproduced bit for bit.
/// </summary>
/// <remarks>
/// exp: 2^q·e^s with q = rint(d/ln 2) and s reduced in two fused steps; e^s from a degree-12 polynomial, its high
/// terms evaluated in Estrin form (s, s², s⁴, s⁸) and the last three in Horner form. log: d = m·2^e, m in [0.75, 1.5),
/// log = e·ln 2 + 2·atanh((m − 1)/(m + 1)) with the ratio and the sum kept as double-double pairs.
/// <para>Algorithms and polynomial coefficients are SLEEF's (Naoki Shibata and contributors, Boost Software License 1.0,
/// https://sleef.org); the coefficients must be identical for the results to be. This is a C# re-expression, lane by lane.</para>
/// </remarks>
internal static class SleefDouble
{
    private const double L2U = .69314718055966295651160180568695068359375;
    private const double L2L = .28235290563031577122588448175013436025525412068e-12;
    private const double RLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931;

    private static double Fma(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);

    /// <summary>SLEEF <c>exp</c> (u10) as <c>Sleef_expd4_u10</c> computes each lane.</summary>
    public static double Exp(double d)
    {
        double u = Math.Round(d * RLn2, MidpointRounding.ToEven);
        int q = (int)u;
        double s = Fma(u, -L2U, d);
        s = Fma(u, -L2L, s);
        double s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
        u = Poly10(s, s2, s4, s8,
            +0.2081276378237164457e-8,
            +0.2511210703042288022e-7,
            +0.2755762628169491192e-6,
            +0.2755723402025388239e-5,
            +0.2480158687479686264e-4,
            +0.1984126989855865850e-3,
            +0.1388888888914497797e-2,
            +0.8333333333314938210e-2,
            +0.4166666666666602598e-1,
            +0.1666666666666669072e+0);
        u = Fma(u, s, 0.5);
        u = Fma(u, s, 1.0);
        u = Fma(u, s, 1.0);
        u = LdExp2(u, q);
        if (d > 709.78271114955742909217217426)
        {
            u = double.PositiveInfinity;
        }
        if (d < -1000)
        {
            u = 0;
        }
        return u;
    }

    /// <summary>SLEEF <c>log</c> (u10, the <c>log_u1</c> kernel) as <c>Sleef_logd4_u10</c> computes each lane.</summary>
    public static double Log(double d)
    {
        bool tiny = d < 2.2250738585072014e-308;
        double dd = tiny ? d * 1.8446744073709552E19 : d;
        int e = (int)((BitConverter.DoubleToInt64Bits(dd * (1.0 / 0.75)) >> 52) & 0x7ff) - 0x3ff;
        double m = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(dd) + ((long)-e << 52));
        if (tiny)
        {
            e -= 64;
        }
        var (xx, xy) = Div(Add2(-1, m), Add2(1, m));
        double r = LogTail(xx, xy, e);
        if (double.IsPositiveInfinity(d))
        {
            r = double.PositiveInfinity;
        }
        if (d < 0 || double.IsNaN(d))
        {
            r = double.NaN;
        }
        if (d == 0)
        {
            r = double.NegativeInfinity;
        }
        return r;
    }

    /// <summary>SLEEF <c>log1p</c> (u10) as <c>Sleef_log1pd4_u10</c> computes each lane: the reduced argument is
    /// formed with one fused multiply-add from d itself, so a small d keeps its precision.</summary>
    public static double Log1p(double d)
    {
        double dp1 = d + 1;
        bool tiny = dp1 < 2.2250738585072014e-308;
        if (tiny)
        {
            dp1 *= 1.8446744073709552E19;
        }
        int e = (int)((BitConverter.DoubleToInt64Bits(dp1 * (1.0 / 0.75)) >> 52) & 0x7ff) - 0x3ff;
        double t = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(1.0) + ((long)-e << 52));
        double m = Fma(d, t, t - 1);
        if (tiny)
        {
            e -= 64;
        }
        double dx = 2 + m;
        var (xx, xy) = Div((m, 0), (dx, 2 - dx + m));
        double r = LogTail(xx, xy, e);
        if (d > 1e307)
        {
            // SLEEF 3.6 (libtorch 2.10): past the core approximation's bound log1p(d) is log(d) (xlog_u1), not +∞.
            r = Log(d);
        }
        if (d < -1 || double.IsNaN(d))
        {
            r = double.NaN;
        }
        if (d == -1)
        {
            r = double.NegativeInfinity;
        }
        if (d == 0 && double.IsNegative(d))
        {
            r = -0.0;
        }
        return r;
    }

    /// <summary>e·ln 2 + 2x + x³·P(x²) summed as double-double pairs, rounded once.</summary>
    private static double LogTail(double xx, double xy, int e)
    {
        double x2 = xx * xx;
        double x4 = x2 * x2, x8 = x4 * x4;
        double t = Poly7(x2, x4, x8,
            0.1532076988502701353e+0,
            0.1525629051003428716e+0,
            0.1818605932937785996e+0,
            0.2222214519839380009e+0,
            0.2857142932794299317e+0,
            0.3999999999635251990e+0,
            0.6666666666667333541e+0);
        double sx = 0.693147180559945286226764 * e;
        double sy = Fma(2.319046813846299558417771e-17, e, Fma(0.693147180559945286226764, e, -sx));
        double ax = xx * 2, ay = xy * 2;
        double rx = sx + ax;
        double ry = sx - rx + ax + sy + ay;
        double add = x2 * xx * t;
        double r2x = rx + add;
        double r2y = rx - r2x + add + ry;
        return r2x + r2y;
    }

    private static (double X, double Y) Add2(double x, double y)
    {
        double rx = x + y;
        double v = rx - x;
        return (rx, (x - (rx - v)) + (y - v));
    }

    private static (double X, double Y) Div((double X, double Y) n, (double X, double Y) d)
    {
        double t = 1.0 / d.X;
        double qx = n.X * t;
        double u = Fma(t, n.X, -qx);
        double qy = Fma(-d.Y, t, Fma(-d.X, t, 1));
        qy = Fma(qx, qy, Fma(n.Y, t, u));
        return (qx, qy);
    }

    private static double Poly2(double x, double c1, double c0) => Fma(x, c1, c0);

    private static double Poly3(double x, double x2, double c2, double c1, double c0) => Fma(x2, c2, Fma(x, c1, c0));

    private static double Poly4(double x, double x2, double c3, double c2, double c1, double c0) =>
        Fma(x2, Fma(x, c3, c2), Fma(x, c1, c0));

    private static double Poly7(double x, double x2, double x4, double c6, double c5, double c4, double c3, double c2, double c1, double c0) =>
        Fma(x4, Poly3(x, x2, c6, c5, c4), Poly4(x, x2, c3, c2, c1, c0));

    private static double Poly8(double x, double x2, double x4, double c7, double c6, double c5, double c4, double c3, double c2, double c1, double c0) =>
        Fma(x4, Poly4(x, x2, c7, c6, c5, c4), Poly4(x, x2, c3, c2, c1, c0));

    private static double Poly10(double x, double x2, double x4, double x8, double c9, double c8, double c7, double c6, double c5, double c4, double c3, double c2, double c1, double c0) =>
        Fma(x8, Poly2(x, c9, c8), Poly8(x, x2, x4, c7, c6, c5, c4, c3, c2, c1, c0));

    private static double LdExp2(double d, int e)
    {
        int h = e >> 1;
        return d * Pow2i(h) * Pow2i(e - h);
    }

    private static double Pow2i(int q) => BitConverter.Int64BitsToDouble((long)(q + 0x3ff) << 52);
}
