using System.Globalization;

namespace Parity.Native.Rng;

/// <summary>
/// PyTorch's CPU random generator (<c>torch.Generator()</c>, libtorch's <c>CPUGeneratorImpl</c>) in pure C#:
/// the same MT19937 stream, the same draws per element and the same transformations, so a seeded call gives the same bits
/// as libtorch 2.10.0 on x86-64.
/// </summary>
/// <remarks>
/// <para><b>What is reproduced.</b> libtorch 2.10.0 CPU (as shipped in TorchSharp-cpu 0.107.0 / the PyTorch wheels), Linux
/// x86-64 with AVX2 (also on AVX-512 hosts: the normal sampler registers no AVX-512 kernel, so the AVX2 one runs).
/// Operations: <c>torch.rand</c>, <c>torch.randn</c>, <c>torch.randint</c>, <c>Tensor.uniform_</c>,
/// <c>Tensor.normal_</c>, <c>Tensor.random_(from, to)</c> on float32, float64 and (random_/randint) int64.</para>
/// <para><b>Draws.</b> <c>random()</c> is one 32-bit engine output; <c>random64()</c> is two, the first in the high word.
/// A float uniform uses <c>(random() &amp; 0xFFFFFF)·2⁻²⁴</c>, a double uniform <c>(random64() &amp; (2⁵³−1))·2⁻⁵³</c>, then
/// <c>u·(to − from) + from</c> in the element type. Elements are drawn in row-major order.</para>
/// <para><b>Normal samples</b> (Box–Muller) take one of three paths, exactly as libtorch's <c>normal_kernel</c>:
/// <list type="bullet">
/// <item>float32 with n ≥ 16: fill all n with float uniforms; for each whole block of 16, with u₁ = 1 − d[j], u₂ = d[j+8]
/// (j &lt; 8): r = √(−2·log u₁), θ = 2π·u₂, d[j] = r·cos θ·σ + μ, d[j+8] = r·sin θ·σ + μ, in float with the AVX2
/// Cephes log/sincos (<see cref="CephesAvx2"/>); when n is not a multiple of 16, 16 fresh uniforms overwrite
/// d[n−16..n) and that last block is transformed again.</item>
/// <item>float64 with n ≥ 16: the same blocking in double with the C library's <c>log</c>, <c>cos</c>, <c>sin</c>.</item>
/// <item>n &lt; 16: one sample per element from <c>normal_distribution&lt;double&gt;</c>: if a cached sample exists it is
/// used and cleared; otherwise u₁, u₂ are double uniforms, r = √(−2·log1p(−u₂)), θ = 2π·u₁, r·sin θ is cached and r·cos θ
/// returned; then fma(·, σ, μ) and a cast to the element type. The cache persists across calls (and only this path touches it)
/// until <see cref="ManualSeed"/>.</item>
/// </list></para>
/// <para><b>Integers.</b> <c>random_(from, to)</c>: range = to − from (as unsigned 64-bit); each element is
/// <c>(draw mod range) + from</c> where the draw is <c>random64()</c> when range ≥ 2²⁸, else <c>random()</c>; the int64 result
/// is converted to the element type. (PyTorch's source also has a 2³² threshold limited to some dtypes, but only in
/// Meta's internal <c>FBCODE_CAFFE2</c> builds; the published binaries use 2²⁸ for every dtype, which the parity tests
/// confirm.)</para>
/// <para><b>Fused multiply-adds.</b> libtorch's AVX2 build is compiled with FMA enabled, and the compiler contracts the final
/// affine steps: a uniform is
/// <c>fma(u, to − from, from)</c> and every normal sample is <c>fma(r·cos θ, σ, μ)</c> (all three paths); the port does the same.</para>
/// <para><b>Other builds.</b> With <c>ATEN_CPU_CAPABILITY=default</c>, on x86-64 without AVX2, and as the starting point
/// of other architectures, libtorch runs its baseline kernels: float n ≥ 16 normals use scalar <c>logf</c>/<c>cosf</c>/
/// <c>sinf</c> with θ = (float)(2π·u₂ in double), and nothing is fused. <see cref="Generator(long, CpuCapability)"/> with
/// <see cref="CpuCapability.Default"/> reproduces that build (uniforms, integers and the draw order are the same in both;
/// only float normals and the last bit of affine steps differ). ARM builds of libtorch (NEON/SVE) and MSVC builds may
/// contract other multiply-adds, and their C runtime's <c>log1p</c>/<c>sin</c>/<c>cos</c> are not glibc's; bit equality
/// there is not claimed. The C library functions used here (<see cref="Numerics.LibM"/>, and .NET's <c>Math.Log</c>,
/// <c>Math.Sin</c>, <c>Math.Cos</c>, <c>MathF.Log</c>, … which call the host C library on Linux) are the same ones
/// libtorch calls on the same host. Every operation here is serial, like libtorch's CPU sampler, so thread count does
/// not matter.</para>
/// <para>A generator is not thread-safe; libtorch locks its generator per call, here the caller must not share one
/// instance between threads without a lock.</para>
/// </remarks>
public sealed class Generator : IRandomSource
{
    /// <summary>The seed a fresh libtorch CPU generator starts from (<c>default_rng_seed_val</c>).</summary>
    public const long DefaultSeed = 67280421310721;

    /// <summary>
    /// Ranges from this size up take a 64-bit draw per element in <c>random_</c>/<c>randint</c>: 2²⁸ in the public
    /// libtorch builds (<c>DistributionsHelper.h</c>, the non-<c>FBCODE_CAFFE2</c> branch), whatever the dtype.
    /// </summary>
    public const ulong WideRangeThreshold = 1UL << 28;

    private readonly MT19937 _engine;
    private double? _nextDoubleNormal;

    /// <summary>Creates a generator seeded with <paramref name="seed"/>, as <c>torch.Generator().manual_seed(seed)</c>.</summary>
    /// <param name="seed">The seed; only its low 32 bits shape the stream (see <see cref="ManualSeed"/>).</param>
    public Generator(long seed = DefaultSeed) => _engine = new MT19937(unchecked((ulong)seed));

    /// <summary>
    /// Creates a generator that reproduces another of libtorch's CPU kernel builds; see <see cref="CpuCapability"/>.
    /// </summary>
    /// <param name="seed">The seed, as for <see cref="Generator(long)"/>.</param>
    /// <param name="capability">The kernel build whose bits to reproduce.</param>
    public Generator(long seed, CpuCapability capability)
        : this(seed) => Capability = capability;

    /// <summary>The libtorch kernel build this generator reproduces (<see cref="CpuCapability.Avx2"/> unless chosen).</summary>
    public CpuCapability Capability { get; } = CpuCapability.Avx2;

    private bool Fused => Capability == CpuCapability.Avx2;

    /// <summary>
    /// A process-wide generator for <c>torch.manual_seed</c>-style code. Nothing in this library uses it implicitly:
    /// every operation belongs to an explicit generator instance.
    /// </summary>
    public static Generator Default { get; } = new();

    /// <summary>The seed last set, all 64 bits (<c>Generator.initial_seed()</c>).</summary>
    public long InitialSeed => unchecked((long)_engine.Seed);

    /// <summary>
    /// Reseeds, as <c>Generator.manual_seed(seed)</c>: the engine is rebuilt from the low 32 bits of
    /// <paramref name="seed"/> (so 2³² + 5 and 5 give the same stream, and −1 gives the stream of 0xFFFFFFFF), and the
    /// cached normal sample is discarded.
    /// </summary>
    /// <param name="seed">The seed; <see cref="InitialSeed"/> reports it whole.</param>
    public void ManualSeed(long seed)
    {
        _engine.Reseed(unchecked((ulong)seed));
        _nextDoubleNormal = null;
    }

    /// <summary>One 32-bit draw (libtorch <c>random()</c>).</summary>
    public uint NextUInt32() => _engine.NextUInt32();

    /// <summary>Two 32-bit draws, the first as the high word (libtorch <c>random64()</c>).</summary>
    public ulong NextUInt64()
    {
        ulong hi = _engine.NextUInt32();
        ulong lo = _engine.NextUInt32();
        return (hi << 32) | lo;
    }

    /// <summary>Whether a second Box–Muller sample is cached for the next scalar normal draw.</summary>
    public bool HasCachedNormal => _nextDoubleNormal.HasValue;

    /// <summary><c>torch.rand(shape, dtype=dtype, generator=g)</c>: uniform on [0, 1).</summary>
    /// <param name="dtype">float32 or float64.</param>
    /// <param name="shape">The sizes.</param>
    /// <exception cref="TorchException"><paramref name="dtype"/> is not floating point:
    /// <c>"check_uniform_bounds" not implemented for 'Long'</c>.</exception>
    public Tensor Rand(DType dtype, params int[] shape)
    {
        RequireFloating(dtype, "check_uniform_bounds");
        return Uniform_(Tensor.Zeros(dtype, shape), 0, 1);
    }

    /// <summary><c>torch.randn(shape, dtype=dtype, generator=g)</c>: standard normal (see the class remarks for the paths).</summary>
    /// <param name="dtype">float32 or float64.</param>
    /// <param name="shape">The sizes.</param>
    /// <exception cref="TorchException"><paramref name="dtype"/> is not floating point:
    /// <c>"normal_kernel_cpu" not implemented for 'Long'</c>.</exception>
    public Tensor Randn(DType dtype, params int[] shape)
    {
        var t = Tensor.Zeros(dtype, shape);
        if (t.Numel > 0)
        {
            RequireFloating(dtype, "normal_kernel_cpu");
        }
        return Normal_(t, 0, 1);
    }

    /// <summary><c>torch.randint(low, high, shape, dtype=dtype, generator=g)</c>: integers in [low, high), i.e.
    /// <c>empty(shape, dtype).random_(low, high)</c>.</summary>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound.</param>
    /// <param name="dtype">int64 (PyTorch's default), float32 or float64.</param>
    /// <param name="shape">The sizes.</param>
    /// <exception cref="TorchException">The range is empty; see <see cref="Random_(Tensor, long, long)"/>.</exception>
    public Tensor Randint(long low, long high, DType dtype, params int[] shape) => Random_(Tensor.Zeros(dtype, shape), low, high);

    /// <summary><c>t.uniform_(from, to, generator=g)</c>: fills <paramref name="t"/> with uniforms on [from, to).</summary>
    /// <param name="t">A float32 or float64 tensor, overwritten.</param>
    /// <param name="from">Lower bound.</param>
    /// <param name="to">Upper bound.</param>
    /// <returns><paramref name="t"/>.</returns>
    /// <remarks>u = (bits &amp; mask)·2^−digits in the element type, then fma(u, to − from, from), with from and to first
    /// converted to the element type. One draw (float32) or two (float64) per element.</remarks>
    /// <exception cref="TorchException">The dtype is int64 (<c>"check_uniform_bounds" not implemented for 'Long'</c>),
    /// a bound is outside the dtype's range (<c>from is out of bounds for float</c>), or
    /// <c>uniform_ expects to return a [from, to) range, but found from=2 &gt; to=1</c>.</exception>
    public Tensor Uniform_(Tensor t, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(t);
        RequireFloating(t.DType, "check_uniform_bounds");
        double max = t.DType == DType.Float32 ? float.MaxValue : double.MaxValue;
        string typeName = CppTypeName(t.DType);
        if (!(from >= -max && from <= max))
        {
            throw new TorchException($"from is out of bounds for {typeName}");
        }
        if (!(to >= -max && to <= max))
        {
            throw new TorchException($"to is out of bounds for {typeName}");
        }
        if (!(from <= to))
        {
            throw new TorchException($"uniform_ expects to return a [from, to) range, but found from={Num(from)} > to={Num(to)}");
        }
        if (!(to - from <= max))
        {
            throw new TorchException($"uniform_ expects to-from <= std::numeric_limits<{t.DType.TorchScalarName()}>::max(), but found to={Num(to)} and from={Num(from)} which result in to-from to exceed the limit");
        }
        if (t.DType == DType.Float32)
        {
            float f = (float)from;
            float range = (float)to - f;
            var d = t.Float32Span;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = MulAdd(UniformFloat(), range, f, Fused);
            }
        }
        else
        {
            double range = to - from;
            var d = t.Float64Span;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = MulAdd(UniformDouble(), range, from, Fused);
            }
        }
        return t;
    }

    /// <summary><c>t.normal_(mean, std, generator=g)</c>: fills <paramref name="t"/> with normal samples.</summary>
    /// <param name="t">A float32 or float64 tensor, overwritten.</param>
    /// <param name="mean">μ.</param>
    /// <param name="std">σ ≥ 0.</param>
    /// <returns><paramref name="t"/>.</returns>
    /// <remarks>See the class remarks for the three sampling paths and their draw counts.</remarks>
    /// <exception cref="TorchException"><c>normal expects std &gt;= 0.0, but found std -1</c>, or a non-empty int64
    /// tensor (<c>"normal_kernel_cpu" not implemented for 'Long'</c>).</exception>
    public Tensor Normal_(Tensor t, double mean, double std)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!(std >= 0.0))
        {
            throw new TorchException($"normal expects std >= 0.0, but found std {Num(std)}");
        }
        int n = t.Numel;
        if (n == 0)
        {
            return t;
        }
        RequireFloating(t.DType, "normal_kernel_cpu");
        if (n >= 16)
        {
            if (t.DType == DType.Float32)
            {
                NormalFillFloat(t.Float32Span, (float)mean, (float)std);
            }
            else
            {
                NormalFillDouble(t.Float64Span, mean, std);
            }
            return t;
        }
        if (t.DType == DType.Float32)
        {
            var d = t.Float32Span;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = (float)ScalarNormal(mean, std);
            }
        }
        else
        {
            var d = t.Float64Span;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = ScalarNormal(mean, std);
            }
        }
        return t;
    }

    /// <summary><c>t.random_(to, generator=g)</c>: integers in [0, to).</summary>
    /// <param name="t">The tensor to overwrite (any dtype).</param>
    /// <param name="to">Exclusive upper bound.</param>
    /// <returns><paramref name="t"/>.</returns>
    /// <exception cref="TorchException"><c>random_ expects 'from' to be less than 'to', but got from=0 &gt;= to=0</c>.</exception>
    public Tensor Random_(Tensor t, long to) => Random_(t, 0, to);

    /// <summary><c>t.random_(from, to, generator=g)</c>: integers in [from, to), converted to the dtype.</summary>
    /// <param name="t">The tensor to overwrite (any dtype).</param>
    /// <param name="from">Inclusive lower bound.</param>
    /// <param name="to">Exclusive upper bound.</param>
    /// <returns><paramref name="t"/>.</returns>
    /// <remarks>
    /// range = (ulong)to − (ulong)from; each element is <c>(long)(draw mod range) + from</c>, with a 64-bit draw when
    /// range ≥ 2²⁸ (<see cref="WideRangeThreshold"/>) and a 32-bit one otherwise. For floating dtypes the bounds are first moved inward where
    /// <c>from + 1</c> or <c>to − 1</c> is not representable (beyond 2²⁴ for float32, 2⁵³ for float64), as libtorch does.
    /// </remarks>
    /// <exception cref="TorchException"><c>random_ expects 'from' to be less than 'to', but got from=5 &gt;= to=5</c>, or the
    /// same after moving the bounds (<c>random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, …</c>);
    /// for int32, a bound outside its range (<c>from is out of bounds for int</c>, <c>to - 1 is out of bounds for int</c>).</exception>
    public Tensor Random_(Tensor t, long from, long to)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (from >= to)
        {
            throw new TorchException(string.Create(CultureInfo.InvariantCulture, $"random_ expects 'from' to be less than 'to', but got from={from} >= to={to}"));
        }
        if (t.DType.IsFloatingPoint())
        {
            int digits = t.DType == DType.Float32 ? 24 : 53;
            from = UpdateFrom(from, t.DType, digits);
            to = UpdateTo(to, t.DType, digits);
            if (from >= to)
            {
                throw new TorchException(string.Create(CultureInfo.InvariantCulture, $"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from={from} >= to={to}"));
            }
        }
        if (t.DType == DType.Int32)
        {
            // check_from_to_in_range: the bounds must fit the dtype (int64's always do).
            if (from is < int.MinValue or > int.MaxValue)
            {
                throw new TorchException("from is out of bounds for int");
            }
            if (to - 1 is < int.MinValue or > int.MaxValue)
            {
                throw new TorchException("to - 1 is out of bounds for int");
            }
        }
        if (t.Numel == 0)
        {
            return t;
        }
        ulong range = unchecked((ulong)to - (ulong)from);
        bool wide = range >= WideRangeThreshold;
        switch (t.DType)
        {
            case DType.Float32:
            {
                var d = t.Float32Span;
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = IntFromTo(range, from, wide);
                }
                break;
            }
            case DType.Float64:
            {
                var d = t.Float64Span;
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = IntFromTo(range, from, wide);
                }
                break;
            }
            case DType.Int32:
            {
                // uniform_int_from_to<int>: the same draw and (draw mod range) + from in 64 bits, then a C++ cast to int.
                var d = t.Int32Span;
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = unchecked((int)IntFromTo(range, from, wide));
                }
                break;
            }
            default:
            {
                var d = t.Int64Span;
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = IntFromTo(range, from, wide);
                }
                break;
            }
        }
        return t;
    }

    private long IntFromTo(ulong range, long from, bool wide)
    {
        ulong draw = wide ? NextUInt64() : NextUInt32();
        return unchecked((long)((draw % range) + (ulong)from));
    }

    /// <summary>float uniform on [0, 1): the low 24 bits of one draw times 2⁻²⁴.</summary>
    private float UniformFloat() => (NextUInt32() & 0xFFFFFF) * (1.0f / 16777216.0f);

    /// <summary>double uniform on [0, 1): the low 53 bits of a 64-bit draw times 2⁻⁵³.</summary>
    private double UniformDouble() => (NextUInt64() & ((1UL << 53) - 1)) * (1.0 / 9007199254740992.0);

    /// <summary>libtorch's <c>normal_distribution&lt;double&gt;</c> with its one-sample cache.</summary>
    private double ScalarNormal(double mean, double std)
    {
        double ret;
        if (_nextDoubleNormal is double cached)
        {
            _nextDoubleNormal = null;
            ret = cached;
        }
        else
        {
            double u1 = UniformDouble();
            double u2 = UniformDouble();
            double r = Math.Sqrt(-2.0 * Numerics.LibM.Log1p(-u2));
            double theta = 2.0 * Math.PI * u1;
            _nextDoubleNormal = r * Math.Sin(theta);
            ret = r * Math.Cos(theta);
        }
        return MulAdd(ret, std, mean, Fused);
    }

    /// <summary>libtorch's <c>normal_fill_AVX2</c>, or <c>normal_fill&lt;float&gt;</c> in the default build (float32, n ≥ 16).</summary>
    private void NormalFillFloat(Span<float> d, float mean, float std)
    {
        int n = d.Length;
        for (int i = 0; i < n; i++)
        {
            d[i] = UniformFloat();
        }
        for (int i = 0; i + 16 <= n; i += 16)
        {
            NormalBlockFloat(d.Slice(i, 16), mean, std);
        }
        if (n % 16 != 0)
        {
            var last = d.Slice(n - 16, 16);
            for (int i = 0; i < 16; i++)
            {
                last[i] = UniformFloat();
            }
            NormalBlockFloat(last, mean, std);
        }
    }

    private void NormalBlockFloat(Span<float> d, float mean, float std)
    {
        if (Capability == CpuCapability.Default)
        {
            NormalBlockFloatScalar(d, mean, std);
            return;
        }

        const float TwoPi = (float)(2.0 * Math.PI);
        for (int j = 0; j < 8; j++)
        {
            float u1 = 1.0f - d[j];
            float u2 = d[j + 8];
            float radius = MathF.Sqrt(-2.0f * CephesAvx2.Log(u1));
            float theta = TwoPi * u2;
            CephesAvx2.SinCos(theta, out float sin, out float cos);
            d[j] = MathF.FusedMultiplyAdd(radius * cos, std, mean);
            d[j + 8] = MathF.FusedMultiplyAdd(radius * sin, std, mean);
        }
    }

    /// <summary>libtorch's scalar <c>normal_fill_16&lt;float&gt;</c>: C library float functions, no fusion.</summary>
    private static void NormalBlockFloatScalar(Span<float> d, float mean, float std)
    {
        for (int j = 0; j < 8; j++)
        {
            float u1 = 1.0f - d[j];
            float u2 = d[j + 8];
            float radius = MathF.Sqrt(-2.0f * MathF.Log(u1));
            float theta = (float)(2.0 * Math.PI * u2);
            d[j] = (radius * MathF.Cos(theta) * std) + mean;
            d[j + 8] = (radius * MathF.Sin(theta) * std) + mean;
        }
    }

    /// <summary>libtorch's <c>normal_fill&lt;double&gt;</c> (float64, n ≥ 16).</summary>
    private void NormalFillDouble(Span<double> d, double mean, double std)
    {
        int n = d.Length;
        for (int i = 0; i < n; i++)
        {
            d[i] = UniformDouble();
        }
        for (int i = 0; i + 16 <= n; i += 16)
        {
            NormalBlockDouble(d.Slice(i, 16), mean, std);
        }
        if (n % 16 != 0)
        {
            var last = d.Slice(n - 16, 16);
            for (int i = 0; i < 16; i++)
            {
                last[i] = UniformDouble();
            }
            NormalBlockDouble(last, mean, std);
        }
    }

    private void NormalBlockDouble(Span<double> d, double mean, double std)
    {
        bool fused = Fused;
        for (int j = 0; j < 8; j++)
        {
            double u1 = 1.0 - d[j];
            double u2 = d[j + 8];
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            double theta = 2.0 * Math.PI * u2;
            d[j] = MulAdd(radius * Math.Cos(theta), std, mean, fused);
            d[j + 8] = MulAdd(radius * Math.Sin(theta), std, mean, fused);
        }
    }

    private static float MulAdd(float a, float b, float c, bool fused) => fused ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    private static double MulAdd(double a, double b, double c, bool fused) => fused ? Math.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>libtorch's <c>update_from</c>: moves <paramref name="from"/> up when from + 1 is not representable.</summary>
    private static long UpdateFrom(long from, DType dtype, int digits)
    {
        long fromPlus1 = CastThroughDType(unchecked(from + 1), dtype);
        if (fromPlus1 < from)
        {
            long f = Math.Abs(unchecked(from + 1));
            int n = 0;
            while ((f >>= 1) != 0)
            {
                n++;
            }
            from = fromPlus1 + (1L << (n - digits + 1));
        }
        return from;
    }

    /// <summary>libtorch's <c>update_to</c>: moves <paramref name="to"/> down when to − 1 is not representable.</summary>
    private static long UpdateTo(long to, DType dtype, int digits)
    {
        long toMinus1 = CastThroughDType(unchecked(to - 1), dtype);
        if (toMinus1 >= to)
        {
            long t = Math.Abs(unchecked(to - 1));
            int n = 0;
            while ((t >>= 1) != 0)
            {
                n++;
            }
            to = toMinus1 - (1L << (n - digits + 1));
        }
        return to;
    }

    /// <summary><c>(int64_t)(scalar_t)v</c>, saturating where C++ would be undefined (2⁶³ after rounding).</summary>
    private static long CastThroughDType(long v, DType dtype)
    {
        double r = dtype == DType.Float32 ? (float)v : (double)v;
        return r >= 9223372036854775807.0 ? long.MinValue : (long)r;
    }

    private static void RequireFloating(DType dtype, string kernel)
    {
        if (!dtype.IsFloatingPoint())
        {
            throw new TorchException(TorchErrorKind.NotImplementedError, $"\"{kernel}\" not implemented for '{dtype.TorchScalarName()}'");
        }
    }

    /// <summary>The C++ type name libtorch prints for a dtype in bound errors.</summary>
    private static string CppTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "float",
        DType.Float64 => "double",
        _ => "long int",
    };

    /// <summary>A double as C++'s <c>operator&lt;&lt;</c> prints it on glibc (<c>%g</c>, 6 significant digits).</summary>
    internal static string Num(double v)
    {
        if (double.IsNaN(v))
        {
            // glibc's printf shows the sign bit of a NaN; .NET's double.NaN has it set.
            return double.IsNegative(v) ? "-nan" : "nan";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        return v.ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e');
    }
}
