using System.Runtime.CompilerServices;

namespace Parity.Native.Ops;

/// <summary>
/// The float32 exp that libtorch's vectorised kernels use on x86 (SLEEF's 1-ulp <c>expf</c> as built for AVX2/AVX-512,
/// with fused multiply-adds), written from its algorithm so that the vector lanes of softmax, log_softmax and sigmoid
/// can be reproduced bit for bit.
/// </summary>
/// <remarks>
/// exp(d) = 2^q · e^s with q = rint(d / ln 2) and s = d − q·ln 2 (ln 2 split into a short high part and a low part,
/// each subtraction fused), e^s from a degree-7 polynomial evaluated with fused multiply-adds, then scaled by 2^q in two
/// halves so that q near the exponent limits does not overflow the scale. Below −104 the result is 0, above 100 it is +∞.
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

    /// <summary>d·2^(e≫1)·2^(e−(e≫1)), each power built directly in the exponent field.</summary>
    private static float LdExp2(float d, int e)
    {
        int h = e >> 1;
        return d * Pow2i(h) * Pow2i(e - h);
    }

    private static float Pow2i(int q) => BitConverter.Int32BitsToSingle((q + 0x7f) << 23);
}
