using System.Globalization;
using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)</c>
    /// (<c>nn.CrossEntropyLoss</c>).
    /// </summary>
    /// <param name="input">Unnormalised logits: (C), (N, C) or (N, C, d1, …, dK); float32 or float64.</param>
    /// <param name="target">
    /// Class indices (int64) shaped as for <see cref="NllLoss"/>, or class probabilities (floating) of exactly the
    /// input's shape — the shapes decide which, as in PyTorch.
    /// </param>
    /// <param name="weight">Optional per-class weight of C elements.</param>
    /// <param name="ignoreIndex">A class index to ignore (index targets only; must be negative with probability targets).</param>
    /// <param name="reduction">The reduction.</param>
    /// <param name="labelSmoothing">ε in [0, 1]; a negative ε is treated as 0, as PyTorch does.</param>
    /// <returns>'none': per-sample losses (0-D for a (C) input); 'mean'/'sum': 0-D.</returns>
    /// <exception cref="TorchException">The errors of <see cref="LogSoftmax"/> and <see cref="NllLoss"/>, plus the
    /// probability-target and label_smoothing checks (RuntimeError).</exception>
    /// <remarks>
    /// <para>With lsm = log_softmax(x) over the class dimension (1, or 0 for a (C) input), computed with the per-row max
    /// shift:</para>
    /// <para>Index targets: ℓ = (1 − ε)·nll(lsm, y) + (ε/C)·s, where sᵢ = −Σ_c w[c]·lsm[i, c] (0 for ignored samples).
    /// 'mean' divides nll by Σ w[yᵢ] over non-ignored samples and s's sum by the same weights (or the non-ignored
    /// count), so all ignored gives NaN.</para>
    /// <para>Probability targets: t' = (1 − ε)·t + ε/C, ℓᵢ = −Σ_c w[c]·t'[i, c]·lsm[i, c]; 'mean' divides the total by the
    /// number of samples (numel / C), not by the weights.</para>
    /// </remarks>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        var path = PlanCrossEntropy(input, target, ignoreIndex, reduction, labelSmoothing);
        return input.DType == DType.Float32
            ? CeTyped<float>(path, null, input, target, weight, ignoreIndex, reduction, labelSmoothing)
            : CeTyped<double>(path, null, input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /// <summary>The gradient of <see cref="CrossEntropy"/> with respect to input (the logits).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="ignoreIndex">The forward ignore_index.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="labelSmoothing">The forward label_smoothing.</param>
    /// <returns>The gradient through nll (and the smoothing term) into lsm, then through log_softmax:
    /// gᵢ − softmaxᵢ·Σg per row; for 'mean' without ε this is (softmax − onehot)·w[yᵢ]/W. With ε, an ignored sample's
    /// smoothing term still passes its zero gradient through the product with w, so a ±∞ or NaN weight makes that
    /// sample's gradient NaN, as libtorch's autograd does.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape; or the backward checks of
    /// <see cref="NllLossBackward"/> (index targets).</exception>
    public static Tensor CrossEntropyBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        var path = PlanCrossEntropy(input, target, ignoreIndex, reduction, labelSmoothing);
        return input.DType == DType.Float32
            ? CeTyped<float>(path, gradOutput, input, target, weight, ignoreIndex, reduction, labelSmoothing)
            : CeTyped<double>(path, gradOutput, input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    private enum CePath
    {
        Indices,
        Smoothing,
        Probabilities,
    }

    private static CePath PlanCrossEntropy(Tensor input, Tensor target, long ignoreIndex, Reduction reduction, double labelSmoothing)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (input.Shape.SequenceEqual(target.Shape))
        {
            if (!target.DType.IsFloatingPoint())
            {
                throw Runtime($"Expected floating point type for target with class probabilities, got {target.DType.TorchScalarName()}");
            }
            if (ignoreIndex >= 0)
            {
                throw Runtime("ignore_index is not supported for floating point target");
            }
            if (input.Dim == 0)
            {
                throw Index("Dimension specified as 1 but tensor has no dimensions");
            }
            return CePath.Probabilities;
        }
        if (labelSmoothing > 0.0)
        {
            CheckSmoothingRange(labelSmoothing);
            return CePath.Smoothing;
        }
        return CePath.Indices;
    }

    private static void CheckSmoothingRange(double labelSmoothing)
    {
        if (labelSmoothing > 1.0)
        {
            throw Runtime($"label_smoothing must be between 0.0 and 1.0. Got: {CppDouble(labelSmoothing)}");
        }
    }

    /// <summary>A double as C++'s <c>ostream &lt;&lt; double</c> prints it (6 significant digits, %g style).</summary>
    internal static string CppDouble(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        return v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    }

    private static Tensor CeTyped<T>(CePath path, Tensor? gradOutput, Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        int[] shape = input.ShapeArray();
        if (path == CePath.Probabilities)
        {
            return CeProbabilities(gradOutput, input, target, weight, reduction, eps, classDim);
        }
        // log_softmax runs first: its errors (dim, dtype) come before nll's.
        Tensor lsmTensor = LogSoftmax(input, classDim);
        T[] lsm = lsmTensor.ToArray<T>();
        NllPlan plan = PlanNll(lsmTensor, target, weight, reduction);
        var (nll, totalWeight) = NllForward(plan, lsm, target, weight, ignoreIndex, reduction);
        if (path == CePath.Indices)
        {
            if (gradOutput is null)
            {
                return nll;
            }
            T[] g = GradValues<T>(gradOutput, nll.Shape);
            T[] gl = NllBackwardCore(plan, g, totalWeight, target, weight, ignoreIndex, reduction);
            return Make(LogSoftmaxBackwardCore(gl, lsm, shape, classDim), shape);
        }

        // Label smoothing with index targets.
        if (input.Dim == 1 && target.Dim == 1)
        {
            // smooth_loss is 0-D there and masked_fill_ with a [1] mask cannot broadcast into it.
            throw Runtime("output with shape [] doesn't match the broadcast shape [1]");
        }
        var (outer, classes, inner) = SplitAt(shape, classDim);
        T[]? w = weight?.ToArray<T>();
        var prod = new T[lsm.Length];
        for (int i = 0; i < lsm.Length; i++)
        {
            int c = i / inner % classes;
            prod[i] = w is null ? lsm[i] : lsm[i] * w[c];
        }
        T[] smooth = CascadeSum.AlongDim<T>(prod, outer, classes, inner);
        // nll has checked the dtype unless the target is empty; `target == ignore_index` works on any dtype.
        long[] tg = target.DType == DType.Int64 ? target.ToArray<long>() : Array.ConvertAll(target.ToDoubleArray(), v => (long)v);
        var ignored = new bool[smooth.Length];
        for (int i = 0; i < smooth.Length; i++)
        {
            smooth[i] = -smooth[i];
            if (tg[i] == ignoreIndex)
            {
                smooth[i] = T.Zero;
                ignored[i] = true;
            }
        }
        T denominator = T.One;
        if (reduction == Reduction.Mean)
        {
            if (w is not null)
            {
                var picked = new List<T>();
                for (int i = 0; i < tg.Length; i++)
                {
                    if (!ignored[i])
                    {
                        picked.Add(w[tg[i]]);
                    }
                }
                denominator = CascadeSum.All<T>(picked.ToArray());
            }
            else
            {
                denominator = T.CreateTruncating(ignored.Count(b => !b));
            }
        }
        T keep = T.CreateTruncating(1 - eps);
        T spread = T.CreateTruncating(eps / classes);
        if (gradOutput is null)
        {
            T[] nllValues = nll.ToArray<T>();
            T[] ret = reduction == Reduction.None
                ? smooth
                : [reduction == Reduction.Sum ? CascadeSum.All<T>(smooth) : CascadeSum.All<T>(smooth) / denominator];
            var result = new T[nllValues.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = (keep * nllValues[i]) + (ret[i] * spread);
            }
            return Make(result, nll.Shape);
        }
        T[] go = GradValues<T>(gradOutput, nll.Shape);
        var gNll = new T[go.Length];
        var gRet = new T[go.Length];
        for (int i = 0; i < go.Length; i++)
        {
            gNll[i] = go[i] * keep;
            gRet[i] = go[i] * spread;
        }
        T[] gradLsm = NllBackwardCore(plan, gNll, totalWeight, target, weight, ignoreIndex, reduction);
        for (int i = 0; i < lsm.Length; i++)
        {
            int o = i / (classes * inner);
            int c = i / inner % classes;
            int j = i % inner;
            int s = (o * inner) + j;
            // smooth_loss.masked_fill_(ignored, 0) hands an ignored row a zero gradient, which autograd still carries
            // through the negation and the product with w: (−0)·w[c] is NaN for an infinite or NaN weight.
            T gs = ignored[s] ? T.Zero : reduction switch
            {
                Reduction.None => gRet[s],
                Reduction.Sum => gRet[0],
                _ => gRet[0] / denominator,
            };
            T term = -gs;
            gradLsm[i] += w is null ? term : term * w[c];
        }
        return Make(LogSoftmaxBackwardCore(gradLsm, lsm, shape, classDim), shape);
    }

    /// <summary>
    /// The probability-target path. The arithmetic runs in the promoted dtype of input, target and weight (float64
    /// for a float32 input with a float64 target, as in PyTorch), with lsm·t rounded to its own promoted dtype first.
    /// </summary>
    private static Tensor CeProbabilities(Tensor? gradOutput, Tensor input, Tensor target, Tensor? weight, Reduction reduction, double eps, int classDim)
    {
        int classes = input.Size(classDim);
        if (weight is not null && (weight.Dim != 1 || weight.Numel != classes))
        {
            throw Runtime($"cross_entropy: weight tensor should be defined either for all {I(classes)} classes or no classes but got weight tensor of shape: {S(weight.Shape)}");
        }
        Tensor lsm = LogSoftmax(input, classDim);
        if (eps > 0.0)
        {
            CheckSmoothingRange(eps);
        }
        DType productType = Promote(input.DType, target.DType);
        DType resultType = weight is null ? productType : Promote(productType, weight.DType);
        Tensor result = resultType == DType.Float32
            ? CeProbabilitiesTyped<float>(gradOutput, input.ShapeArray(), lsm, target, weight, reduction, eps, classDim, productType)
            : CeProbabilitiesTyped<double>(gradOutput, input.ShapeArray(), lsm, target, weight, reduction, eps, classDim, productType);
        return gradOutput is not null && result.DType != input.DType ? result.To(input.DType) : result;
    }

    private static Tensor CeProbabilitiesTyped<T>(Tensor? gradOutput, int[] shape, Tensor lsmTensor, Tensor target, Tensor? weight, Reduction reduction, double eps, int classDim, DType productType)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = shape[classDim];
        T[] lsm = Values<T>(lsmTensor);
        T[] t = SmoothedTargets<T>(target, eps, classes);
        bool roundProduct = typeof(T) == typeof(double) && productType == DType.Float32;
        T[]? w = weight is null ? null : Values<T>(weight);
        var (outer, _, inner) = SplitAt(shape, classDim);
        int[] outShape = ReducedShape(reduction, shape.Length == 1 ? [] : ReducedClassShape(shape));
        if (gradOutput is null)
        {
            var p = new T[lsm.Length];
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = lsm[i] * t[i];
                if (roundProduct)
                {
                    p[i] = T.CreateTruncating((float)double.CreateTruncating(p[i]));
                }
                if (w is not null)
                {
                    p[i] *= w[i / inner % classes];
                }
            }
            switch (reduction)
            {
                case Reduction.None:
                    T[] s = CascadeSum.AlongDim<T>(p, outer, classes, inner);
                    for (int i = 0; i < s.Length; i++)
                    {
                        s[i] = -s[i];
                    }
                    return Make(s, outShape);
                case Reduction.Sum:
                    return Make([-CascadeSum.All<T>(p)], []);
                default:
                    if (p.Length == 0)
                    {
                        return Make([T.NaN], []);
                    }
                    return Make([-CascadeSum.All<T>(p) / T.CreateTruncating(p.Length / classes)], []);
            }
        }
        T[] go = GradValues<T>(gradOutput, outShape);
        var gl = new T[lsm.Length];
        for (int i = 0; i < gl.Length; i++)
        {
            int s = (i / (classes * inner) * inner) + (i % inner);
            T gp = reduction switch
            {
                Reduction.None => -go[s],
                Reduction.Sum => -go[0],
                _ => -(go[0] / T.CreateTruncating(gl.Length / classes)),
            };
            if (w is not null)
            {
                gp *= w[i / inner % classes];
            }
            gl[i] = gp * t[i];
        }
        if (typeof(T) == typeof(double) && lsmTensor.DType == DType.Float32)
        {
            // Autograd hands log_softmax a gradient in the input's dtype.
            float[] gl32 = Array.ConvertAll(gl, v => (float)double.CreateTruncating(v));
            return Tensor.FromArray(LogSoftmaxBackwardCore(gl32, lsmTensor.ToArray<float>(), shape, classDim), shape);
        }
        return Make(LogSoftmaxBackwardCore(gl, lsm, shape, classDim), shape);
    }

    /// <summary>t·(1 − ε) + ε/C in the target's own dtype (PyTorch's tensor-scalar ops keep it), then converted.</summary>
    private static T[] SmoothedTargets<T>(Tensor target, double eps, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(eps > 0.0))
        {
            return Values<T>(target);
        }
        if (target.DType == DType.Float32)
        {
            float[] f = target.ToArray<float>();
            float keep = (float)(1 - eps), spread = (float)(eps / classes);
            var r = new T[f.Length];
            for (int i = 0; i < f.Length; i++)
            {
                r[i] = T.CreateTruncating((f[i] * keep) + spread);
            }
            return r;
        }
        double[] d = target.ToDoubleArray();
        var rd = new T[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            rd[i] = T.CreateTruncating((d[i] * (1 - eps)) + (eps / classes));
        }
        return rd;
    }

    private static int[] ReducedClassShape(int[] shape)
    {
        var r = new int[shape.Length - 1];
        r[0] = shape[0];
        for (int i = 2; i < shape.Length; i++)
        {
            r[i - 1] = shape[i];
        }
        return r;
    }
}
