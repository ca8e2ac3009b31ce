using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.multi_margin_loss(input, target, p, margin, weight, reduction)</c> (<c>nn.MultiMarginLoss</c>).</summary>
    /// <param name="input">(N, C), (C) or 0-D scores; float32 or float64; C ≥ 1.</param>
    /// <param name="target">int64 class indices in [0, C): (N), or (1)/0-D for a (C) or 0-D input.</param>
    /// <param name="p">1 or 2 (Python rejects anything else, 1.5 included, where libtorch would truncate it to an integer).</param>
    /// <param name="margin">The margin.</param>
    /// <param name="weight">Optional 1-D per-class weight of C elements, of the input's dtype; indexed by the target class.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': (N) — or 0-D for a 0-D target; else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError for p ∉ {1, 2} or a weight that is not 1-D (Python's checks); RuntimeError for a bad input shape, target or
    /// weight size, target dtype, weight dtype, or a target out of range; NotImplementedError for int64 input.
    /// </exception>
    /// <remarks>
    /// <para>ℓₙ = (1/C)·Σ_{j ≠ yₙ} w[yₙ]·max(0, margin − x[n, yₙ] + x[n, j])ᵖ, each term with (margin − x_y) + x_j in the element
    /// type and z ≤ 0 contributing nothing (so at z = 0 there is no gradient).</para>
    /// <para>libtorch's kernel is a plain scalar loop (bit-identical candidate): each sample's sum is in the element type and
    /// divided by C; 'mean'/'sum' accumulate the samples in float64 (for float32 too), 'mean' then divides by N, and the
    /// result is rounded to the element type once.</para>
    /// <para>An empty batch (0, C) gives NaN for 'mean' and 0 for 'sum' (what the formula gives); libtorch returns an
    /// uninitialised value there.</para>
    /// </remarks>
    public static Tensor MultiMarginLoss(Tensor input, Tensor target, double p = 1, double margin = 1.0, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        (int nframe, int dim, int[] outShape) = CheckMultiMargin(input, target, p, weight, reduction);
        if (input.Numel == 0)
        {
            return EmptyBatchLoss(input.DType, outShape, reduction);
        }
        CheckMultiMarginDtypes(input, target, weight);
        return input.DType == DType.Float32
            ? MultiMarginForward<float>(input, target, (int)p, margin, weight, reduction, nframe, dim, outShape)
            : MultiMarginForward<double>(input, target, (int)p, margin, weight, reduction, nframe, dim, outShape);
    }

    /// <summary>The gradient of <see cref="MultiMarginLoss"/> with respect to input (libtorch's <c>multi_margin_loss_backward</c>).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="p">The forward p.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="weight">The forward weight (not differentiable in PyTorch).</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// For each j ≠ y with z > 0: h = g (p = 1) or 2·g·z (p = 2), times w[y], with g = 1/C (1/(N·C) for 'mean') rounded to
    /// the element type; ∂/∂x_j = h and ∂/∂x_y = −Σh, all times the upstream gradient.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static Tensor MultiMarginLossBackward(Tensor gradOutput, Tensor input, Tensor target, double p = 1, double margin = 1.0, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        (int nframe, int dim, int[] outShape) = CheckMultiMargin(input, target, p, weight, reduction);
        if (input.Numel == 0)
        {
            return Tensor.Zeros(input.DType, input.ShapeArray());
        }
        CheckMultiMarginDtypes(input, target, weight);
        return input.DType == DType.Float32
            ? MultiMarginBackward<float>(gradOutput, input, target, (int)p, margin, weight, reduction, nframe, dim, outShape)
            : MultiMarginBackward<double>(gradOutput, input, target, (int)p, margin, weight, reduction, nframe, dim, outShape);
    }

    /// <summary>Python's checks (torch/nn/functional.py multi_margin_loss), then libtorch's multi_margin_loss_shape_check.</summary>
    private static (int NFrame, int Dim, int[] OutShape) CheckMultiMargin(Tensor input, Tensor target, double p, Tensor? weight, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (p != 1 && p != 2)
        {
            throw Value("only p == 1 and p == 2 supported");
        }
        if (weight is not null && weight.Dim != 1)
        {
            throw Value("weight must be one-dimensional");
        }
        (int nframe, int dim) = MultiShape(input);
        if (!(target.Dim <= 1 && target.Numel == nframe))
        {
            throw Runtime($"inconsistent target size, expected {I(nframe)} but got {S(target.Shape)}");
        }
        if (weight is not null && !(weight.Dim <= 1 && weight.Numel == dim))
        {
            throw Runtime($"inconsistent weight size, expected {I(dim)} but got {S(weight.Shape)}");
        }
        int[] outShape = reduction == Reduction.None && target.Dim > 0 ? [nframe] : [];
        return (nframe, dim, outShape);
    }

    /// <summary>The input-shape rule shared by multi_margin_loss and multilabel_margin_loss (LossMulti.h).</summary>
    private static (int NFrame, int Dim) MultiShape(Tensor input)
    {
        int nd = input.Dim;
        if (!((nd == 2 && input.Size(1) != 0) || (nd == 1 && input.Size(0) != 0) || nd == 0))
        {
            throw Runtime($"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {S(input.Shape)}");
        }
        return nd <= 1 ? (1, nd == 0 ? 1 : input.Size(0)) : (input.Size(0), input.Size(1));
    }

    private static void CheckMultiMarginDtypes(Tensor input, Tensor target, Tensor? weight)
    {
        if (input.DType == DType.Int64)
        {
            throw NotImplemented("multi_margin_loss_cpu_kernel", input.DType);
        }
        if (target.DType != DType.Int64)
        {
            throw ExpectedScalarType(DType.Int64, target.DType);
        }
        if (weight is not null && weight.DType != input.DType)
        {
            throw ExpectedScalarType(input.DType, weight.DType);
        }
    }

    /// <summary>The loss of an empty batch: what the formula gives (libtorch leaves 'mean'/'sum' uninitialised).</summary>
    private static Tensor EmptyBatchLoss(DType dtype, int[] outShape, Reduction reduction) =>
        outShape.Length > 0 || reduction == Reduction.None
            ? Tensor.Zeros(dtype, outShape)
            : Tensor.FromDoubles(dtype, [reduction == Reduction.Mean ? double.NaN : 0.0]);

    private static long[] CheckedTargets(Tensor target, int dim, string message)
    {
        long[] t = target.ToArray<long>();
        foreach (long v in t)
        {
            if (v < 0 || v >= dim)
            {
                throw Runtime(message);
            }
        }
        return t;
    }

    private static T MultiMarginInner<T>(ReadOnlySpan<T> x, T[]? w, int p, T margin, int dim, long y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T xt = x[(int)y];
        T sum = T.Zero;
        for (int d = 0; d < dim; d++)
        {
            if (d == y)
            {
                continue;
            }
            T z = margin - xt + x[d];
            if (z > T.Zero)
            {
                T h = p == 1 ? z : z * z;
                if (w is not null)
                {
                    h *= w[y];
                }
                sum += h;
            }
        }
        return sum / T.CreateTruncating(dim);
    }

    private static Tensor MultiMarginForward<T>(Tensor input, Tensor target, int p, double margin, Tensor? weight, Reduction reduction, int nframe, int dim, int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = input.ToArray<T>();
        T[]? w = weight?.ToArray<T>();
        T m = T.CreateTruncating(margin);
        long[] t = target.ToArray<long>();
        if (reduction == Reduction.None && outShape.Length > 0)
        {
            var r = new T[nframe];
            for (int n = 0; n < nframe; n++)
            {
                if (t[n] < 0 || t[n] >= dim)
                {
                    throw Runtime("target out of range");
                }
                r[n] = MultiMarginInner<T>(x.AsSpan(n * dim, dim), w, p, m, dim, t[n]);
            }
            return Make(r, outShape);
        }
        double acc = 0;
        for (int n = 0; n < nframe; n++)
        {
            if (t[n] < 0 || t[n] >= dim)
            {
                throw Runtime("target out of range");
            }
            acc += double.CreateTruncating(MultiMarginInner<T>(x.AsSpan(n * dim, dim), w, p, m, dim, t[n]));
        }
        if (reduction == Reduction.Mean)
        {
            acc /= nframe;
        }
        return Make([T.CreateTruncating(acc)], []);
    }

    private static Tensor MultiMarginBackward<T>(Tensor gradOutput, Tensor input, Tensor target, int p, double margin, Tensor? weight, Reduction reduction, int nframe, int dim, int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] go = GradValues<T>(gradOutput, outShape);
        T[] x = input.ToArray<T>();
        T[]? w = weight?.ToArray<T>();
        T m = T.CreateTruncating(margin);
        long[] t = CheckedTargets(target, dim, "target out of range");
        T g = T.CreateTruncating(reduction == Reduction.Mean ? 1.0 / ((long)nframe * dim) : 1.0 / dim);
        T two = T.CreateTruncating(2);
        var gi = new T[x.Length];
        for (int n = 0; n < nframe; n++)
        {
            int row = n * dim;
            long y = t[n];
            T xt = x[row + (int)y];
            T gt = T.Zero;
            for (int d = 0; d < dim; d++)
            {
                T z = m - xt + x[row + d];
                if (d == y)
                {
                    continue;
                }
                if (z > T.Zero)
                {
                    T h = p == 1 ? g : two * g * z;
                    if (w is not null)
                    {
                        h *= w[y];
                    }
                    gt -= h;
                    gi[row + d] = h;
                }
                else
                {
                    gi[row + d] = T.Zero;
                }
            }
            gi[row + (int)y] = gt;
        }
        ScaleByGradOutput(gi, go, reduction, nframe, dim, outShape);
        return Make(gi, input.Shape);
    }

    /// <summary>The kernels' last step: times the 0-D upstream gradient, or row n times gradOutput[n].</summary>
    private static void ScaleByGradOutput<T>(T[] gi, T[] go, Reduction reduction, int nframe, int dim, int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (reduction != Reduction.None || outShape.Length == 0)
        {
            for (int i = 0; i < gi.Length; i++)
            {
                gi[i] *= go[0];
            }
            return;
        }
        for (int n = 0; n < nframe; n++)
        {
            for (int d = 0; d < dim; d++)
            {
                gi[(n * dim) + d] *= go[n];
            }
        }
    }
}
