using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.CosineSimilarity"/>.</summary>
/// <param name="X1">∂/∂x1, shaped and typed as x1.</param>
/// <param name="X2">∂/∂x2, shaped and typed as x2.</param>
public readonly record struct CosineSimilarityGrads(Tensor X1, Tensor X2);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.cosine_similarity(x1, x2, dim, eps)</c> (<c>nn.CosineSimilarity</c>).</summary>
    /// <param name="x1">First input (float32/float64; int64 is converted when the other input is floating).</param>
    /// <param name="x2">Second input, broadcast against x1.</param>
    /// <param name="dim">The dimension of the broadcast shape along which the vectors lie (negative counts from the end).</param>
    /// <param name="eps">The floor of each norm (rounded to the element type). A negative eps is accepted and has no effect.</param>
    /// <returns>The broadcast shape without <paramref name="dim"/>.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when the common dtype is not floating or the inputs do not broadcast; IndexError when dim is out of range.
    /// </exception>
    /// <remarks>
    /// <para>cos = Σ (x1 / max(‖x1‖, ε)) · (x2 / max(‖x2‖, ε)) along dim: each input is divided by its clamped norm first
    /// (so |cos| ≤ 1 up to rounding, and no product of norms can overflow), then the products are summed in libtorch's
    /// cascade order.</para>
    /// <para>The norm is libtorch's 2-norm: over the last dimension in vector lanes with fused multiply-adds, over another
    /// dimension a plain sequential loop.</para>
    /// </remarks>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, int dim = 1, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        DType dt = CosineKernels.CommonDType(x1, x2);
        if (dt == DType.Float32)
        {
            float[] r = CosineKernels.Forward<float>(x1, x2, dim, eps, out int[] shape);
            return Make(r, shape);
        }
        double[] r64 = CosineKernels.Forward<double>(x1, x2, dim, eps, out int[] shape64);
        return Make(r64, shape64);
    }

    /// <summary>The gradients of <see cref="CosineSimilarity"/> with respect to x1 and x2.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the similarity.</param>
    /// <param name="x1">The forward x1.</param>
    /// <param name="x2">The forward x2.</param>
    /// <param name="dim">The forward dim.</param>
    /// <param name="eps">The forward eps.</param>
    /// <returns>
    /// libtorch's autograd of the forward graph. With a = x1/n̂1, b = x2/n̂2 (n̂ the clamped norms) and g broadcast along dim:
    /// ∂/∂x1 = g·b/n̂1 + (Σ −g·b·a/n̂1)·x1/n1, where the second term uses the unclamped norm n1 (0 where n1 = 0):
    /// the clamp is done in place without recording a gradient, so below ε the result is not the derivative of the
    /// clamped forward. Summed over broadcast dimensions.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for an int64 input or a gradOutput of the wrong shape.</exception>
    public static CosineSimilarityGrads CosineSimilarityBackward(Tensor gradOutput, Tensor x1, Tensor x2, int dim = 1, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        DType dt = CosineKernels.CommonDType(x1, x2);
        if (!x1.DType.IsFloatingPoint() || !x2.DType.IsFloatingPoint())
        {
            throw IntegerGrad();
        }
        if (dt == DType.Float32)
        {
            CosineKernels.Forward<float>(x1, x2, dim, eps, out int[] shape);
            (float[] a, float[] b) = CosineKernels.Backward(GradValues<float>(gradOutput, shape), x1, x2, dim, eps);
            return new CosineSimilarityGrads(DistanceKernels.ToDType(a, x1.Shape, x1.DType), DistanceKernels.ToDType(b, x2.Shape, x2.DType));
        }
        CosineKernels.Forward<double>(x1, x2, dim, eps, out int[] shape64);
        (double[] a64, double[] b64) = CosineKernels.Backward(GradValues<double>(gradOutput, shape64), x1, x2, dim, eps);
        return new CosineSimilarityGrads(DistanceKernels.ToDType(a64, x1.Shape, x1.DType), DistanceKernels.ToDType(b64, x2.Shape, x2.DType));
    }
}

/// <summary>cosine_similarity's forward and autograd backward in the element type (shared with the triplet losses).</summary>
internal static class CosineKernels
{
    /// <summary>The common dtype, which must be floating (libtorch's check).</summary>
    public static DType CommonDType(Tensor x1, Tensor x2)
    {
        DType dt = ResultType(x1, x2);
        if (!dt.IsFloatingPoint())
        {
            throw Runtime($"expected common dtype to be floating point, yet common dtype is {dt.TorchScalarName()}");
        }
        return dt;
    }

    private readonly struct Plan
    {
        public Plan(int[] shape, int dim)
        {
            Shape = shape;
            Dim = dim;
            Outer = 1;
            Inner = 1;
            int rank = shape.Length;
            Red = rank == 0 ? 1 : shape[dim];
            for (int i = 0; i < dim; i++)
            {
                Outer *= shape[i];
            }
            for (int i = dim + 1; i < rank; i++)
            {
                Inner *= shape[i];
            }
            Out = rank == 0 ? [] : [.. shape[..dim], .. shape[(dim + 1)..]];
        }

        public int[] Shape { get; }

        public int Dim { get; }

        public int[] Out { get; }

        public int Outer { get; }

        public int Red { get; }

        public int Inner { get; }

        public int Index(int o, int r, int i) => (((o * Red) + r) * Inner) + i;
    }

    private static Plan MakePlan(Tensor x1, Tensor x2, int dim)
    {
        int[] shape = InferSize(x1.Shape, x2.Shape);
        int d = WrapDim(dim, shape.Length);
        return new Plan(shape, d);
    }

    /// <summary>
    /// Whether <paramref name="x"/> is expanded along the reduced dimension (its own size there is 1, the broadcast
    /// size is not): libtorch's norm then reads it with stride 0, which is not the contiguous (vectorised) reduction.
    /// </summary>
    private static bool BroadcastAlongDim(Tensor x, in Plan pl)
    {
        if (pl.Red <= 1)
        {
            return false;
        }
        int lead = pl.Shape.Length - x.Dim;
        return pl.Dim - lead < 0 || x.Shape[pl.Dim - lead] == 1;
    }

    /// <summary>The 2-norm of each (outer, inner) vector along the reduced dimension.</summary>
    /// <param name="v">The operand, expanded to the broadcast shape.</param>
    /// <param name="pl">The shapes.</param>
    /// <param name="strideZero">Whether the operand is broadcast along the reduced dimension (see <see cref="BroadcastAlongDim"/>).</param>
    private static T[] Norms<T>(T[] v, in Plan pl, bool strideZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pl.Inner == 1 && !strideZero)
        {
            return DistanceKernels.NormRows<T>(v, pl.Outer, pl.Red, 2.0, pl.Shape.Length > 0);
        }
        // Not the last dimension, or read with stride 0: binary_kernel_reduce with NormTwoOps, a sequential acc + x·x then sqrt.
        var r = new T[pl.Outer * pl.Inner];
        for (int o = 0; o < pl.Outer; o++)
        {
            for (int i = 0; i < pl.Inner; i++)
            {
                if (pl.Red == 1)
                {
                    // linalg_vector_norm's fast path for a reduced dimension of size 1: abs.
                    r[(o * pl.Inner) + i] = T.Abs(v[pl.Index(o, 0, i)]);
                    continue;
                }
                T acc = T.Zero;
                for (int k = 0; k < pl.Red; k++)
                {
                    T x = v[pl.Index(o, k, i)];
                    acc = DistanceKernels.NormFma ? T.FusedMultiplyAdd(x, x, acc) : acc + (x * x);
                }
                r[(o * pl.Inner) + i] = T.Sqrt(acc);
            }
        }
        return r;
    }

    private static T ClampMin<T>(T x, T lo)
        where T : unmanaged, IFloatingPointIeee754<T> => T.IsNaN(x) ? x : (x < lo ? lo : x);

    /// <summary>cosine_similarity computed in <typeparamref name="T"/>.</summary>
    public static T[] Forward<T>(Tensor x1, Tensor x2, int dim, double eps, out int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Plan pl = MakePlan(x1, x2, dim);
        outShape = pl.Out;
        T[] a = Expand<T>(x1, pl.Shape), b = Expand<T>(x2, pl.Shape);
        T e = T.CreateTruncating(eps);
        T[] n1 = Norms(a, pl, BroadcastAlongDim(x1, pl)), n2 = Norms(b, pl, BroadcastAlongDim(x2, pl));
        var prod = new T[a.Length];
        for (int o = 0; o < pl.Outer; o++)
        {
            for (int k = 0; k < pl.Red; k++)
            {
                for (int i = 0; i < pl.Inner; i++)
                {
                    int j = pl.Index(o, k, i), m = (o * pl.Inner) + i;
                    prod[j] = (a[j] / ClampMin(n1[m], e)) * (b[j] / ClampMin(n2[m], e));
                }
            }
        }
        return CascadeSum.AlongDim<T>(prod, pl.Outer, pl.Red, pl.Inner);
    }

    /// <summary>The autograd gradients of <see cref="Forward"/> for <paramref name="g"/> (shaped as its result), summed to each input's shape.</summary>
    public static (T[] G1, T[] G2) Backward<T>(T[] g, Tensor x1, Tensor x2, int dim, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (T[][] p1, T[][] p2) = BackwardParts(g, x1, x2, dim, eps);
        return (Accumulate(p1), Accumulate(p2));
    }

    /// <summary>Adds contributions in the order given (autograd's input buffer).</summary>
    public static T[] Accumulate<T>(T[][] parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = (T[])parts[0].Clone();
        for (int k = 1; k < parts.Length; k++)
        {
            for (int i = 0; i < r.Length; i++)
            {
                r[i] += parts[k][i];
            }
        }
        return r;
    }

    /// <summary>
    /// The gradients of <see cref="Forward"/> as the contributions autograd adds into each input, in its order: the
    /// division's (x / n̂) then the norm's, or one summed contribution when the two inputs' shapes differ (expand_outplace
    /// then expands both, and expand's backward adds the two before reducing).
    /// </summary>
    public static (T[][] G1, T[][] G2) BackwardParts<T>(T[] g, Tensor x1, Tensor x2, int dim, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Plan pl = MakePlan(x1, x2, dim);
        T[] a = Expand<T>(x1, pl.Shape), b = Expand<T>(x2, pl.Shape);
        T e = T.CreateTruncating(eps);
        T[] n1 = Norms(a, pl, BroadcastAlongDim(x1, pl)), n2 = Norms(b, pl, BroadcastAlongDim(x2, pl));
        int n = a.Length;
        var ga = new T[n];
        var gb = new T[n];
        var gn1 = new T[n];
        var gn2 = new T[n];
        for (int o = 0; o < pl.Outer; o++)
        {
            for (int k = 0; k < pl.Red; k++)
            {
                for (int i = 0; i < pl.Inner; i++)
                {
                    int j = pl.Index(o, k, i), m = (o * pl.Inner) + i;
                    T c1 = ClampMin(n1[m], e), c2 = ClampMin(n2[m], e);
                    T u = a[j] / c1, w = b[j] / c2;
                    T gu = g[m] * w, gw = g[m] * u;
                    // x / n̂: self gets grad / n̂, n̂ gets −grad·((x / n̂) / n̂).
                    ga[j] = gu / c1;
                    gb[j] = gw / c2;
                    gn1[j] = -gu * (u / c1);
                    gn2[j] = -gw * (w / c2);
                }
            }
        }
        T[] s1 = CascadeSum.AlongDim<T>(gn1, pl.Outer, pl.Red, pl.Inner);
        T[] s2 = CascadeSum.AlongDim<T>(gn2, pl.Outer, pl.Red, pl.Inner);
        var t1 = new T[n];
        var t2 = new T[n];
        for (int o = 0; o < pl.Outer; o++)
        {
            for (int k = 0; k < pl.Red; k++)
            {
                for (int i = 0; i < pl.Inner; i++)
                {
                    int j = pl.Index(o, k, i), m = (o * pl.Inner) + i;
                    // The norm's backward (p = 2): grad · (x / n), 0 where n = 0; n unclamped.
                    t1[j] = s1[m] * (n1[m] == T.Zero ? T.Zero : a[j] / n1[m]);
                    t2[j] = s2[m] * (n2[m] == T.Zero ? T.Zero : b[j] / n2[m]);
                }
            }
        }
        // expand_outplace borrows both inputs when their shapes are equal, and otherwise expands both — also the one
        // already of the broadcast shape — so each gets a single contribution summed in its ExpandBackward.
        bool expanded = !x1.Shape.SequenceEqual(x2.Shape);
        return (Parts(ga, t1, pl.Shape, x1.Shape, expanded), Parts(gb, t2, pl.Shape, x2.Shape, expanded));
    }

    private static T[][] Parts<T>(T[] direct, T[] norm, int[] shape, ReadOnlySpan<int> own, bool expanded)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!expanded)
        {
            return [direct, norm];
        }
        T[] sum = Accumulate([direct, norm]);
        return [DistanceKernels.SumTo(sum, shape, own)];
    }
}
