using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>
    /// The gradient of <see cref="BinaryCrossEntropy"/> with respect to target, as libtorch's autograd computes it
    /// (<c>binary_cross_entropy_target_backward</c>).
    /// </summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight (libtorch cannot differentiate it).</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>∂ℓ/∂yᵢ = −logit(xᵢ)·g·wᵢ (then ÷ numel for 'mean'), target-shaped, in the target's dtype.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <remarks>
    /// <para>logit(x) = log(x / (1 − x)) is not clamped, unlike the forward's logs: x = 0 gives +∞·g and x = 1 gives
    /// −∞·g (the forward's clamped slope there would be ±100). So this is the derivative of the unclamped loss.</para>
    /// <para>Not bit-identical: libtorch's logit equals its torch.log(x / (1 − x)) bit for bit, and that log (MKL's vector log
    /// in the libtorch-cpu build, probably) differs from glibc's log, used here, by one ulp in about 7% of float32 and 0.1%
    /// of float64 quotients (measured on this host). The quotient and every later step are exact emulations.</para>
    /// </remarks>
    public static Tensor BinaryCrossEntropyTargetBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckBce(input, target, weight, reduction);
        return input.DType == DType.Float32
            ? BceTargetBackward<float>(gradOutput, input, weight, reduction)
            : BceTargetBackward<double>(gradOutput, input, weight, reduction);
    }

    private static Tensor BceTargetBackward<T>(Tensor gradOutput, Tensor input, Tensor? weight, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, input.Shape));
        T[] x = input.ToArray<T>();
        int n = x.Length;
        var gt = new T[n];
        for (int i = 0; i < n; i++)
        {
            T q = x[i] / (T.One - x[i]);
            T logit = x[i] == T.One ? T.PositiveInfinity : T.Log(q);
            gt[i] = -logit * (reduction == Reduction.None ? g[i] : g[0]);
        }
        if (weight is not null)
        {
            MulInPlace(gt, weight, input.Shape);
        }
        if (reduction == Reduction.Mean)
        {
            T count = T.CreateTruncating(n);
            for (int i = 0; i < n; i++)
            {
                gt[i] /= count;
            }
        }
        return Make(gt, input.Shape);
    }

    /// <summary>
    /// The gradient of <see cref="BinaryCrossEntropyWithLogits"/> with respect to target, as libtorch's autograd computes
    /// it (<c>binary_cross_entropy_with_logits_target_backward</c>).
    /// </summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input (logits).</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight (libtorch cannot differentiate it).</param>
    /// <param name="posWeight">The forward pos_weight (libtorch cannot differentiate it).</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// ∂ℓ/∂y = −x·g without pos_weight, (log σ(−x) − p·log σ(x))·g with it; times w; ÷ numel for 'mean'. Target-shaped,
    /// converted at the end to the target's dtype.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <remarks>
    /// Without pos_weight the product −x·g is taken in the dtype of x and g together (a 0-D g does not widen x); with it,
    /// every step is written in place into log σ(−x), so in x's dtype. log σ(v) = min(v, 0) − log1p(exp(−|v|)) as
    /// libtorch's vectorised log_sigmoid kernel evaluates it (SLEEF lanes, tail included).
    /// </remarks>
    public static Tensor BinaryCrossEntropyWithLogitsTargetBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        _ = PlanBceLogits(input, target, weight, posWeight, reduction);
        ArgumentNullException.ThrowIfNull(gradOutput);
        if (target.DType == DType.Int64)
        {
            throw IntegerGrad();
        }
        int[] outShape = ReducedShape(reduction, input.Shape);
        _ = GradValues<double>(gradOutput, outShape);
        double[] g = gradOutput.ToDoubleArray();
        double[] x = input.ToDoubleArray();
        int n = x.Length;
        var gt = new double[n];
        DType cur;
        if (posWeight is not null)
        {
            cur = input.DType;
            DType pt = BceTgInPlaceType(cur, input.Dim, posWeight);
            DType gtType = BceTgInPlaceType(cur, input.Dim, gradOutput);
            double[] p = ExpandDoubles(posWeight.ToDoubleArray(), posWeight.Shape, input.Shape);
            for (int i = 0; i < n; i++)
            {
                double lsNeg, ls;
                if (cur == DType.Float32)
                {
                    lsNeg = LogSigmoid(-(float)x[i]);
                    ls = LogSigmoid((float)x[i]);
                }
                else
                {
                    lsNeg = LogSigmoid(-x[i]);
                    ls = LogSigmoid(x[i]);
                }
                double b = BceTgR(cur, ls * BceTgR(pt, p[i]));
                double a = BceTgR(cur, lsNeg - b);
                gt[i] = BceTgR(cur, a * BceTgR(gtType, reduction == Reduction.None ? g[i] : g[0]));
            }
        }
        else
        {
            // -self * grad_output: an out-of-place product with PyTorch's result type.
            cur = ResultType(input, gradOutput);
            for (int i = 0; i < n; i++)
            {
                double gv = BceTgR(cur, reduction == Reduction.None ? g[i] : g[0]);
                gt[i] = BceTgR(cur, -x[i] * gv);
            }
        }
        if (weight is not null)
        {
            DType wt = BceTgInPlaceType(cur, input.Dim, weight);
            double[] w = ExpandDoubles(weight.ToDoubleArray(), weight.Shape, input.Shape);
            for (int i = 0; i < n; i++)
            {
                gt[i] = BceTgR(cur, gt[i] * BceTgR(wt, w[i]));
            }
        }
        if (reduction == Reduction.Mean)
        {
            for (int i = 0; i < n; i++)
            {
                gt[i] = BceTgR(cur, gt[i] / BceTgR(cur, n));
            }
        }
        return target.DType == DType.Float32
            ? Tensor.FromArray(Array.ConvertAll(gt, v => (float)v), target.ShapeArray())
            : Tensor.FromArray(gt, target.ShapeArray());
    }

    /// <summary>
    /// The gradient of <see cref="CrossEntropy"/> with respect to a probability (floating) target, as libtorch's autograd
    /// differentiates the composite −Σ w·t'·log_softmax(x) with t' = t·(1 − ε) + ε/C.
    /// </summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input (logits).</param>
    /// <param name="target">The forward probability target (same shape as input, floating).</param>
    /// <param name="weight">The forward per-class weight.</param>
    /// <param name="ignoreIndex">The forward ignore_index (must be negative with probability targets).</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="labelSmoothing">The forward label_smoothing ε.</param>
    /// <returns>
    /// ∂ℓ/∂t[i, c] = (−ĝᵢ)·w[c]·lsm[i, c]·(1 − ε), where ĝ is g per sample ('none'), g ('sum') or g/(numel/C) ('mean');
    /// each product rounded in its PyTorch dtype, the result in the target's dtype. (w and (1 − ε) only when given.)
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError "only Tensors of floating point and complex dtype can
    /// require gradients" for an int64 (class index) target; or gradOutput has the wrong shape.</exception>
    public static Tensor CrossEntropyTargetBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = DefaultIgnoreIndex, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        ArgumentNullException.ThrowIfNull(target);
        if (target.DType == DType.Int64)
        {
            throw IntegerGrad();
        }
        Tensor loss = CrossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
        _ = GradValues<double>(gradOutput, loss.Shape);
        int classDim = input.Dim == 1 ? 0 : 1;
        int[] shape = input.ShapeArray();
        int classes = shape[classDim];
        var (_, _, inner) = SplitAt(shape, classDim);
        double[] lsm = LogSoftmax(input, classDim).ToDoubleArray();
        DType pt = Promote(input.DType, target.DType);
        DType rt = weight is null ? pt : Promote(pt, weight.DType);
        DType tt = target.DType;
        double[] go = gradOutput.ToDoubleArray();
        double[]? w = weight?.ToDoubleArray();
        int n = lsm.Length;
        int samples = classes == 0 ? 0 : n / classes;
        double keep = BceTgR(tt, 1 - labelSmoothing);
        var gt = new double[n];
        for (int i = 0; i < n; i++)
        {
            int s = (i / (classes * inner) * inner) + (i % inner);
            double gv = reduction switch
            {
                Reduction.None => -BceTgR(rt, go[s]),
                Reduction.Sum => -BceTgR(rt, go[0]),
                _ => -BceTgR(rt, BceTgR(rt, go[0]) / BceTgR(rt, samples)),
            };
            if (w is not null)
            {
                gv = BceTgR(pt, BceTgR(rt, gv * BceTgR(rt, w[i / inner % classes])));
            }
            double v = BceTgR(tt, BceTgR(pt, gv * lsm[i]));
            gt[i] = labelSmoothing > 0.0 ? BceTgR(tt, v * keep) : v;
        }
        return tt == DType.Float32
            ? Tensor.FromArray(Array.ConvertAll(gt, v => (float)v), shape)
            : Tensor.FromArray(gt, shape);
    }

    /// <summary>The dtype an operand is converted to in <c>self.op_(operand)</c> (a 0-D operand does not widen self).</summary>
    private static DType BceTgInPlaceType(DType selfType, int selfDim, Tensor operand) =>
        operand.Dim == 0 && selfDim > 0 && operand.DType.IsFloatingPoint() ? selfType : Promote(selfType, operand.DType);

    private static double BceTgR(DType dtype, double v) => dtype == DType.Float32 ? (float)v : v;
}
