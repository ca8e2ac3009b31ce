using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        int n = m.Length;
        ref T mr = ref MemoryMarshal.GetReference(m);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int j = 0;
        for (; j <= n - vc; j += vc)
        {
            Vector256.Max(Vector256.LoadUnsafe(ref mr, (nuint)j), Vector256.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref mr, (nuint)j);
        }
        for (; j < n; j++)
        {
            m[j] = T.Max(m[j], x[j]);
        }
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

    /// <summary>values[j] *= factors[j].</summary>
    internal static void MultiplyInto<T>(Span<T> values, ReadOnlySpan<T> factors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        int n = values.Length;
        ref T vr = ref MemoryMarshal.GetReference(values);
        ref T fr = ref MemoryMarshal.GetReference(factors);
        int j = 0;
        for (; j <= n - vc; j += vc)
        {
            (Vector256.LoadUnsafe(ref vr, (nuint)j) * Vector256.LoadUnsafe(ref fr, (nuint)j)).StoreUnsafe(ref vr, (nuint)j);
        }
        for (; j < n; j++)
        {
            values[j] *= factors[j];
        }
    }
}
