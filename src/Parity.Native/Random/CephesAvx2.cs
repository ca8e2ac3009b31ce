namespace Parity.Native.Rng;

/// <summary>
/// One lane of the AVX2 <c>log256_ps</c> and <c>sincos256_ps</c> that libtorch's float normal sampler calls
/// (<c>aten/src/ATen/native/cpu/avx_mathfun.h</c>, Cephes single-precision polynomials), in scalar float arithmetic.
/// </summary>
/// <remarks>
/// <para>The vector code is lane-wise, so one lane in scalar float gives the same bits, provided every multiply-add the
/// libtorch x86-64 build fuses (GCC contracts the intrinsic multiply and add into <c>vfmadd</c>) is fused here too,
/// with <see cref="MathF.FusedMultiplyAdd"/>: each Horner step, the <c>y·z + e·q1</c> at the end of the log,
/// the three steps of the Cody–Waite range reduction, the <c>y·z − z/2</c> of the cosine polynomial and the
/// <c>y2·x + x</c> of the sine polynomial. Without those fusions about 1% of samples differ by 1–2 ulp.</para>
/// <para>Only the inputs the sampler produces are needed: the log argument is in (0, 1] and the angle in [0, 2π).
/// The port nevertheless follows the vector code for any finite input (log of x ≤ 0 is NaN).</para>
/// </remarks>
internal static class CephesAvx2
{
    private const float SqrtHalf = 0.707106781186547524f;
    private const float LogP0 = 7.0376836292E-2f;
    private const float LogP1 = -1.1514610310E-1f;
    private const float LogP2 = 1.1676998740E-1f;
    private const float LogP3 = -1.2420140846E-1f;
    private const float LogP4 = +1.4249322787E-1f;
    private const float LogP5 = -1.6668057665E-1f;
    private const float LogP6 = +2.0000714765E-1f;
    private const float LogP7 = -2.4999993993E-1f;
    private const float LogP8 = +3.3333331174E-1f;
    private const float LogQ1 = -2.12194440e-4f;
    private const float LogQ2 = 0.693359375f;

    private const float MinusDP1 = -0.78515625f;
    private const float MinusDP2 = -2.4187564849853515625e-4f;
    private const float MinusDP3 = -3.77489497744594108e-8f;
    private const float SinP0 = -1.9515295891E-4f;
    private const float SinP1 = 8.3321608736E-3f;
    private const float SinP2 = -1.6666654611E-1f;
    private const float CosP0 = 2.443315711809948E-005f;
    private const float CosP1 = -1.388731625493765E-003f;
    private const float CosP2 = 4.166664568298827E-002f;
    private const float FourOverPi = 1.27323954473516f;

    /// <summary>Natural logarithm, one lane of <c>log256_ps</c>.</summary>
    /// <remarks>
    /// x = m·2^e with m in [0.5, 1); if m &lt; √½ then e −= 1 and m = 2m − 1, else m = m − 1;
    /// log x ≈ m + m³·P(m) − m²/2 + e·(q1 + q2), with P a degree-8 polynomial and q1 + q2 = ln 2 split in two.
    /// </remarks>
    public static float Log(float x)
    {
        bool invalid = x <= 0f; // cmp_ps(x, 0, LE_OS): false for NaN
        x = MaxPs(x, BitConverter.Int32BitsToSingle(0x00800000));
        int bits = BitConverter.SingleToInt32Bits(x);
        int exponent = (int)((uint)bits >> 23);
        x = BitConverter.Int32BitsToSingle((bits & ~0x7f800000) | BitConverter.SingleToInt32Bits(0.5f));
        float e = (float)(exponent - 0x7f);
        e += 1f;

        bool small = x < SqrtHalf;
        float tmp = small ? x : 0f;
        x -= 1f;
        e -= small ? 1f : 0f;
        x += tmp;

        float z = x * x;
        float y = LogP0;
        y = MathF.FusedMultiplyAdd(y, x, LogP1);
        y = MathF.FusedMultiplyAdd(y, x, LogP2);
        y = MathF.FusedMultiplyAdd(y, x, LogP3);
        y = MathF.FusedMultiplyAdd(y, x, LogP4);
        y = MathF.FusedMultiplyAdd(y, x, LogP5);
        y = MathF.FusedMultiplyAdd(y, x, LogP6);
        y = MathF.FusedMultiplyAdd(y, x, LogP7);
        y = MathF.FusedMultiplyAdd(y, x, LogP8);
        y *= x;
        y = MathF.FusedMultiplyAdd(y, z, e * LogQ1);
        y -= z * 0.5f;
        x += y;
        x += e * LogQ2;
        return invalid ? float.NaN : x;
    }

    /// <summary>Sine and cosine, one lane of <c>sincos256_ps</c>.</summary>
    /// <remarks>
    /// j = the even integer nearest above ⌊|x|·4/π⌋; r = |x| − j·π/4 (three-part π/4); with z = r², the cosine
    /// polynomial 1 − z/2 + z²·C(z) and the sine polynomial r + r·z·S(z) are both evaluated and exchanged and
    /// sign-flipped according to bits 1 and 2 of j.
    /// </remarks>
    public static void SinCos(float x, out float sin, out float cos)
    {
        uint signSin = BitConverter.SingleToUInt32Bits(x) & 0x80000000u;
        x = MathF.Abs(x);

        float y = x * FourOverPi;
        int j = (int)y; // truncation, as cvttps
        j = (j + 1) & ~1;
        y = j;

        uint swapSignSin = (uint)(j & 4) << 29;
        bool polyMask = (j & 2) == 0;
        uint signCos = (uint)(~(j - 2) & 4) << 29;

        x = MathF.FusedMultiplyAdd(y, MinusDP1, x);
        x = MathF.FusedMultiplyAdd(y, MinusDP2, x);
        x = MathF.FusedMultiplyAdd(y, MinusDP3, x);

        signSin ^= swapSignSin;

        float z = x * x;
        float yc = CosP0;
        yc = MathF.FusedMultiplyAdd(yc, z, CosP1);
        yc = MathF.FusedMultiplyAdd(yc, z, CosP2);
        yc *= z;
        yc = MathF.FusedMultiplyAdd(yc, z, -(z * 0.5f));
        yc += 1f;

        float ys = SinP0;
        ys = MathF.FusedMultiplyAdd(ys, z, SinP1);
        ys = MathF.FusedMultiplyAdd(ys, z, SinP2);
        ys *= z;
        ys = MathF.FusedMultiplyAdd(ys, x, x);

        // Blend exactly as the vector code does (masked copies, then subtract and add), keeping its signed zeros.
        float ysin2 = polyMask ? ys : 0f;
        float ysin1 = polyMask ? 0f : yc;
        ys -= ysin2;
        yc -= ysin1;
        float s = ysin1 + ysin2;
        float c = yc + ys;

        sin = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(s) ^ signSin);
        cos = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(c) ^ signCos);
    }

    /// <summary><c>maxps(a, b)</c>: returns b unless a &gt; b (so a NaN in a gives b).</summary>
    private static float MaxPs(float a, float b) => a > b ? a : b;
}
