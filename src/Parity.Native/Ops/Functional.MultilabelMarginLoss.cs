using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.multilabel_margin_loss(input, target, reduction)</c> (<c>nn.MultiLabelMarginLoss</c>).</summary>
    /// <param name="input">(N, C), (C) or 0-D scores; float32 or float64; C ≥ 1.</param>
    /// <param name="target">int64, shaped as input (a (C) or 0-D input takes a target of C elements with ≤ 1 dimension):
    /// each row lists target classes and ends at the first −1; entries after it are ignored but must still lie in [−1, C).</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': (N) for a 2-D target, 0-D otherwise; 'mean'/'sum': 0-D.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError for a bad input shape, target shape, a target value outside [−1, C) or a non-int64 target;
    /// NotImplementedError for int64 input.
    /// </exception>
    /// <remarks>
    /// <para>ℓₙ = (1/C)·Σ_{j ∈ Tₙ} Σ_{i ∉ Tₙ} max(0, 1 − x[n, j] + x[n, i]), where Tₙ is the row's targets up to the first −1
    /// (a repeated target counts once in "∉ T" but once per occurrence in the outer sum). z ≤ 0 contributes nothing.</para>
    /// <para>libtorch's kernel is a plain scalar loop (bit-identical candidate): each sample's sum accumulates in float64
    /// (for float32 too); 'none' rounds it to the element type and divides by C there; 'mean'/'sum' add the samples in
    /// float64, divide by C (and N for 'mean') and round once.</para>
    /// <para>An empty batch (0, C) gives NaN for 'mean' and 0 for 'sum' (what the formula gives); libtorch returns an
    /// uninitialised value there.</para>
    /// </remarks>
    public static Tensor MultilabelMarginLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        (int nframe, int dim, int[] outShape) = CheckMultilabel(input, target, reduction);
        if (input.Numel == 0)
        {
            return EmptyBatchLoss(input.DType, outShape, reduction);
        }
        CheckMultilabelValues(input, target, dim);
        return input.DType == DType.Float32
            ? MultilabelForward<float>(input, target, reduction, nframe, dim, outShape)
            : MultilabelForward<double>(input, target, reduction, nframe, dim, outShape);
    }

    /// <summary>The gradient of <see cref="MultilabelMarginLoss"/> with respect to input (libtorch's <c>multilabel_margin_loss_backward</c>).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>For each target j and non-target i with z &gt; 0: ∂/∂x_j −= g and ∂/∂x_i += g, with g = 1/C (1/(N·C) for
    /// 'mean') rounded to the element type, accumulated in that order, then times the upstream gradient.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static Tensor MultilabelMarginLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        (int nframe, int dim, int[] outShape) = CheckMultilabel(input, target, reduction);
        if (input.Numel == 0)
        {
            return Tensor.Zeros(input.DType, input.ShapeArray());
        }
        CheckMultilabelValues(input, target, dim);
        return input.DType == DType.Float32
            ? MultilabelBackward<float>(gradOutput, input, target, reduction, nframe, dim, outShape)
            : MultilabelBackward<double>(gradOutput, input, target, reduction, nframe, dim, outShape);
    }

    private static (int NFrame, int Dim, int[] OutShape) CheckMultilabel(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        (int nframe, int dim) = MultiShape(input);
        bool ok = input.Dim <= 1
            ? target.Dim <= 1 && target.Numel == dim
            : target.Dim == 2 && target.Size(0) == nframe && target.Size(1) == dim;
        if (!ok)
        {
            throw Runtime($"inconsistent target size: {S(target.Shape)} for input of size: {S(input.Shape)}");
        }
        int[] outShape = reduction != Reduction.None || target.Dim <= 1 ? [] : [nframe];
        return (nframe, dim, outShape);
    }

    /// <summary>libtorch's order: the target's range (min ≥ −1, max &lt; C, read as int64), then the dtypes.</summary>
    private static void CheckMultilabelValues(Tensor input, Tensor target, int dim)
    {
        long min = long.MaxValue, max = long.MinValue;
        for (int i = 0; i < target.Numel; i++)
        {
            long v = (long)target.GetDouble(i);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (min < -1 || max >= dim)
        {
            throw Runtime("argument #2 'target' is out of range");
        }
        if (input.DType == DType.Int64)
        {
            throw NotImplemented("multilabel_margin_loss_forward_out_frame", input.DType);
        }
        if (target.DType != DType.Int64)
        {
            throw ExpectedScalarType(DType.Int64, target.DType);
        }
    }

    /// <summary>is_target for one row: 1 for the classes listed before the first −1.</summary>
    private static bool[] IsTarget(ReadOnlySpan<long> t, int dim)
    {
        var isT = new bool[dim];
        for (int k = 0; k < dim && t[k] >= 0; k++)
        {
            isT[t[k]] = true;
        }
        return isT;
    }

    private static double MultilabelInner<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> t, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool[] isT = IsTarget(t, dim);
        double sum = 0;
        for (int k = 0; k < dim && t[k] >= 0; k++)
        {
            T xt = x[(int)t[k]];
            for (int d = 0; d < dim; d++)
            {
                if (!isT[d])
                {
                    T z = T.One - xt + x[d];
                    if (z > T.Zero)
                    {
                        sum += double.CreateTruncating(z);
                    }
                }
            }
        }
        return sum;
    }

    private static Tensor MultilabelForward<T>(Tensor input, Tensor target, Reduction reduction, int nframe, int dim, int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = input.ToArray<T>();
        long[] t = target.ToArray<long>();
        if (reduction != Reduction.None || outShape.Length == 0)
        {
            double acc = 0;
            for (int n = 0; n < nframe; n++)
            {
                // The row sum is returned as the element type, then accumulated in float64.
                acc += double.CreateTruncating(T.CreateTruncating(MultilabelInner<T>(x.AsSpan(n * dim, dim), t.AsSpan(n * dim, dim), dim)));
            }
            acc /= dim;
            if (reduction == Reduction.Mean)
            {
                acc /= nframe;
            }
            return Make([T.CreateTruncating(acc)], []);
        }
        var r = new T[nframe];
        for (int n = 0; n < nframe; n++)
        {
            T s = T.CreateTruncating(MultilabelInner<T>(x.AsSpan(n * dim, dim), t.AsSpan(n * dim, dim), dim));
            r[n] = s / T.CreateTruncating(dim);
        }
        return Make(r, outShape);
    }

    private static Tensor MultilabelBackward<T>(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, int nframe, int dim, int[] outShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] go = GradValues<T>(gradOutput, outShape);
        T[] x = input.ToArray<T>();
        long[] t = target.ToArray<long>();
        T g = T.CreateTruncating(reduction == Reduction.Mean ? 1.0 / ((long)nframe * dim) : 1.0 / dim);
        var gi = new T[x.Length];
        for (int n = 0; n < nframe; n++)
        {
            int row = n * dim;
            ReadOnlySpan<long> tr = t.AsSpan(row, dim);
            bool[] isT = IsTarget(tr, dim);
            for (int k = 0; k < dim && tr[k] >= 0; k++)
            {
                int j = (int)tr[k];
                T xt = x[row + j];
                for (int d = 0; d < dim; d++)
                {
                    if (!isT[d])
                    {
                        T z = T.One - xt + x[row + d];
                        if (z > T.Zero)
                        {
                            gi[row + j] -= g;
                            gi[row + d] += g;
                        }
                    }
                }
            }
        }
        ScaleByGradOutput(gi, go, reduction, nframe, dim, outShape);
        return Make(gi, input.Shape);
    }
}
