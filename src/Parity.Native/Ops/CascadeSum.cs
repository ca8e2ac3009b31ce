using System.Numerics;

namespace Parity.Native.Ops;

/// <summary>
/// libtorch's CPU floating-point sum (<c>at::sum</c>, and therefore <c>mean</c>), reproduced operation for operation so
/// that a reduced loss has the same bits as libtorch's.
/// </summary>
/// <remarks>
/// <para>
/// The sum is a cascade: values are added into a level-0 accumulator in blocks of 2^p (p ≥ 4), each finished block is
/// pushed into the next level, and the levels are folded at the end. This keeps only similar magnitudes meeting.
/// A contiguous run of at least W values (W = 32 bytes of lanes: 8 floats or 4 doubles; libtorch registers no
/// AVX-512 sum kernel) is summed as W interleaved lanes, each lane itself split four ways ("ilp"), then the scalar
/// tail is summed first and the lanes are added to it in order. Float accumulates in float.
/// </para>
/// <para>Bit-exact only for single-threaded reductions: libtorch splits inputs over 32768 elements across threads.</para>
/// </remarks>
internal static class CascadeSum
{
    /// <summary>Bytes of one vector in libtorch's sum kernel.</summary>
    public const int SumVectorBytes = 32;

    /// <summary><c>utils::CeilLog2</c>: 1 for x ≤ 2, else ⌊log2(x−1)⌋+1.</summary>
    public static int CeilLog2(long x) => x <= 2 ? 1 : 64 - BitOperations.LeadingZeroCount((ulong)(x - 1));

    /// <summary>Lanes of a sum vector for <typeparamref name="T"/>.</summary>
    public static unsafe int Lanes<T>()
        where T : unmanaged => SumVectorBytes / sizeof(T);

    /// <summary>
    /// <c>multi_row_sum</c> for one column: the 4-level cascade over <paramref name="size"/> values
    /// d[start + i·stride].
    /// </summary>
    public static T Multi<T>(ReadOnlySpan<T> d, int start, int stride, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int levelPower = Math.Max(4, CeilLog2(size) / 4);
        int step = 1 << levelPower;
        long mask = step - 1;
        T a0 = T.Zero, a1 = T.Zero, a2 = T.Zero, a3 = T.Zero;
        int i = 0;
        while (i + step <= size)
        {
            for (int j = 0; j < step; j++, i++)
            {
                a0 += d[start + (i * stride)];
            }
            a1 += a0;
            a0 = T.Zero;
            if ((i & (mask << levelPower)) != 0)
            {
                continue;
            }
            a2 += a1;
            a1 = T.Zero;
            if ((i & (mask << (2 * levelPower))) != 0)
            {
                continue;
            }
            a3 += a2;
            a2 = T.Zero;
        }
        for (; i < size; i++)
        {
            a0 += d[start + (i * stride)];
        }
        a0 += a1;
        a0 += a2;
        a0 += a3;
        return a0;
    }

    /// <summary>
    /// <c>row_sum</c>: the values seen as rows of 4 (ilp), a cascade per column, the leftover values into column 0,
    /// then columns 1..3 added into column 0.
    /// </summary>
    public static T Row<T>(ReadOnlySpan<T> d, int start, int stride, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sizeIlp = size / 4;
        T p0 = Multi(d, start, 4 * stride, sizeIlp);
        T p1 = Multi(d, start + stride, 4 * stride, sizeIlp);
        T p2 = Multi(d, start + (2 * stride), 4 * stride, sizeIlp);
        T p3 = Multi(d, start + (3 * stride), 4 * stride, sizeIlp);
        for (int i = sizeIlp * 4; i < size; i++)
        {
            p0 += d[start + (i * stride)];
        }
        p0 += p1;
        p0 += p2;
        p0 += p3;
        return p0;
    }

    /// <summary>Sum of a contiguous run (<c>vectorized_inner_sum</c> when it spans a vector, else the scalar row sum).</summary>
    public static T Contiguous<T>(ReadOnlySpan<T> d, int start, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Lanes<T>();
        if (n < w)
        {
            return T.Zero + Row(d, start, 1, n);
        }
        int vecSize = n / w;
        T final = T.Zero;
        for (int k = vecSize * w; k < n; k++)
        {
            final += d[start + k];
        }
        for (int lane = 0; lane < w; lane++)
        {
            final += Row(d, start + lane, w, vecSize);
        }
        return T.Zero + final;
    }

    /// <summary><c>tensor.sum()</c> of a whole contiguous tensor.</summary>
    public static T All<T>(ReadOnlySpan<T> d)
        where T : unmanaged, IFloatingPointIeee754<T> => Contiguous(d, 0, d.Length);

    /// <summary><c>tensor.mean()</c>: the sum divided by the element count (NaN for no elements).</summary>
    public static T Mean<T>(ReadOnlySpan<T> d)
        where T : unmanaged, IFloatingPointIeee754<T> => All(d) / T.CreateTruncating(d.Length);

    /// <summary>
    /// <c>tensor.sum(dim)</c> of a contiguous tensor viewed as (outer, reduced, inner); the result is (outer, inner).
    /// </summary>
    /// <remarks>
    /// The reduced dimension is inner-contiguous when inner = 1 (each output is a contiguous run). Otherwise each
    /// output column is a strided run: libtorch handles the first ⌊inner/4W⌋·4W columns (or ⌊inner/4⌋·4 when
    /// inner &lt; W) with the plain cascade and the remaining columns with the 4-way split row sum.
    /// </remarks>
    public static T[] AlongDim<T>(ReadOnlySpan<T> d, int outer, int reduced, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[outer * inner];
        if (reduced == 1)
        {
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = T.Zero + d[i];
            }
            return r;
        }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                r[o] = Contiguous(d, o * reduced, reduced);
            }
            return r;
        }
        int w = Lanes<T>();
        int multiColumns = inner >= w ? inner / (4 * w) * (4 * w) : inner / 4 * 4;
        for (int o = 0; o < outer; o++)
        {
            int baseIndex = o * reduced * inner;
            for (int j = 0; j < inner; j++)
            {
                T s = j < multiColumns
                    ? Multi(d, baseIndex + j, inner, reduced)
                    : Row(d, baseIndex + j, inner, reduced);
                r[(o * inner) + j] = T.Zero + s;
            }
        }
        return r;
    }

    /// <summary>
    /// <c>tensor.sum(dims, keepdim)</c> of a contiguous tensor shaped <paramref name="shape"/>, over the dimensions marked in
    /// <paramref name="reduce"/>, in libtorch's order for any pattern of reduced dimensions; the result is contiguous over
    /// the kept dimensions.
    /// </summary>
    /// <remarks>
    /// TensorIterator drops size-1 dimensions, coalesces neighbouring dimensions of the same kind (reduced or kept), and
    /// moves the reduced blocks innermost, ordered by stride. One reduced block is <see cref="AlongDim"/>. With several,
    /// <c>cascade_sum</c>'s 2-D loop sees the innermost two reduced blocks (both with output stride 0) and the outer
    /// blocks are iterated around it: each output starts at 0 and receives, in row-major order of the outer reduced
    /// blocks, one row sum per index of the second block — over the innermost block, <c>vectorized_inner_sum</c> when
    /// that block is contiguous and spans a vector, else the 4-way <c>row_sum</c> (<c>scalar_inner_sum</c>).
    /// </remarks>
    public static T[] Reduce<T>(ReadOnlySpan<T> d, ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduce)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Blocks (outermost first): size, reduced?, element stride of the block's innermost dimension.
        var sizes = new List<int>();
        var kinds = new List<bool>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1)
            {
                continue;
            }
            bool r = reduce[i];
            if (kinds.Count > 0 && kinds[^1] == r)
            {
                sizes[^1] *= shape[i];
            }
            else
            {
                sizes.Add(shape[i]);
                kinds.Add(r);
            }
        }
        int n = sizes.Count;
        var strides = new int[n];
        int s = 1, outCount = 1, reducedBlocks = 0;
        for (int b = n - 1; b >= 0; b--)
        {
            strides[b] = s;
            s *= sizes[b];
            if (kinds[b])
            {
                reducedBlocks++;
            }
            else
            {
                outCount *= sizes[b];
            }
        }
        if (d.Length == 0)
        {
            return new T[outCount];
        }
        if (reducedBlocks <= 1)
        {
            int outer = 1, red = 1, inner = 1;
            bool seen = false;
            for (int b = 0; b < n; b++)
            {
                if (kinds[b])
                {
                    red = sizes[b];
                    seen = true;
                }
                else if (seen)
                {
                    inner *= sizes[b];
                }
                else
                {
                    outer *= sizes[b];
                }
            }
            return AlongDim(d, outer, red, inner);
        }
        var redIdx = new List<int>();
        var keptIdx = new List<int>();
        for (int b = 0; b < n; b++)
        {
            (kinds[b] ? redIdx : keptIdx).Add(b);
        }
        int innerBlock = redIdx[^1];
        int size0 = sizes[innerBlock], stride0 = strides[innerBlock];
        // Outer reduced blocks, outermost first (the second-innermost varies fastest).
        int[] outerRed = redIdx.Take(redIdx.Count - 1).ToArray();
        var result = new T[outCount];
        var kIdx = new int[keptIdx.Count];
        var rIdx = new int[outerRed.Length];
        for (int o = 0; o < outCount; o++)
        {
            int baseOffset = 0;
            for (int k = 0; k < keptIdx.Count; k++)
            {
                baseOffset += kIdx[k] * strides[keptIdx[k]];
            }
            Array.Clear(rIdx);
            T acc = T.Zero;
            while (true)
            {
                int start = baseOffset;
                for (int k = 0; k < outerRed.Length; k++)
                {
                    start += rIdx[k] * strides[outerRed[k]];
                }
                acc += stride0 == 1 ? Contiguous(d, start, size0) : Row(d, start, stride0, size0);
                int j = outerRed.Length - 1;
                while (j >= 0 && ++rIdx[j] == sizes[outerRed[j]])
                {
                    rIdx[j] = 0;
                    j--;
                }
                if (j < 0)
                {
                    break;
                }
            }
            result[o] = acc;
            for (int k = keptIdx.Count - 1; k >= 0; k--)
            {
                if (++kIdx[k] < sizes[keptIdx[k]])
                {
                    break;
                }
                kIdx[k] = 0;
            }
        }
        return result;
    }
}
