using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Parity.Native.Fast;

/// <summary>
/// Fused, vectorised, multi-threaded loss kernels over caller-owned spans: PyTorch's <c>cross_entropy</c>,
/// <c>nll_loss</c>, <c>log_softmax</c>, <c>binary_cross_entropy</c> and <c>binary_cross_entropy_with_logits</c>, forward and
/// gradient with respect to the input in one pass over the data. The element type is <see cref="float"/> or
/// <see cref="double"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Layout.</b> Tensors are dense row-major spans. Class-indexed ops take <c>(n, c, inner)</c>: the input has shape
/// <c>(N, C, d1, …, dK)</c> flattened so that <c>inner = d1·…·dK</c> (<c>inner = 1</c> for the usual <c>(N, C)</c>), the
/// target has <c>N·inner</c> class indices, exactly as <c>torch.nn.functional.cross_entropy</c> sees them.
/// </para>
/// <para>
/// <b>Determinism.</b> Every reduction is split into fixed blocks chosen from the problem size alone. Each block's
/// partial sum is accumulated in <see cref="double"/> in a fixed order and the partials are combined in block order, so
/// the result is bit-for-bit the same for any <c>threads</c> value (1, 2, 7, …). Element-wise outputs do not depend on
/// the blocking at all.
/// </para>
/// <para>
/// <b>Accuracy.</b> Reductions accumulate in <see cref="double"/> even for <see cref="float"/> data (libtorch accumulates
/// float in float). For float the exponentials and logarithms are this library's own vector routines (≤ 2 ulp, see
/// <c>VectorMath</c>); for double they come from <c>System.Numerics.Tensors.TensorPrimitives</c>. Both differ from
/// libtorch's Sleef routines in the last bits, so results match libtorch to a tolerance, not bit for bit; the readable
/// reference ops in <c>Parity.Native.Ops.Functional</c> are the bit-parity implementation.
/// </para>
/// <para>
/// <b>Allocation.</b> With <c>threads = 1</c> no method allocates. With more threads the helper threads are created on
/// first use and reused; later calls do not allocate either.
/// </para>
/// </remarks>
public static partial class FastLosses
{
    /// <summary>Elements a block of a reduction covers, at least; blocks never depend on the thread count.</summary>
    internal const int TargetBlockElements = 32 * 1024;

    /// <summary>Upper bound on the number of blocks (their partial sums live on the stack).</summary>
    internal const int MaxBlocks = 1024;

    /// <summary>Elements an element-wise kernel processes per stack scratch chunk.</summary>
    internal const int Chunk = 512;

    /// <summary>
    /// Outputs at least this large (bytes) are written with non-temporal stores where a kernel supports it: they are far
    /// bigger than a core's L2, so caching them only costs a read of every destination line (and evicts the input).
    /// Below it, outputs stay in cache for whoever reads them next.
    /// </summary>
    internal const long StreamingStoreBytes = 16L << 20;

    /// <summary>The widest row (classes) the cross-entropy kernel stages in a stack scratch before writing the gradient.</summary>
    internal const int ScratchClasses = 4096;

    /// <summary>The number of threads every kernel uses when passed <c>threads = 0</c>: <see cref="Environment.ProcessorCount"/>.</summary>
    public static int AllThreads => Environment.ProcessorCount;

    /// <summary>
    /// Fixed partition of <paramref name="units"/> work units of <paramref name="unitElements"/> elements each into
    /// blocks: returns the units per block. Depends only on the problem size.
    /// </summary>
    internal static int UnitsPerBlock(long units, long unitElements)
    {
        long perBlock = Math.Max(1, TargetBlockElements / Math.Max(1, unitElements));
        long minimum = (units + MaxBlocks - 1) / MaxBlocks;
        return (int)Math.Max(perBlock, Math.Max(1, minimum));
    }

    internal static int BlockCount(long units, int unitsPerBlock) => (int)((units + unitsPerBlock - 1) / unitsPerBlock);

    internal static int ResolveThreads(int threads) =>
        threads switch
        {
            < 0 => throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be 0 (all) or positive"),
            0 => Environment.ProcessorCount,
            _ => threads,
        };

    internal static void RequireFloatingType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"FastLosses supports float and double, not {typeof(T).Name}");
        }
    }

    internal static void RequireLength(int actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} elements, expected {expected}", name);
        }
    }

    internal static void RequireAtLeast(int actual, long expected, string name)
    {
        if (actual < expected)
        {
            throw new ArgumentException($"{name} has {actual} elements, needs at least {expected}", name);
        }
    }

    /// <summary>Sums the block partials in block order.</summary>
    internal static double CombineInOrder(ReadOnlySpan<double> partials)
    {
        double total = 0;
        foreach (double p in partials)
        {
            total += p;
        }
        return total;
    }

    /// <summary>
    /// Sum of <paramref name="values"/> accumulated in <see cref="double"/> lanes in a fixed order (vector lanes, then the
    /// lanes left to right, then the scalar tail).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double SumToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> f = MemoryMarshal.Cast<T, float>(values);
            var acc0 = Vector256<double>.Zero;
            var acc1 = Vector256<double>.Zero;
            int i = 0;
            for (; i <= f.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.Create(f.Slice(i, Vector256<float>.Count)));
                acc0 += lo;
                acc1 += hi;
            }
            double s = Vector256.Sum(acc0 + acc1);
            for (; i < f.Length; i++)
            {
                s += f[i];
            }
            return s;
        }
        else
        {
            ReadOnlySpan<double> d = MemoryMarshal.Cast<T, double>(values);
            var acc0 = Vector256<double>.Zero;
            var acc1 = Vector256<double>.Zero;
            int i = 0;
            for (; i <= d.Length - 2 * Vector256<double>.Count; i += 2 * Vector256<double>.Count)
            {
                acc0 += Vector256.Create(d.Slice(i, Vector256<double>.Count));
                acc1 += Vector256.Create(d.Slice(i + Vector256<double>.Count, Vector256<double>.Count));
            }
            double s = Vector256.Sum(acc0 + acc1);
            for (; i < d.Length; i++)
            {
                s += d[i];
            }
            return s;
        }
    }

    /// <summary>The upstream gradient for sample <paramref name="i"/>: empty = 1, one element = a scalar, else per sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe T UpstreamAt<T>(T* gradOutput, int gradOutputLength, long i)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        gradOutputLength == 0 ? T.One : gradOutputLength == 1 ? gradOutput[0] : gradOutput[i];

    internal static void ValidateGradOutput(int length, long perSample, Reduction reduction)
    {
        bool ok = reduction == Reduction.None ? length == 0 || length == perSample : length is 0 or 1;
        if (!ok)
        {
            throw new ArgumentException(
                reduction == Reduction.None
                    ? $"gradOutput must be empty (ones) or have {perSample} elements for reduction 'none', got {length}"
                    : $"gradOutput must be empty (one) or a single element for reduction '{reduction.Name()}', got {length}",
                "gradOutput");
        }
    }

    /// <summary>
    /// A mean reduction: <paramref name="total"/> (accumulated in double) / <paramref name="divisor"/>, rounded once to
    /// <typeparamref name="T"/> — unless the sum itself overflows <typeparamref name="T"/>, as libtorch's sum in the element
    /// type then does: that infinity divided by the divisor in <typeparamref name="T"/> (so float32 means of terms near
    /// float.MaxValue are ±∞, as in libtorch, not the finite mean double arithmetic would give).
    /// </summary>
    internal static T MeanOf<T>(double total, double divisor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.CreateTruncating(total);
        return T.IsFinite(sum) || !double.IsFinite(total) ? T.CreateTruncating(total / divisor) : sum / T.CreateTruncating(divisor);
    }

    /// <summary>Maximum of a non-empty span; NaN if any element is NaN (as <c>torch.max</c>).</summary>
    internal static T RowMax<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        int n = values.Length;
        T m;
        bool nan = false;
        int j;
        if (n >= vc)
        {
            ref T r = ref MemoryMarshal.GetReference(values);
            Vector256<T> acc = Vector256.LoadUnsafe(ref r);
            Vector256<T> bad = ~Vector256.Equals(acc, acc);
            for (j = vc; j <= n - vc; j += vc)
            {
                Vector256<T> v = Vector256.LoadUnsafe(ref r, (nuint)j);
                acc = Vector256.MaxNative(acc, v);
                bad |= ~Vector256.Equals(v, v);
            }
            nan = bad != Vector256<T>.Zero;
            m = acc[0];
            for (int k = 1; k < vc; k++)
            {
                m = T.MaxNative(m, acc[k]);
            }
        }
        else
        {
            m = values[0];
            nan = T.IsNaN(m);
            j = 1;
        }
        for (; j < n; j++)
        {
            T v = values[j];
            nan |= T.IsNaN(v);
            m = T.MaxNative(m, v);
        }
        nan |= T.IsNaN(m);
        return nan ? T.NaN : m;
    }

    /// <summary>values *= factor, in place.</summary>
    internal static void ScaleInPlace<T>(Span<T> values, T factor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        int n = values.Length;
        ref T r = ref MemoryMarshal.GetReference(values);
        var f = Vector256.Create(factor);
        int j = 0;
        for (; j <= n - vc; j += vc)
        {
            (Vector256.LoadUnsafe(ref r, (nuint)j) * f).StoreUnsafe(ref r, (nuint)j);
        }
        for (; j < n; j++)
        {
            values[j] *= factor;
        }
    }
}
