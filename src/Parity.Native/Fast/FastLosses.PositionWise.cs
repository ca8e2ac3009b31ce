using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Fast;

/// <summary>
/// Element-wise helpers for the K-dimensional kernels, which work on short runs (at most <see cref="InnerChunk"/>
/// positions) of one class at a time: plain vector loops, where a library call per run would cost more than the run.
/// Each element gets one IEEE operation, so the results are those of the element-wise definitions.
/// </summary>
public static partial class FastLosses
{
    /// <summary>m[j] = max(m[j], x[j]) with NaN propagating and +0 above −0 (IEEE 754-2019 maximum, as <c>torch.max</c>).</summary>
    internal static void MaxInto<T>(Span<T> m, ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => CombineInto<T, MaxOp<T>>(m, x);

    /// <summary>values[j] *= factors[j].</summary>
    internal static void MultiplyInto<T>(Span<T> values, ReadOnlySpan<T> factors)
        where T : unmanaged, IFloatingPointIeee754<T> => CombineInto<T, MultiplyOp<T>>(values, factors);

    /// <summary>values[j] = TOp(values[j], other[j]), vector by vector, then element by element.</summary>
    private static void CombineInto<T, TOp>(Span<T> values, ReadOnlySpan<T> other)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : IPairOp<T>
    {
        int vc = Vector256<T>.Count;
        int n = values.Length;
        ref T vr = ref MemoryMarshal.GetReference(values);
        ref T or = ref MemoryMarshal.GetReference(other);
        int j = 0;
        for (; j <= n - vc; j += vc)
        {
            TOp.Apply(Vector256.LoadUnsafe(ref vr, (nuint)j), Vector256.LoadUnsafe(ref or, (nuint)j)).StoreUnsafe(ref vr, (nuint)j);
        }
        for (; j < n; j++)
        {
            values[j] = TOp.Apply(values[j], other[j]);
        }
    }

    private interface IPairOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract Vector256<T> Apply(Vector256<T> a, Vector256<T> b);

        static abstract T Apply(T a, T b);
    }

    private readonly struct MaxOp<T> : IPairOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector256<T> Apply(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);

        public static T Apply(T a, T b) => T.Max(a, b);
    }

    private readonly struct MultiplyOp<T> : IPairOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector256<T> Apply(Vector256<T> a, Vector256<T> b) => a * b;

        public static T Apply(T a, T b) => a * b;
    }

    /// <summary>output[j] = (x[j] − a[j]) − b[j].</summary>
    internal static void SubtractTwoInto<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        int n = output.Length;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T or = ref MemoryMarshal.GetReference(output);
        int j = 0;
        for (; j <= n - vc; j += vc)
        {
            ((Vector256.LoadUnsafe(ref xr, (nuint)j) - Vector256.LoadUnsafe(ref ar, (nuint)j)) - Vector256.LoadUnsafe(ref br, (nuint)j))
                .StoreUnsafe(ref or, (nuint)j);
        }
        for (; j < n; j++)
        {
            output[j] = (x[j] - a[j]) - b[j];
        }
    }

    /// <summary>
    /// <see cref="SubtractTwoInto{T}"/> for float with non-temporal stores (AVX; the unaligned head and tail with
    /// <c>movnti</c>), for outputs too large to be worth caching. The caller fences before anyone reads the output.
    /// </summary>
    internal static unsafe void SubtractTwoIntoStreaming(float* x, float* a, float* b, float* output, int n)
    {
        if (!Avx.IsSupported)
        {
            SubtractTwoInto(new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n), new Span<float>(output, n));
            return;
        }
        int j = 0;
        for (; j < n && ((nuint)(output + j) & 31) != 0; j++)
        {
            Sse2.StoreNonTemporal((int*)(output + j), BitConverter.SingleToInt32Bits((x[j] - a[j]) - b[j]));
        }
        for (; j <= n - 8; j += 8)
        {
            Avx.StoreAlignedNonTemporal(output + j, (Vector256.Load(x + j) - Vector256.Load(a + j)) - Vector256.Load(b + j));
        }
        for (; j < n; j++)
        {
            Sse2.StoreNonTemporal((int*)(output + j), BitConverter.SingleToInt32Bits((x[j] - a[j]) - b[j]));
        }
    }

    /// <summary>
    /// The first element of K-dimensional work unit <paramref name="unit"/> (sample b, inner positions from j0), or null
    /// when <paramref name="unit"/> is past <paramref name="last"/>.
    /// </summary>
    internal static unsafe T* UnitStart<T>(T* x, long unit, long last, int c, int inner)
        where T : unmanaged
    {
        if (unit >= last)
        {
            return null;
        }
        int chunks = (inner + InnerChunk - 1) / InnerChunk;
        long b = unit / chunks;
        long j0 = (unit % chunks) * InnerChunk;
        return x + (b * c * inner) + j0;
    }

    /// <summary>
    /// Asks for the <see cref="InnerChunk"/>-position segment of class <paramref name="k"/> at <paramref name="unitStart"/>
    /// (the next work unit; nothing when null), a cache line at a time. The K-dimensional kernels read each unit as
    /// C short segments <c>inner</c> elements apart, strides the hardware prefetchers do not follow; issuing these while
    /// the current unit is computed overlaps the next unit's memory reads with this one's arithmetic. A hint only: it
    /// never faults and changes no value.
    /// </summary>
    internal static unsafe void PrefetchSegment<T>(T* unitStart, int k, int inner)
        where T : unmanaged
    {
        if (unitStart == null || !Sse.IsSupported)
        {
            return;
        }
        byte* p = (byte*)(unitStart + ((long)k * inner));
        int bytes = InnerChunk * sizeof(T);
        for (int offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch0(p + offset);
        }
    }
}
