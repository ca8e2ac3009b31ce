using Parity.Native.Numerics;
using Parity.Native.Rng;

namespace Parity.Native.Tests.Rng;

/// <summary>
/// Native-only checks of <see cref="Generator"/>: values printed by PyTorch, draw counts derived from libtorch's
/// algorithms, and PyTorch's error texts. (Bit parity against libtorch itself is in Parity.Torch.Tests.)
/// </summary>
public sealed class GeneratorTests
{
    /// <summary>How many 32-bit engine outputs <paramref name="act"/> consumed, found by matching the next output
    /// against a fresh engine's stream.</summary>
    private static int DrawsConsumed(long seed, Action<Generator> act)
    {
        var g = new Generator(seed);
        act(g);
        uint next = g.NextUInt32();
        var reference = new MT19937(unchecked((ulong)seed));
        for (int k = 0; k < 200_000; k++)
        {
            if (reference.NextUInt32() == next)
            {
                return k;
            }
        }
        throw new InvalidOperationException("stream position not found");
    }

    public sealed class KnownValues
    {
        [Fact]
        public void Seed0_Rand4_MatchesPyTorch()
        {
            // torch.manual_seed(0); torch.rand(4) → tensor([0.4963, 0.7682, 0.0885, 0.1320]), full floats below.
            var g = new Generator(0);
            var r = g.Rand(DType.Float32, 4).ToArray<float>();
            Assert.Equal([0.4962566f, 0.7682218f, 0.08847743f, 0.13203049f], r);
            Assert.Equal("tensor([0.4963, 0.7682, 0.0885, 0.1320])", Tensor.Vector(r).ToString());
        }

        [Fact]
        public void Seed0_FirstFloatUniform_IsLow24BitsOfFirstDraw()
        {
            // 2357136044 = 0x8C7F0AAC; low 24 bits 0x7F0AAC = 8325804; 8325804 / 2^24.
            Assert.Equal(8325804f / 16777216f, new Generator(0).Rand(DType.Float32, 1).Float32Span[0]);
        }

        [Fact]
        public void Seed0_FirstDoubleUniform_IsLow53BitsOfTwoDraws()
        {
            ulong bits = (2357136044UL << 32) | 2546248239UL;
            double expected = (bits & ((1UL << 53) - 1)) / 9007199254740992.0;
            Assert.Equal(expected, new Generator(0).Rand(DType.Float64, 1).Float64Span[0]);
        }

        [Fact]
        public void ScalarNormal_IsBoxMullerOfTwoDoubleUniforms_WithCachedSine()
        {
            // n < 16: u1, u2 from 4 draws; r = sqrt(-2 log1p(-u2)); θ = 2π u1; first r cos θ, then the cached r sin θ.
            var e = new MT19937(7);
            double U() => ((((ulong)e.NextUInt32() << 32) | e.NextUInt32()) & ((1UL << 53) - 1)) / 9007199254740992.0;
            double u1 = U(), u2 = U();
            double r = Math.Sqrt(-2.0 * LibM.Log1p(-u2));
            double theta = 2.0 * Math.PI * u1;
            var g = new Generator(7);
            Assert.Equal(r * Math.Cos(theta), g.Randn(DType.Float64, 1).Float64Span[0]);
            Assert.True(g.HasCachedNormal);
            Assert.Equal(r * Math.Sin(theta), g.Randn(DType.Float64, 1).Float64Span[0]);
            Assert.False(g.HasCachedNormal);
        }

        [Fact]
        public void InitialSeed_ReportsAll64Bits()
        {
            Assert.Equal((1L << 32) + 5, new Generator((1L << 32) + 5).InitialSeed);
            Assert.Equal(-1L, new Generator(-1).InitialSeed);
            Assert.Equal(67280421310721L, new Generator().InitialSeed);
        }
    }

    public sealed class SeedDocument
    {
        // ../shared/seed/pytorch-bce-ce-losses.md: torch.manual_seed(2020); randn(3); empty(3).random_(2); ...
        // randn(32, 5). The printouts there carry ", requires_grad=True", which a plain tensor does not print.
        private const string Randn32x5 =
            "tensor([[ 1.2986,  1.5832, -1.1648,  0.8027, -0.9628],\n" +
            "        [-1.5793, -0.2155,  0.4706, -1.2511,  0.7105],\n" +
            "        [-0.1274, -1.9361,  0.8374,  0.0081, -0.1504],\n" +
            "        [ 0.1521,  1.1443,  0.2171, -1.1438,  0.9341],\n" +
            "        [-3.3199,  1.2998,  0.3918,  0.8327,  1.2411],\n" +
            "        [-0.8507, -0.1016, -1.2434, -0.5755,  0.1871],\n" +
            "        [-0.3064,  1.3751,  1.8478,  0.0326,  0.2032],\n" +
            "        [ 0.1782,  2.3037,  1.5948, -1.4731,  1.5312],\n" +
            "        [-0.9075, -1.7135,  0.4650, -1.7061,  0.0625],\n" +
            "        [-1.1904,  0.1130, -1.6609, -0.2000, -0.1422],\n" +
            "        [ 0.3307, -0.8395, -1.3068, -0.8891,  0.9858],\n" +
            "        [ 0.5484,  0.7461, -1.0738, -2.2162,  0.6801],\n" +
            "        [-0.8803,  0.9934, -1.6438,  0.3860,  0.4111],\n" +
            "        [-1.1078, -0.9629, -0.9534, -0.6207,  0.6885],\n" +
            "        [-0.0175,  1.9496,  0.9740, -0.4687, -0.6127],\n" +
            "        [ 0.3713,  0.8074,  0.3072,  1.1604, -0.2669],\n" +
            "        [-0.1773, -0.2787,  0.1926,  0.7492,  0.7492],\n" +
            "        [-0.3126, -0.3321, -1.7287, -3.0126,  0.1194],\n" +
            "        [ 1.0486, -0.1890, -0.5853,  0.4353,  0.2619],\n" +
            "        [ 1.9726, -0.5510, -0.1826, -0.8600, -0.9906],\n" +
            "        [ 0.7551,  0.8431, -0.8461, -1.2120,  0.2908],\n" +
            "        [-0.0932, -0.7151, -0.0631,  1.7554,  0.7374],\n" +
            "        [-0.1494, -0.6990, -0.1666,  2.0430,  1.3968],\n" +
            "        [ 0.2280, -0.3187,  1.0309, -0.1067,  1.1622],\n" +
            "        [-1.5120, -0.8617,  1.4165, -0.2361, -0.0355],\n" +
            "        [-0.8757, -0.6554,  0.1121, -0.1669, -0.2628],\n" +
            "        [-0.8023,  0.2305, -1.1792,  0.4314, -0.3653],\n" +
            "        [ 0.7487,  0.5358, -0.2677, -0.8128,  0.3029],\n" +
            "        [ 1.4439, -0.5677,  0.5564, -0.2485, -0.3281],\n" +
            "        [-2.0259,  1.1038,  1.0615,  1.7317, -0.0531],\n" +
            "        [ 0.9083, -0.8274,  0.8101, -1.1375, -1.2009],\n" +
            "        [ 0.3300, -0.8760,  1.3459, -1.0209, -0.5313]])";

        [Fact]
        public void Seed2020_Randn3_PrintsAsInTheDocument()
        {
            var g = new Generator(2020);
            Assert.Equal("tensor([ 1.2372, -0.9604,  1.5415])", g.Randn(DType.Float32, 3).ToString());
        }

        [Fact]
        public void Seed2020_Randn32x5AfterTheBinaryTarget_PrintsAsInTheDocument()
        {
            var g = new Generator(2020);
            g.Randn(DType.Float32, 3);
            var target = g.Random_(Tensor.Zeros(DType.Float32, 3), 2);
            Assert.All(target.ToArray<float>(), v => Assert.True(v is 0f or 1f));
            var input = g.Randn(DType.Float32, 32, 5);
            Assert.Equal(Randn32x5, input.ToString());
        }
    }

    public sealed class DrawCounts
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(17)]
        [InlineData(1000)]
        public void RandFloat32_OneDrawPerElement(int n) =>
            Assert.Equal(n, DrawsConsumed(3, g => g.Rand(DType.Float32, n)));

        [Theory]
        [InlineData(1)]
        [InlineData(17)]
        public void RandFloat64_TwoDrawsPerElement(int n) =>
            Assert.Equal(2 * n, DrawsConsumed(3, g => g.Rand(DType.Float64, n)));

        [Theory]
        [InlineData(16, 16)]
        [InlineData(32, 32)]
        [InlineData(17, 17 + 16)]
        [InlineData(100, 100 + 16)]
        public void RandnFloat32AtLeast16_FillThenRedrawLastBlock(int n, int draws) =>
            Assert.Equal(draws, DrawsConsumed(3, g => g.Randn(DType.Float32, n)));

        [Theory]
        [InlineData(16, 32)]
        [InlineData(17, 34 + 32)]
        public void RandnFloat64AtLeast16_TwoDrawsPerUniform(int n, int draws) =>
            Assert.Equal(draws, DrawsConsumed(3, g => g.Randn(DType.Float64, n)));

        [Theory]
        [InlineData(1, 4)]
        [InlineData(2, 4)]
        [InlineData(3, 8)]
        [InlineData(15, 32)]
        public void RandnBelow16_FourDrawsPerPair(int n, int draws) =>
            Assert.Equal(draws, DrawsConsumed(3, g => g.Randn(DType.Float32, n)));

        [Fact]
        public void CachedNormal_SurvivesOtherCallsButNotReseed()
        {
            // randn(1) caches a sample; rand and a blocked randn neither use nor clear it; the next randn(1) uses it (no draws).
            Assert.Equal(4 + 5 + 16, DrawsConsumed(3, g =>
            {
                g.Randn(DType.Float32, 1);
                g.Rand(DType.Float32, 5);
                g.Randn(DType.Float32, 16);
                g.Randn(DType.Float32, 1);
            }));
            var h = new Generator(3);
            h.Randn(DType.Float64, 1);
            Assert.True(h.HasCachedNormal);
            h.ManualSeed(3);
            Assert.False(h.HasCachedNormal);
        }

        [Theory]
        [InlineData(0L, 10L, 1)]
        [InlineData(0L, (1L << 28) - 1, 1)]
        [InlineData(0L, 1L << 28, 2)]
        [InlineData(-(1L << 40), 1L << 40, 2)]
        public void RandomFromTo_32Or64BitDrawsByRange(long from, long to, int perElement) =>
            Assert.Equal(7 * perElement, DrawsConsumed(3, g => g.Random_(Tensor.Zeros(DType.Int64, 7), from, to)));

        [Fact]
        public void RandomFromTo_IsDrawModRangePlusFrom()
        {
            var e = new MT19937(11);
            var g = new Generator(11);
            var got = g.Randint(-7, 93, DType.Int64, 50).ToArray<long>();
            Assert.Equal(Enumerable.Range(0, 50).Select(_ => (long)(e.NextUInt32() % 100) - 7), got);
        }

        [Fact]
        public void RandintInt32_IsDrawModRangePlusFrom_CastToInt()
        {
            var e = new MT19937(12);
            var g = new Generator(12);
            var got = g.Randint(int.MinValue, int.MaxValue, DType.Int32, 40).ToArray<int>();
            // range 2³² − 1 ≥ 2²⁸: one 64-bit draw per element, (draw mod range) + from in 64 bits, then the low 32 bits.
            ulong range = unchecked((ulong)int.MaxValue - (ulong)(long)int.MinValue);
            Assert.Equal(Enumerable.Range(0, 40).Select(_ => unchecked((int)(long)(((((ulong)e.NextUInt32() << 32) | e.NextUInt32()) % range) + unchecked((ulong)(long)int.MinValue)))), got);
        }

        [Theory]
        [InlineData(0L, (1L << 31) + 1, "to - 1 is out of bounds for int")]
        [InlineData(-(1L << 31) - 1, 5L, "from is out of bounds for int")]
        public void RandintInt32_BoundsOutsideInt_PyTorchText(long from, long to, string message)
        {
            Assert.Equal(0, DrawsConsumed(4, g => Assert.Equal(message, Assert.Throws<TorchException>(() => g.Randint(from, to, DType.Int32, 3)).Message)));
        }
    }

    public sealed class Capabilities
    {
        [Theory]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(1000)]
        public void DefaultBuild_SameDrawsAsAvx2(int n)
        {
            var counts = new[] { CpuCapability.Avx2, CpuCapability.Default }.Select(c =>
            {
                var g = new Generator(9, c);
                g.Randn(DType.Float32, n);
                g.Uniform_(Tensor.Zeros(DType.Float32, n), -1, 2);
                return g.NextUInt32();
            }).ToArray();
            Assert.Equal(counts[0], counts[1]);
        }

        [Fact]
        public void DefaultBuild_FloatNormalsAgreeWithAvx2ToAFewUlps()
        {
            // Same uniforms, different log/sincos and rounding: the two builds differ only in the last bits.
            var a = new Generator(9, CpuCapability.Avx2).Randn(DType.Float32, 4096).ToArray<float>();
            var b = new Generator(9, CpuCapability.Default).Randn(DType.Float32, 4096).ToArray<float>();
            int differ = 0;
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= 4e-6 * Math.Max(1.0, Math.Abs(a[i])), $"element {i}: {a[i]:R} vs {b[i]:R}");
                differ += a[i] == b[i] ? 0 : 1;
            }
            Assert.InRange(differ, 1, a.Length);
        }
    }

    public sealed class Errors
    {
        [Fact]
        public void RandomFromEqualsTo_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Random_(Tensor.Zeros(DType.Float32, 3), 5, 5));
            Assert.Equal("random_ expects 'from' to be less than 'to', but got from=5 >= to=5", ex.Message);
        }

        [Fact]
        public void RandintEmptyRange_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Randint(3, -2, DType.Int64, 4));
            Assert.Equal("random_ expects 'from' to be less than 'to', but got from=3 >= to=-2", ex.Message);
        }

        [Fact]
        public void RandInt64_NotImplemented()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Rand(DType.Int64, 2));
            Assert.Equal("\"check_uniform_bounds\" not implemented for 'Long'", ex.Message);
            Assert.Equal(TorchErrorKind.NotImplementedError, ex.Kind);
        }

        [Fact]
        public void RandnInt64_NotImplemented()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Randn(DType.Int64, 2));
            Assert.Equal("\"normal_kernel_cpu\" not implemented for 'Long'", ex.Message);
        }

        [Fact]
        public void UniformFromAboveTo_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Uniform_(Tensor.Zeros(DType.Float64, 2), 2, 1));
            Assert.Equal("uniform_ expects to return a [from, to) range, but found from=2 > to=1", ex.Message);
        }

        [Fact]
        public void NormalNegativeStd_PyTorchText()
        {
            var ex = Assert.Throws<TorchException>(() => new Generator(0).Normal_(Tensor.Zeros(DType.Float32, 2), 0, -1.5));
            Assert.Equal("normal expects std >= 0.0, but found std -1.5", ex.Message);
        }

        [Fact]
        public void Errors_ConsumeNoDraws()
        {
            Assert.Equal(0, DrawsConsumed(1, g => Assert.Throws<TorchException>(() => g.Randint(5, 5, DType.Int64, 9))));
        }
    }
}
