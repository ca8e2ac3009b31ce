using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Fast;

/// <summary>
/// Single-precision vector exponential and logarithm for the fused float kernels, where <c>TensorPrimitives</c>' versions
/// (which widen to double) would cost more than the rest of the kernel.
/// </summary>
/// <remarks>
/// <para>Both use the classic Cephes reduction: exp(x) = 2ⁿ·exp(r) with n = round(x·log₂e) and r = x − n·ln 2 in two
/// parts (Cody–Waite), a degree-6 polynomial for exp(r) on |r| ≤ ln2/2; log(x) = k·ln 2 + log(m) with m ∈ [√½, √2) and a
/// degree-9 polynomial. Measured against double-precision results over the kernels' input ranges both stay within about
/// 1 ulp (see the tests under parity-tests/Parity.Native.Tests/Fast).</para>
/// <para>The kernels only need <see cref="ExpNonPositive"/> for arguments x ≤ 0 (shifted logits, −|x|). Results below
/// 2⁻¹²⁶ (x &lt; −87.33) are subnormal, as libtorch's (SLEEF) exp returns them: a vector holding such an argument takes
/// a slower scaling; results below half the smallest subnormal (x &lt; −104) are +0. NaN propagates.</para>
/// </remarks>
internal static class VectorMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float ExpUnderflow = -87.3365448f; // ln(2^-126): below, the result is subnormal
    private const float ExpZero = -104f; // below ln(2^-150) ≈ −103.97 the result rounds to +0
    private const float TwoToMinus64 = 5.42101086e-20f;
    private const float RoundingShift = 12582912f; // 1.5·2^23: adding it rounds to an integer, half to even

    // Cephes expf: exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2.
    private const float ExpP0 = 1.9875691500e-4f;
    private const float ExpP1 = 1.3981999507e-3f;
    private const float ExpP2 = 8.3334519073e-3f;
    private const float ExpP3 = 4.1665795894e-2f;
    private const float ExpP4 = 1.6666665459e-1f;
    private const float ExpP5 = 5.0000001201e-1f;

    /// <summary>exp(x) for x ≤ 0 (and NaN), subnormal results included.</summary>
    /// <remarks>
    /// n = round(x·log₂e) comes from adding 1.5·2²³: the sum's low mantissa bits are n rounded half to even (the same n
    /// as <c>Round</c>) and the same bits, shifted into the exponent field, give 2ⁿ — no float↔int conversions. Valid for
    /// |x·log₂e| &lt; 2²², far wider than the −104 ≤ x ≤ 0 that is computed (see <see cref="TwoToTheTimes"/>).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        Vector256<float> shifted = (x * Vector256.Create(Log2E)) + Vector256.Create(RoundingShift);
        Vector256<float> fx = shifted - Vector256.Create(RoundingShift);
        Vector256<float> r = Vector256.FusedMultiplyAdd(fx, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(fx, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.Create(ExpP0);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP5));
        Vector256<float> y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        // NaN needs no select: it propagates through r, the polynomial and the product.
        return TwoToTheTimes(y, shifted, x);
    }

    /// <summary>
    /// y·2ⁿ for exp(x) (n in the low bits of <paramref name="shifted"/>). Where some x is below −87.34, 2ⁿ is not a normal
    /// float: those lanes scale by 2ⁿ⁺⁶⁴ (exact) and then by 2⁻⁶⁴, which rounds once into the subnormals; x below −104
    /// (−∞ included, whose n would overflow the exponent field) gives +0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TwoToTheTimes(Vector256<float> y, Vector256<float> shifted, Vector256<float> x)
    {
        Vector256<float> normal = y * TwoToThe(shifted);
        var underflow = Vector256.Create(ExpUnderflow);
        if (!Vector256.LessThanAny(x, underflow))
        {
            return normal;
        }
        Vector256<float> tiny = y * TwoToThe(shifted + Vector256.Create(64f)) * Vector256.Create(TwoToMinus64);
        Vector256<float> result = Vector256.ConditionalSelect(Vector256.LessThan(x, underflow), tiny, normal);
        return Vector256.AndNot(result, Vector256.LessThan(x, Vector256.Create(ExpZero)));
    }

    /// <summary>
    /// <see cref="ExpNonPositive"/> of four vectors at once, each step issued for all four before the next, so that the
    /// four dependency chains overlap (about 1.5× the throughput of four separate calls here). Same bits as four calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExpNonPositive4(ref Vector256<float> x0, ref Vector256<float> x1, ref Vector256<float> x2, ref Vector256<float> x3)
    {
        var log2e = Vector256.Create(Log2E);
        var shift = Vector256.Create(RoundingShift);
        Vector256<float> s0 = (x0 * log2e) + shift, s1 = (x1 * log2e) + shift, s2 = (x2 * log2e) + shift, s3 = (x3 * log2e) + shift;
        Vector256<float> f0 = s0 - shift, f1 = s1 - shift, f2 = s2 - shift, f3 = s3 - shift;
        var hi = Vector256.Create(-Ln2Hi);
        var lo = Vector256.Create(-Ln2Lo);
        Vector256<float> r0 = Vector256.FusedMultiplyAdd(f0, hi, x0), r1 = Vector256.FusedMultiplyAdd(f1, hi, x1);
        Vector256<float> r2 = Vector256.FusedMultiplyAdd(f2, hi, x2), r3 = Vector256.FusedMultiplyAdd(f3, hi, x3);
        r0 = Vector256.FusedMultiplyAdd(f0, lo, r0);
        r1 = Vector256.FusedMultiplyAdd(f1, lo, r1);
        r2 = Vector256.FusedMultiplyAdd(f2, lo, r2);
        r3 = Vector256.FusedMultiplyAdd(f3, lo, r3);
        var c0 = Vector256.Create(ExpP0);
        var c1 = Vector256.Create(ExpP1);
        Vector256<float> p0 = Vector256.FusedMultiplyAdd(c0, r0, c1), p1 = Vector256.FusedMultiplyAdd(c0, r1, c1);
        Vector256<float> p2 = Vector256.FusedMultiplyAdd(c0, r2, c1), p3 = Vector256.FusedMultiplyAdd(c0, r3, c1);
        Horner4(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, ExpP2);
        Horner4(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, ExpP3);
        Horner4(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, ExpP4);
        Horner4(ref p0, ref p1, ref p2, ref p3, r0, r1, r2, r3, ExpP5);
        p0 = Vector256.FusedMultiplyAdd(p0, r0 * r0, r0) + Vector256<float>.One;
        p1 = Vector256.FusedMultiplyAdd(p1, r1 * r1, r1) + Vector256<float>.One;
        p2 = Vector256.FusedMultiplyAdd(p2, r2 * r2, r2) + Vector256<float>.One;
        p3 = Vector256.FusedMultiplyAdd(p3, r3 * r3, r3) + Vector256<float>.One;
        x0 = TwoToTheTimes(p0, s0, x0);
        x1 = TwoToTheTimes(p1, s1, x1);
        x2 = TwoToTheTimes(p2, s2, x2);
        x3 = TwoToTheTimes(p3, s3, x3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Horner4(
        ref Vector256<float> p0, ref Vector256<float> p1, ref Vector256<float> p2, ref Vector256<float> p3,
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3, float coefficient)
    {
        var c = Vector256.Create(coefficient);
        p0 = Vector256.FusedMultiplyAdd(p0, r0, c);
        p1 = Vector256.FusedMultiplyAdd(p1, r1, c);
        p2 = Vector256.FusedMultiplyAdd(p2, r2, c);
        p3 = Vector256.FusedMultiplyAdd(p3, r3, c);
    }

    /// <summary>2ⁿ from x·log₂e + 1.5·2²³ (n in its low mantissa bits, −126 ≤ n ≤ 127 where its result is used).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TwoToThe(Vector256<float> shifted) =>
        Vector256.ShiftLeft(shifted.AsInt32() + Vector256.Create(127), 23).AsSingle();

    /// <summary>Natural logarithm of positive floats (subnormals included); log(+0) = −∞, log(+∞) = +∞, NaN and negatives give NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        // Subnormals: scale by 2^23 into the normal range first.
        Vector256<float> subnormal = Vector256.LessThan(x, Vector256.Create(1.17549435e-38f));
        Vector256<int> bits = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(8388608f), x).AsInt32();
        Vector256<int> exponent = Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(127)
            - (subnormal.AsInt32() & Vector256.Create(23));
        // Mantissa m in [1, 2); fold to [√½, √2) so the polynomial argument stays small.
        Vector256<float> m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle();
        Vector256<float> big = Vector256.GreaterThan(m, Vector256.Create(1.41421356f));
        m = Vector256.ConditionalSelect(big, m * Vector256.Create(0.5f), m);
        Vector256<float> e = Vector256.ConvertToSingle(exponent) + (big & Vector256<float>.One);
        Vector256<float> f = m - Vector256<float>.One;
        Vector256<float> z = f * f;
        Vector256<float> p = Vector256.Create(7.0376836292e-2f);
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(-1.1514610310e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(1.1676998740e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(-1.2420140846e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(1.4249322787e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(-1.6668057665e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(2.0000714765e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(-2.4999993993e-1f));
        p = Vector256.FusedMultiplyAdd(p, f, Vector256.Create(3.3333331174e-1f));
        Vector256<float> y = p * f * z;
        y = Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Lo), y);
        y = Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), y);
        Vector256<float> result = f + y;
        result = Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Hi), result);

        // Special cases: 0 → −∞, +∞ → +∞, negative or NaN → NaN.
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), Vector256.Create(float.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, result);
        Vector256<float> invalid = Vector256.LessThan(x, Vector256<float>.Zero) | ~Vector256.Equals(x, x);
        return Vector256.ConditionalSelect(invalid, Vector256.Create(float.NaN), result);
    }

    /// <summary>
    /// Writes exp(x − m) into <paramref name="e"/> (when not empty) and returns Σ exp(x − m), for m ≥ every x. Lanes
    /// accumulate in float over two vectors (even and odd vectors of the row) and are summed in double in a fixed order;
    /// the last length mod 8 elements use <see cref="MathF.Exp"/> and are added in double. When
    /// <paramref name="prefetch"/> is not null, <c>x.Length</c> floats there (the next row) are prefetched, a cache line
    /// per 16 elements, so that memory fetches the next row while this one is computed; a prefetch is only a hint that
    /// never faults and changes no result.
    /// </summary>
    public static unsafe double ShiftedExpSum(ReadOnlySpan<float> x, float m, Span<float> e, float* prefetch = null)
    {
        bool store = !e.IsEmpty;
        var mv = Vector256.Create(m);
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float er = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(e);
        int n = x.Length;
        int j = 0;
        for (; j <= n - 32; j += 32)
        {
            if (prefetch != null && Sse.IsSupported)
            {
                Sse.Prefetch0(prefetch + j);
                Sse.Prefetch0(prefetch + j + 16);
            }
            Vector256<float> v0 = Vector256.LoadUnsafe(ref xr, (nuint)j) - mv;
            Vector256<float> v1 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 8)) - mv;
            Vector256<float> v2 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 16)) - mv;
            Vector256<float> v3 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 24)) - mv;
            ExpNonPositive4(ref v0, ref v1, ref v2, ref v3);
            if (store)
            {
                v0.StoreUnsafe(ref er, (nuint)j);
                v1.StoreUnsafe(ref er, (nuint)(j + 8));
                v2.StoreUnsafe(ref er, (nuint)(j + 16));
                v3.StoreUnsafe(ref er, (nuint)(j + 24));
            }
            // Even vectors into a0, odd into a1, in row order.
            a0 += v0;
            a1 += v1;
            a0 += v2;
            a1 += v3;
        }
        if (prefetch != null && Sse.IsSupported)
        {
            for (int q = j; q < n; q += 16)
            {
                Sse.Prefetch0(prefetch + q);
            }
        }
        for (; j <= n - 16; j += 16)
        {
            Vector256<float> v0 = ExpNonPositive(Vector256.LoadUnsafe(ref xr, (nuint)j) - mv);
            Vector256<float> v1 = ExpNonPositive(Vector256.LoadUnsafe(ref xr, (nuint)(j + 8)) - mv);
            if (store)
            {
                v0.StoreUnsafe(ref er, (nuint)j);
                v1.StoreUnsafe(ref er, (nuint)(j + 8));
            }
            a0 += v0;
            a1 += v1;
        }
        for (; j <= n - 8; j += 8)
        {
            Vector256<float> v = ExpNonPositive(Vector256.LoadUnsafe(ref xr, (nuint)j) - mv);
            if (store)
            {
                v.StoreUnsafe(ref er, (nuint)j);
            }
            a0 += v;
        }
        double tail = 0;
        for (; j < n; j++)
        {
            float v = MathF.Exp(x[j] - m);
            if (store)
            {
                e[j] = v;
            }
            tail += v;
        }
        (Vector256<double> lo0, Vector256<double> hi0) = Vector256.Widen(a0);
        (Vector256<double> lo1, Vector256<double> hi1) = Vector256.Widen(a1);
        return Vector256.Sum((lo0 + hi0) + (lo1 + hi1)) + tail;
    }

    /// <summary>
    /// g = e·scale, except g[target] = e[target]·scale − coef (each a float operation rounded once, exactly as an in-place
    /// rescale followed by a subtraction would round). With <paramref name="streaming"/> (and AVX) the 32-byte-aligned
    /// body of <paramref name="g"/> is written with non-temporal stores, which skip reading the destination lines into
    /// cache; the caller issues a store fence before anyone else reads <paramref name="g"/>. No value depends on alignment.
    /// </summary>
    public static unsafe void ScaleWithTarget(float* e, float scale, float* g, int n, int target, float coef, bool streaming)
    {
        var sv = Vector256.Create(scale);
        bool nonTemporal = streaming && Avx.IsSupported;
        int j = 0;
        // Head and tail elements go through the write-combining buffers too (movnti): a line written partly by cached
        // and partly by non-temporal stores costs a full memory round trip.
        for (; nonTemporal && j < n && ((nuint)(g + j) & 31) != 0; j++)
        {
            Sse2.StoreNonTemporal((int*)(g + j), BitConverter.SingleToInt32Bits(ScaledAt(e, scale, j, target, coef)));
        }
        for (; j <= n - 8; j += 8)
        {
            Vector256<float> v = Vector256.Load(e + j) * sv;
            if ((uint)(target - j) < 8)
            {
                // x − 0 is x for every x (−0 and NaN included), so only the target lane changes.
                Vector256<int> lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                v -= Vector256.Equals(lane, Vector256.Create(target - j)).AsSingle() & Vector256.Create(coef);
            }
            if (nonTemporal)
            {
                Avx.StoreAlignedNonTemporal(g + j, v);
            }
            else
            {
                v.Store(g + j);
            }
        }
        for (; nonTemporal && j < n; j++)
        {
            Sse2.StoreNonTemporal((int*)(g + j), BitConverter.SingleToInt32Bits(ScaledAt(e, scale, j, target, coef)));
        }
        for (; j < n; j++)
        {
            g[j] = ScaledAt(e, scale, j, target, coef);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float ScaledAt(float* e, float scale, int j, int target, float coef) =>
        j == target ? (e[j] * scale) - coef : e[j] * scale;

    /// <summary>Applies <typeparamref name="TOp"/> to every 8-float vector of <paramref name="x"/>, the tail padded with <paramref name="pad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Map<TOp>(ReadOnlySpan<float> x, Span<float> result, float pad)
        where TOp : IVectorOp
    {
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float rr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(result);
        int n = x.Length;
        int j = 0;
        for (; j <= n - 8; j += 8)
        {
            TOp.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref rr, (nuint)j);
        }
        if (j < n)
        {
            Span<float> buffer = stackalloc float[8];
            buffer.Fill(pad);
            x[j..].CopyTo(buffer);
            TOp.Invoke(Vector256.Create((ReadOnlySpan<float>)buffer)).CopyTo(buffer);
            buffer[..(n - j)].CopyTo(result[j..]);
        }
    }

    /// <summary>result = exp(−|x|).</summary>
    public static void ExpNegativeAbs(ReadOnlySpan<float> x, Span<float> result) => Map<ExpNegAbsOp>(x, result, 0f);

    /// <summary>result = log(1 + e) evaluated as log(u), u = 1 + e rounded (the caller applies the log1p correction).</summary>
    public static void LogOnePlus(ReadOnlySpan<float> e, Span<float> result) => Map<LogOnePlusOp>(e, result, 0f);

    /// <summary>result = log(x).</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> result) => Map<LogOp>(x, result, 1f);

    /// <summary>result = log(1 − x) evaluated as log(u), u = 1 − x rounded (the caller applies the log1p correction).</summary>
    public static void LogOneMinus(ReadOnlySpan<float> x, Span<float> result) => Map<LogOneMinusOp>(x, result, 0f);

    private interface IVectorOp
    {
        static abstract Vector256<float> Invoke(Vector256<float> x);
    }

    private readonly struct ExpNegAbsOp : IVectorOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) => ExpNonPositive(-Vector256.Abs(x));
    }

    private readonly struct LogOnePlusOp : IVectorOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) => Log(Vector256<float>.One + x);
    }

    private readonly struct LogOp : IVectorOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) => Log(x);
    }

    private readonly struct LogOneMinusOp : IVectorOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) => Log(Vector256<float>.One - x);
    }

    /// <summary>
    /// log1p(e) for 0 ≤ e ≤ 1 (and NaN) as 2·atanh(s), s = e/(2 + e) ∈ [0, ⅓]: an odd series in s truncated after s¹³
    /// (the next term is below 2⁻²⁶ relative). One division, no logarithm, and accurate for tiny e.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log1pUnit(Vector256<float> e)
    {
        Vector256<float> s = e / (Vector256.Create(2f) + e);
        Vector256<float> z = s * s;
        Vector256<float> p = Vector256.Create(2f / 13);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2f / 11));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2f / 9));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2f / 7));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2f / 5));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2f / 3));
        return Vector256.FusedMultiplyAdd(p * z, s, s + s);
    }

    /// <summary><see cref="Log1pUnit"/> of four vectors, each step issued for all four (see <see cref="ExpNonPositive4"/>). Same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Log1pUnit4(ref Vector256<float> e0, ref Vector256<float> e1, ref Vector256<float> e2, ref Vector256<float> e3)
    {
        var two = Vector256.Create(2f);
        Vector256<float> s0 = e0 / (two + e0), s1 = e1 / (two + e1), s2 = e2 / (two + e2), s3 = e3 / (two + e3);
        Vector256<float> z0 = s0 * s0, z1 = s1 * s1, z2 = s2 * s2, z3 = s3 * s3;
        var c0 = Vector256.Create(2f / 13);
        var c1 = Vector256.Create(2f / 11);
        Vector256<float> p0 = Vector256.FusedMultiplyAdd(c0, z0, c1), p1 = Vector256.FusedMultiplyAdd(c0, z1, c1);
        Vector256<float> p2 = Vector256.FusedMultiplyAdd(c0, z2, c1), p3 = Vector256.FusedMultiplyAdd(c0, z3, c1);
        Horner4(ref p0, ref p1, ref p2, ref p3, z0, z1, z2, z3, 2f / 9);
        Horner4(ref p0, ref p1, ref p2, ref p3, z0, z1, z2, z3, 2f / 7);
        Horner4(ref p0, ref p1, ref p2, ref p3, z0, z1, z2, z3, 2f / 5);
        Horner4(ref p0, ref p1, ref p2, ref p3, z0, z1, z2, z3, 2f / 3);
        e0 = Vector256.FusedMultiplyAdd(p0 * z0, s0, s0 + s0);
        e1 = Vector256.FusedMultiplyAdd(p1 * z1, s1, s1 + s1);
        e2 = Vector256.FusedMultiplyAdd(p2 * z2, s2, s2 + s2);
        e3 = Vector256.FusedMultiplyAdd(p3 * z3, s3, s3 + s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateAt(ref float e, ref float sum, int j, Vector256<float> v)
    {
        v.StoreUnsafe(ref e, (nuint)j);
        (Vector256.LoadUnsafe(ref sum, (nuint)j) + v).StoreUnsafe(ref sum, (nuint)j);
    }

    /// <summary>e = exp(x − m) and sum += e, element-wise over one class row of a K-dimensional input (m ≥ x).</summary>
    public static void ShiftedExpAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> m, Span<float> e, Span<float> sum)
    {
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float mr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(m);
        ref float er = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(e);
        ref float sr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sum);
        int n = x.Length;
        int j = 0;
        for (; j <= n - 32; j += 32)
        {
            Vector256<float> v0 = Vector256.LoadUnsafe(ref xr, (nuint)j) - Vector256.LoadUnsafe(ref mr, (nuint)j);
            Vector256<float> v1 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 8)) - Vector256.LoadUnsafe(ref mr, (nuint)(j + 8));
            Vector256<float> v2 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 16)) - Vector256.LoadUnsafe(ref mr, (nuint)(j + 16));
            Vector256<float> v3 = Vector256.LoadUnsafe(ref xr, (nuint)(j + 24)) - Vector256.LoadUnsafe(ref mr, (nuint)(j + 24));
            ExpNonPositive4(ref v0, ref v1, ref v2, ref v3);
            AccumulateAt(ref er, ref sr, j, v0);
            AccumulateAt(ref er, ref sr, j + 8, v1);
            AccumulateAt(ref er, ref sr, j + 16, v2);
            AccumulateAt(ref er, ref sr, j + 24, v3);
        }
        for (; j <= n - 8; j += 8)
        {
            AccumulateAt(ref er, ref sr, j, ExpNonPositive(Vector256.LoadUnsafe(ref xr, (nuint)j) - Vector256.LoadUnsafe(ref mr, (nuint)j)));
        }
        for (; j < n; j++)
        {
            e[j] = MathF.Exp(x[j] - m[j]);
            sum[j] += e[j];
        }
    }
}
