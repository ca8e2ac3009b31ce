using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics.X86;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.PairwiseDistance"/>.</summary>
/// <param name="X1">∂/∂x1, shaped and typed as x1.</param>
/// <param name="X2">∂/∂x2, shaped and typed as x2.</param>
public readonly record struct PairwiseDistanceGrads(Tensor X1, Tensor X2);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.pairwise_distance(x1, x2, p, eps, keepdim)</c> (<c>nn.PairwiseDistance</c>).</summary>
    /// <param name="x1">First input, float32 or float64 (int64 is accepted and gives float32, as libtorch does).</param>
    /// <param name="x2">Second input, broadcast against x1.</param>
    /// <param name="p">The norm degree: any real, including 0 (a count of non-zeros), ±∞ and negative values.</param>
    /// <param name="eps">Added to every element of the difference before the norm (not a clamp).</param>
    /// <param name="keepdim">Keep the reduced last dimension as size 1.</param>
    /// <returns>The p-norm of x1 − x2 + eps over the last dimension of the broadcast shape.</returns>
    /// <exception cref="TorchException">RuntimeError when x1 and x2 do not broadcast.</exception>
    /// <remarks>
    /// <para>dᵢ = ‖x1ᵢ − x2ᵢ + ε‖ₚ over the last dimension of the broadcast shape (a 0-D broadcast gives |x1 − x2 + ε|).
    /// ε is added to the difference, so equal inputs give ε·D^(1/p), not 0.</para>
    /// <para>The norm is libtorch's: p = 2 sums squares in vector lanes with fused multiply-adds (8 floats or 4 doubles on
    /// AVX2, 16/8 on AVX-512), folds the lanes from lane 0 and adds the tail; other p are a plain scalar loop in the element
    /// type: Σ|v|ᵖ then ^(1/p), Σ|v| (p = 1), max|v| (∞), min|v| (−∞), and the count of non-zeros (p = 0).
    /// An empty row gives 0 (∞ for p &lt; 0).</para>
    /// </remarks>
    public static Tensor PairwiseDistance(Tensor x1, Tensor x2, double p = 2.0, double eps = 1e-6, bool keepdim = false)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        int[] shape = InferSize(x1.Shape, x2.Shape);
        DType dt = DistanceKernels.DiffDType(x1, x2);
        return dt == DType.Float32
            ? DistanceKernels.PairwiseForward<float>(x1, x2, shape, p, eps, keepdim)
            : DistanceKernels.PairwiseForward<double>(x1, x2, shape, p, eps, keepdim);
    }

    /// <summary>The gradients of <see cref="PairwiseDistance"/> with respect to x1 and x2.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the distance.</param>
    /// <param name="x1">The forward x1.</param>
    /// <param name="x2">The forward x2.</param>
    /// <param name="p">The forward p.</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="keepdim">The forward keepdim.</param>
    /// <returns>
    /// With v = x1 − x2 + ε and n = ‖v‖ₚ: ∂/∂v = g·v/n (p = 2), g·sgn v (p = 1), g·sgn v·|v|^(p−1)/n^(p−1) (other p),
    /// 0 for p = 0, and for ±∞ g·sgn v split evenly over the elements where |v| = n. Where n = 0 the gradient is 0
    /// (a subgradient), as libtorch's norm backward does. ∂/∂x1 = ∂/∂v, ∂/∂x2 = −∂/∂v, each summed over broadcast dimensions.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for int64 inputs (no gradient) or a gradOutput of the wrong shape.</exception>
    public static PairwiseDistanceGrads PairwiseDistanceBackward(Tensor gradOutput, Tensor x1, Tensor x2, double p = 2.0, double eps = 1e-6, bool keepdim = false)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        int[] shape = InferSize(x1.Shape, x2.Shape);
        if (!x1.DType.IsFloatingPoint() || !x2.DType.IsFloatingPoint())
        {
            throw IntegerGrad();
        }
        DType dt = DistanceKernels.DiffDType(x1, x2);
        return dt == DType.Float32
            ? DistanceKernels.PairwiseBackward<float>(gradOutput, x1, x2, shape, p, eps, keepdim)
            : DistanceKernels.PairwiseBackward<double>(gradOutput, x1, x2, shape, p, eps, keepdim);
    }
}

/// <summary>
/// The pieces the distance-based ops share: libtorch's vector norm over the last dimension and its backward, the
/// broadcast-reducing <c>sum_to_size</c>.
/// </summary>
internal static class DistanceKernels
{
    /// <summary>Whether libtorch's p = 2 norm kernel runs with fused multiply-adds (its AVX2/AVX-512 builds do).</summary>
    internal static readonly bool NormFma = Fma.IsSupported && VecReduce.ButterflyFold;

    /// <summary>The dtype of <c>x1 − x2 + eps</c>: the promoted type, float32 when both are int64.</summary>
    public static DType DiffDType(Tensor x1, Tensor x2)
    {
        DType r = ResultType(x1, x2);
        return r == DType.Int64 ? DType.Float32 : r;
    }

    /// <summary><c>x1 − x2 + eps</c> broadcast to <paramref name="shape"/>, in <typeparamref name="T"/>.</summary>
    public static T[] Diff<T>(Tensor x1, Tensor x2, int[] shape, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Tensor.NumelOf(shape);
        var v = new T[n];
        T e = T.CreateTruncating(eps);
        if (x1.DType == DType.Int64 && x2.DType == DType.Int64)
        {
            long[] a = ExpandLong(x1, shape), b = ExpandLong(x2, shape);
            for (int i = 0; i < n; i++)
            {
                v[i] = T.CreateTruncating(a[i] - b[i]) + e;
            }
            return v;
        }
        T[] xa = Expand<T>(x1, shape), xb = Expand<T>(x2, shape);
        for (int i = 0; i < n; i++)
        {
            v[i] = (xa[i] - xb[i]) + e;
        }
        return v;
    }

    private static long[] ExpandLong(Tensor t, int[] shape)
    {
        double[] d = Expand<double>(t, shape);
        var r = new long[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            r[i] = (long)d[i];
        }
        return r;
    }

    /// <summary>
    /// libtorch's <c>linalg_vector_norm</c> check: a norm without an identity (p &lt; 0 or p = +∞) over an empty last
    /// dimension is an error ("dimension 1" is the wrapped index; p printed as C++ streams a double).
    /// </summary>
    public static void CheckEmptyNorm(int[] shape, double p)
    {
        if (shape.Length > 0 && shape[^1] == 0 && (p < 0 || double.IsPositiveInfinity(p)))
        {
            throw Runtime($"linalg.vector_norm cannot compute the {CppDouble(p)} norm on the dimension {I(shape.Length - 1)}because this dimension is empty and the operation does not have an identity");
        }
    }

    /// <summary>A double as <c>std::ostream &lt;&lt; double</c> writes it (%g, 6 significant digits; inf, -inf).</summary>
    public static string CppDouble(double v)
    {
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        return v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    }

    /// <summary>The shape of a reduction over the last dimension of <paramref name="shape"/>.</summary>
    public static int[] LastDimReduced(int[] shape, bool keepdim)
    {
        if (shape.Length == 0)
        {
            return [];
        }
        int[] r = keepdim ? (int[])shape.Clone() : shape[..^1];
        if (keepdim)
        {
            r[^1] = 1;
        }
        return r;
    }

    /// <summary>Rows and row length of a last-dimension reduction (a 0-D tensor is one row of one element).</summary>
    public static (int Rows, int D) RowsOf(int[] shape)
    {
        int d = shape.Length == 0 ? 1 : shape[^1];
        int n = Tensor.NumelOf(shape);
        return (d == 0 ? Tensor.NumelOf(shape.AsSpan(0, shape.Length - 1)) : n / d, d);
    }

    public static Tensor PairwiseForward<T>(Tensor x1, Tensor x2, int[] shape, double p, double eps, bool keepdim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckEmptyNorm(shape, p);
        T[] v = Diff<T>(x1, x2, shape, eps);
        (int rows, int d) = RowsOf(shape);
        return Make(NormRows(v, rows, d, p, shape.Length > 0), LastDimReduced(shape, keepdim));
    }

    public static PairwiseDistanceGrads PairwiseBackward<T>(Tensor gradOutput, Tensor x1, Tensor x2, int[] shape, double p, double eps, bool keepdim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, LastDimReduced(shape, keepdim));
        (T[] g1, T[] g2) = PairGrad(g, x1, x2, p, eps);
        return new PairwiseDistanceGrads(ToDType(g1, x1.Shape, x1.DType), ToDType(g2, x2.Shape, x2.DType));
    }

    /// <summary>pairwise_distance(x1, x2, p, eps) computed in <typeparamref name="T"/>; the shape is the broadcast shape without its last dimension.</summary>
    public static T[] PairDist<T>(Tensor x1, Tensor x2, double p, double eps, out int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] shape = InferSize(x1.Shape, x2.Shape);
        CheckEmptyNorm(shape, p);
        T[] v = Diff<T>(x1, x2, shape, eps);
        (int rows, int d) = RowsOf(shape);
        outShape = LastDimReduced(shape, false);
        return NormRows(v, rows, d, p, shape.Length > 0);
    }

    /// <summary>The gradients of <see cref="PairDist"/> for the upstream gradient <paramref name="g"/> (shaped as its result), summed to each input's shape.</summary>
    public static (T[] G1, T[] G2) PairGrad<T>(T[] g, Tensor x1, Tensor x2, double p, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] shape = InferSize(x1.Shape, x2.Shape);
        CheckEmptyNorm(shape, p);
        T[] v = Diff<T>(x1, x2, shape, eps);
        (int rows, int d) = RowsOf(shape);
        T[] n = NormRows(v, rows, d, p, shape.Length > 0);
        T[] gv = NormBackwardRows(g, v, n, rows, d, p);
        var neg = new T[gv.Length];
        for (int i = 0; i < gv.Length; i++)
        {
            neg[i] = -gv[i];
        }
        return (SumTo(gv, shape, x1.Shape), SumTo(neg, shape, x2.Shape));
    }

    /// <summary>
    /// <c>linalg_vector_norm(v, p, dim=-1)</c> of each of <paramref name="rows"/> contiguous rows of <paramref name="d"/>
    /// elements, in libtorch's order (see <see cref="Functional.PairwiseDistance"/>).
    /// </summary>
    /// <param name="v">The rows, contiguous.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="d">The row length.</param>
    /// <param name="p">The norm degree.</param>
    /// <param name="vectorFastPath">
    /// Whether a row of one element is a reduced dimension of size 1 (rank ≥ 1), which libtorch computes as abs(v); a 0-D
    /// tensor's single element goes through the ordinary reduction.
    /// </param>
    public static T[] NormRows<T>(ReadOnlySpan<T> v, int rows, int d, double p, bool vectorFastPath = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[rows];
        for (int i = 0; i < rows; i++)
        {
            r[i] = Norm(v.Slice(i * d, d), p, vectorFastPath);
        }
        return r;
    }

    /// <summary>One row's norm (libtorch's <c>norm_kernel_tensor_iterator_impl</c>).</summary>
    public static T Norm<T>(ReadOnlySpan<T> row, double p, bool vectorFastPath = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = row.Length;
        if (size == 0)
        {
            return p < 0 ? T.PositiveInfinity : T.Zero;
        }
        if (size == 1 && vectorFastPath)
        {
            // linalg_vector_norm's fast path: a reduction over dimensions of size 1 is abs(v) (v != 0 for p = 0),
            // whatever p is, so |v|^p cannot underflow or overflow there.
            return p == 0.0 ? (row[0] != T.Zero ? T.One : T.Zero) : T.Abs(row[0]);
        }
        if (p == 2.0)
        {
            // binary_kernel_reduce_lastdim with norm_two_reduce_step: lane-wise squares, lanes folded from lane 0, tail.
            int w = VecReduce.Lanes<T>();
            Span<T> acc = stackalloc T[w];
            acc.Clear();
            int k = 0;
            for (; k < size - (size % w); k += w)
            {
                for (int l = 0; l < w; l++)
                {
                    T x = row[k + l];
                    acc[l] = NormFma ? T.FusedMultiplyAdd(x, x, acc[l]) : acc[l] + (x * x);
                }
            }
            T s = acc[0];
            for (int l = 1; l < w; l++)
            {
                s += acc[l];
            }
            for (; k < size; k++)
            {
                T x = row[k];
                s = NormFma ? T.FusedMultiplyAdd(x, x, s) : s + (x * x);
            }
            return T.Sqrt(s);
        }
        // binary_kernel_reduce: a plain scalar loop; the accumulator is the element type, p rounded to it.
        T acc0 = double.IsNegativeInfinity(p) ? T.PositiveInfinity : T.Zero;
        T pt = T.CreateTruncating(p);
        for (int k = 0; k < size; k++)
        {
            T a = T.Abs(row[k]);
            if (p == 0.0)
            {
                acc0 += row[k] == T.Zero ? T.Zero : T.One;
            }
            else if (p == 1.0)
            {
                acc0 += a;
            }
            else if (double.IsPositiveInfinity(p))
            {
                acc0 = T.IsNaN(acc0) || T.IsNaN(a) ? T.NaN : T.Max(acc0, a);
            }
            else if (double.IsNegativeInfinity(p))
            {
                acc0 = T.IsNaN(acc0) || T.IsNaN(a) ? T.NaN : T.Min(acc0, a);
            }
            else
            {
                acc0 += Pow(a, pt);
            }
        }
        if (p == 0.0 || p == 1.0 || double.IsInfinity(p))
        {
            return acc0;
        }
        return Pow(acc0, T.One / pt);
    }

    /// <summary>glibc's pow/powf (what std::pow calls).</summary>
    public static T Pow<T>(T x, T y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? T.CreateTruncating(MathF.Pow(float.CreateTruncating(x), float.CreateTruncating(y)))
            : T.CreateTruncating(Math.Pow(double.CreateTruncating(x), double.CreateTruncating(y)));

    /// <summary>
    /// <c>tensor.pow(scalar)</c> as libtorch's CPU kernel computes it: exact shortcuts for the exponents 0, 1, 2, 3, ±0.5,
    /// −1 and −2, else std::pow in double (see <see cref="PowDoubleExponent"/>).
    /// </summary>
    public static T PowScalar<T>(T x, double e)
        where T : unmanaged, IFloatingPointIeee754<T> => e switch
        {
            0.0 => T.One,
            1.0 => x,
            2.0 => x * x,
            3.0 => x * x * x,
            0.5 => T.Sqrt(x),
            -0.5 => T.One / T.Sqrt(x),
            -1.0 => T.One / x,
            -2.0 => T.One / (x * x),
            _ => PowDoubleExponent(x, e),
        };

    /// <summary>
    /// <c>std::pow(base, static_cast&lt;double&gt;(exp))</c>, the scalar lane of libtorch's
    /// <c>pow_tensor_scalar_optimized_kernel&lt;scalar_t, double&gt;</c>: a float base is promoted, the power is taken in
    /// double with the exponent unrounded, and the result rounded back to the element type.
    /// </summary>
    public static T PowDoubleExponent<T>(T x, double e)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(Math.Pow(double.CreateTruncating(x), e));

    /// <summary>
    /// Element <paramref name="index"/> of <c>t.pow(e)</c> over a contiguous tensor of <paramref name="count"/> elements:
    /// <c>cpu_kernel_vec</c> runs blocks of two vectors (16 floats / 8 doubles on AVX2) through
    /// <c>Vectorized::pow</c>, i.e. SLEEF's <c>powf8_u10</c>/<c>powd4_u10</c> with the exponent in the element type,
    /// and the tail through the scalar <c>std::pow(base, (double)e)</c>. The vector lanes use libm's pow with the
    /// exponent rounded to the element type (SLEEF's u10 pow is within 1 ulp of it; the port is not bit-exact).
    /// </summary>
    public static T PowLane<T>(T x, double e, int index, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int block = 2 * VecReduce.Lanes<T>();
        bool lane = index < count - (count % block);
        return !lane || e is 0.0 or 1.0 or 2.0 or 3.0 or 0.5 or -0.5 or -1.0 or -2.0
            ? PowScalar(x, e)
            : Pow(x, T.CreateTruncating(e));
    }

    /// <summary><c>sgn</c> of a real: (0 &lt; x) − (x &lt; 0), so NaN gives 0.</summary>
    public static T Sgn<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;

    /// <summary>
    /// libtorch's <c>norm_backward</c> (FunctionsManual.cpp) for a last-dimension norm: the gradient with respect to
    /// each element of <paramref name="v"/> given the upstream gradient <paramref name="g"/> and the norms <paramref name="n"/> per row.
    /// </summary>
    public static T[] NormBackwardRows<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> v, ReadOnlySpan<T> n, int rows, int d, double p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[rows * d];
        if (p == 0.0)
        {
            return r;
        }
        for (int i = 0; i < rows; i++)
        {
            T gi = g[i], ni = n[i];
            ReadOnlySpan<T> row = v.Slice(i * d, d);
            Span<T> o = r.AsSpan(i * d, d);
            if (p == 1.0)
            {
                for (int k = 0; k < d; k++)
                {
                    o[k] = Sgn(row[k]) * gi;
                }
            }
            else if (p == 2.0)
            {
                for (int k = 0; k < d; k++)
                {
                    o[k] = gi * (ni == T.Zero ? T.Zero : row[k] / ni);
                }
            }
            else if (double.IsInfinity(p))
            {
                // sgn(v) · ((g / count) · mask), mask = |v| == n or |v| is NaN.
                int count = 0;
                for (int k = 0; k < d; k++)
                {
                    T a = T.Abs(row[k]);
                    if (a == ni || T.IsNaN(a))
                    {
                        count++;
                    }
                }
                T share = gi / T.CreateTruncating(count);
                for (int k = 0; k < d; k++)
                {
                    T a = T.Abs(row[k]);
                    T mask = a == ni || T.IsNaN(a) ? T.One : T.Zero;
                    o[k] = Sgn(row[k]) * (share * mask);
                }
            }
            else if (p < 1.0)
            {
                // sgn(v)·|v|^(p−1) (0 where v = 0) · g · n^(1−p)
                T scale = PowLane(ni, 1 - p, i, rows);
                for (int k = 0; k < d; k++)
                {
                    T s = row[k] == T.Zero ? T.Zero : PowLane(T.Abs(row[k]), p - 1, (i * d) + k, rows * d);
                    o[k] = Sgn(row[k]) * s * gi * scale;
                }
            }
            else
            {
                T scale = gi / PowLane(ni, p - 1, i, rows);
                if (ni == T.Zero)
                {
                    scale = T.Zero;
                }
                for (int k = 0; k < d; k++)
                {
                    int at = (i * d) + k;
                    T s = p < 2.0
                        ? Sgn(row[k]) * PowLane(T.Abs(row[k]), p - 1, at, rows * d)
                        : row[k] * PowLane(T.Abs(row[k]), p - 2, at, rows * d);
                    o[k] = s * scale;
                }
            }
        }
        return r;
    }

    /// <summary>
    /// <c>grad.sum_to_size(target)</c>: sums <paramref name="g"/> (shaped <paramref name="shape"/>) over the dimensions
    /// that broadcasting added or stretched, in libtorch's order (<see cref="global::Parity.Native.Ops.SumTo.Reduce"/>).
    /// </summary>
    public static T[] SumTo<T>(T[] g, int[] shape, ReadOnlySpan<int> target)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        global::Parity.Native.Ops.SumTo.Reduce(g, shape, target);

    /// <summary>Wraps values computed in <typeparamref name="T"/> as a tensor of <paramref name="dtype"/> (rounding f64 → f32).</summary>
    public static Tensor ToDType<T>(T[] v, ReadOnlySpan<int> shape, DType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DTypeOf<T>() == dtype)
        {
            return Make(v, shape);
        }
        var d = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            d[i] = double.CreateTruncating(v[i]);
        }
        return Tensor.FromDoubles(dtype, d, shape.ToArray());
    }
}
