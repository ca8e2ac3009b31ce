using Parity.Native.Numerics;

namespace Parity.Native.Tests.Rng;

/// <summary>
/// The pure C# <see cref="GlibcLog1p"/> against the host C library's <c>log1p</c>/<c>log1pf</c> (the function libtorch's
/// scalar normal sampler and BCE kernel call), bit for bit. Runs only where the C library is glibc, which the port reproduces.
/// </summary>
public sealed class GlibcLog1pTests
{
    private static void RequireGlibc()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("the port reproduces glibc; this host's C library is not glibc");
        }
    }

    private static string Hex(double d) => BitConverter.DoubleToUInt64Bits(d).ToString("x16");

    public sealed class Double
    {
        [Fact]
        public void SamplerArguments_MinusUniform53_BitExactOver4M()
        {
            // The scalar normal path calls log1p(−u) for u = k·2⁻⁵³; 4M values from a fixed stream cover [0, 1).
            RequireGlibc();
            var rng = new System.Random(12345);
            for (int i = 0; i < 4_000_000; i++)
            {
                double u = (rng.NextInt64() & ((1L << 53) - 1)) / 9007199254740992.0;
                double x = -u;
                double want = LibM.Log1p(x), got = GlibcLog1p.Log1p(x);
                if (BitConverter.DoubleToUInt64Bits(want) != BitConverter.DoubleToUInt64Bits(got))
                {
                    Assert.Fail($"log1p({x:R}) libm {want:R} ({Hex(want)}) vs port {got:R} ({Hex(got)})");
                }
            }
        }

        [Fact]
        public void RandomBitPatterns_BitExactOver4M()
        {
            RequireGlibc();
            var rng = new System.Random(777);
            for (int i = 0; i < 4_000_000; i++)
            {
                double x = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                double want = LibM.Log1p(x), got = GlibcLog1p.Log1p(x);
                bool same = BitConverter.DoubleToUInt64Bits(want) == BitConverter.DoubleToUInt64Bits(got)
                    || (double.IsNaN(want) && double.IsNaN(got));
                if (!same)
                {
                    Assert.Fail($"log1p({x:R}) libm {want:R} ({Hex(want)}) vs port {got:R} ({Hex(got)})");
                }
            }
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(-1.5)]
        [InlineData(1e-300)]
        [InlineData(1e-20)]
        [InlineData(1e-10)]
        [InlineData(0.41421)]
        [InlineData(-0.29)]
        [InlineData(1.0)]
        [InlineData(1e16)]
        [InlineData(1e300)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        [InlineData(double.MaxValue)]
        [InlineData(double.Epsilon)]
        public void EdgeValues_SameAsLibm(double x)
        {
            RequireGlibc();
            double want = LibM.Log1p(x), got = GlibcLog1p.Log1p(x);
            Assert.True(BitConverter.DoubleToUInt64Bits(want) == BitConverter.DoubleToUInt64Bits(got) || (double.IsNaN(want) && double.IsNaN(got)),
                $"log1p({x:R}) libm {want:R} vs port {got:R}");
        }
    }

    public sealed class Zero
    {
        [Fact]
        public void SignedZeros_Preserved()
        {
            Assert.Equal(BitConverter.DoubleToUInt64Bits(-0.0), BitConverter.DoubleToUInt64Bits(GlibcLog1p.Log1p(-0.0)));
            Assert.Equal(BitConverter.SingleToUInt32Bits(-0f), BitConverter.SingleToUInt32Bits(GlibcLog1p.Log1p(-0f)));
        }
    }

    public sealed class Single
    {
        [Fact]
        public void EveryFloatOnAStrideOf251_BitExact()
        {
            // 2³² / 251 ≈ 17M bit patterns spread over every exponent and sign.
            RequireGlibc();
            for (long bits = 0; bits <= uint.MaxValue; bits += 251)
            {
                float x = BitConverter.UInt32BitsToSingle((uint)bits);
                float want = LibM.Log1p(x), got = GlibcLog1p.Log1p(x);
                bool same = BitConverter.SingleToUInt32Bits(want) == BitConverter.SingleToUInt32Bits(got)
                    || (float.IsNaN(want) && float.IsNaN(got));
                if (!same)
                {
                    Assert.Fail($"log1pf({x:R} = 0x{bits:x8}) libm {want:R} vs port {got:R}");
                }
            }
        }

        [Fact]
        public void EveryFloatIn_MinusOneToOne_OnAStrideOf97_BitExact()
        {
            RequireGlibc();
            foreach (uint start in new uint[] { 0x00000000, 0x80000000 })
            {
                for (uint b = start; b <= start + 0x3f800000u; b += 97)
                {
                    float x = BitConverter.UInt32BitsToSingle(b);
                    float want = LibM.Log1p(x), got = GlibcLog1p.Log1p(x);
                    if (BitConverter.SingleToUInt32Bits(want) != BitConverter.SingleToUInt32Bits(got))
                    {
                        Assert.Fail($"log1pf({x:R}) libm {want:R} vs port {got:R}");
                    }
                }
            }
        }
    }
}
