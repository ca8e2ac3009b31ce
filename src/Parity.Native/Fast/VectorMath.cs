using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
/// <para>The kernels only need <see cref="ExpNonPositive"/> for arguments x ≤ 0 (shifted logits, −|x|); results below
/// 2⁻¹²⁶ (x &lt; −87.33) are flushed to +0 rather than returned as subnormals. NaN propagates.</para>
/// </remarks>
internal static class VectorMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float ExpUnderflow = -87.3365448f; // ln(2^-126)

    /// <summary>exp(x) for x ≤ 0 (and NaN); flushes results below the smallest normal float to +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        Vector256<float> fx = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.FusedMultiplyAdd(fx, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(fx, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        Vector256<float> y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        Vector256<int> n = Vector256.ConvertToInt32(fx);
        Vector256<float> scale = Vector256.ShiftLeft(n + Vector256.Create(127), 23).AsSingle();
        Vector256<float> result = y * scale;
        // NaN needs no select: it propagates through r, the polynomial and the product. −∞ and very negative x are
        // caught here (their n would overflow the exponent field).
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpUnderflow)), Vector256<float>.Zero, result);
    }

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
    /// accumulate in float over two vectors and are summed in double in a fixed order; the last length mod 8 elements use
    /// <see cref="MathF.Exp"/> and are added in double.
    /// </summary>
    public static double ShiftedExpSum(ReadOnlySpan<float> x, float m, Span<float> e)
    {
        bool store = !e.IsEmpty;
        var mv = Vector256.Create(m);
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float er = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(e);
        int n = x.Length;
        int j = 0;
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

    /// <summary>e = exp(x − m) and sum += e, element-wise over one class row of a K-dimensional input (m ≥ x).</summary>
    public static void ShiftedExpAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> m, Span<float> e, Span<float> sum)
    {
        ref float xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float mr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(m);
        ref float er = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(e);
        ref float sr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sum);
        int n = x.Length;
        int j = 0;
        for (; j <= n - 8; j += 8)
        {
            Vector256<float> v = ExpNonPositive(Vector256.LoadUnsafe(ref xr, (nuint)j) - Vector256.LoadUnsafe(ref mr, (nuint)j));
            v.StoreUnsafe(ref er, (nuint)j);
            (Vector256.LoadUnsafe(ref sr, (nuint)j) + v).StoreUnsafe(ref sr, (nuint)j);
        }
        for (; j < n; j++)
        {
            e[j] = MathF.Exp(x[j] - m[j]);
            sum[j] += e[j];
        }
    }
}
