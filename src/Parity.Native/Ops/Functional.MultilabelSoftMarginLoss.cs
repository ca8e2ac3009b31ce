using static Parity.Native.Ops.TorchChecks;
using P = Parity.Native.Ops.PointwiseChain;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.MultilabelSoftMarginLoss"/>.</summary>
/// <param name="Input">d loss / d input (input's shape and dtype).</param>
/// <param name="Target">d loss / d target (target's shape and dtype); null for an integer target.</param>
/// <param name="Weight">d loss / d weight (weight's shape and dtype); null without a weight or for an integer weight.</param>
public readonly record struct MultilabelSoftMarginLossGrads(Tensor Input, Tensor? Target, Tensor? Weight);

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.multilabel_soft_margin_loss(input, target, weight, reduction=reduction)</c>
    /// (<c>nn.MultiLabelSoftMarginLoss</c>): the per-class logistic loss averaged over the classes (the last dimension of input).
    /// </summary>
    /// <param name="input">Logits, (C) or (N, C) or any shape whose last dimension holds the classes; float32 or float64.</param>
    /// <param name="target">Labels in [0, 1] (any values are accepted), broadcast with input (no size check).</param>
    /// <param name="weight">Optional rescaling weight, broadcast with the loss (no check).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>
    /// For 'none' the per-sample losses: the broadcast shape without the dimension at index input.dim() − 1 (input's
    /// last; if target or weight add leading dimensions, that index counts from the front of the broadcast shape, as in
    /// Python). Else 0-D.
    /// </returns>
    /// <exception cref="TorchException">
    /// RuntimeError when target or weight do not broadcast; NotImplementedError for an int64 input (log_sigmoid);
    /// IndexError for a 0-D input; ValueError for a bad reduction, raised after the loss is computed (Python's order).
    /// </exception>
    /// <remarks>
    /// <para>ℓ = −(t·log σ(x) + (1 − t)·log σ(−x))·w, summed over the class dimension and divided by C (input's class
    /// count). log σ is ATen's log_sigmoid, min(x, 0) − log1p(exp(−|x|)), which never overflows.</para>
    /// <para>Python's steps (torch/nn/functional.py, multilabel_soft_margin_loss), one ATen op each: log_sigmoid(x),
    /// t·it, 1 − t, −x, log_sigmoid(−x), (1 − t)·it, add, neg, ·weight, sum(dim), / C; then mean or sum (cascade order).
    /// An empty batch gives NaN for 'mean'; C = 0 gives 0/0 = NaN per sample. log_sigmoid uses SLEEF's vector exp/log1p as
    /// libtorch's kernel does, so results are bit-identical with libtorch on AVX2 hosts.</para>
    /// </remarks>
    public static Tensor MultilabelSoftMarginLoss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        MultilabelSteps s = MultilabelForward(input, target, weight, reduction);
        return s.PerSample.Reduce(reduction).ToTensor();
    }

    /// <summary>The gradients of <see cref="MultilabelSoftMarginLoss"/> with respect to input, target and weight, as autograd computes them.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss (0-D for mean/sum).</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// With G = g / C (and / the sample count for 'mean'): d/dx = G·w·(σ(x) − t) computed as log_sigmoid_backward of the
    /// two branches; d/dt = −G·w·(log σ(x) − log σ(−x)); d/dw = G·ℓ_unweighted. Each summed over its broadcast dimensions.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static MultilabelSoftMarginLossGrads MultilabelSoftMarginLossBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        MultilabelSteps s = MultilabelForward(input, target, weight, reduction);
        P g = P.ReduceBackward(gradOutput, reduction, s.PerSample.Shape, s.PerSample.DType);
        // / C, then sum(dim) backward: unsqueeze and expand over the class dimension.
        P gSum = g.IntScalar(s.Classes, static (a, c) => a / c);
        P gLoss = ExpandAlong(gSum, s.ClassDim, s.Loss.Shape);
        P? gw = null;
        P gNeg;
        if (weight is not null)
        {
            P w = P.Of(weight);
            gNeg = (gLoss * w).Edge(s.Unweighted.Shape, s.Unweighted.DType);
            gw = (gLoss * s.Unweighted).Edge(w.Shape, w.DType);
        }
        else
        {
            gNeg = gLoss;
        }
        P gSumTerms = (-gNeg).Edge(s.Terms.Shape, s.Terms.DType);
        P x = P.Of(input), t = P.Of(target);

        // (1 − t)·log σ(−x), the newer product, first: to log σ(−x), then −x, then input.
        P gB = gSumTerms.Edge(s.NegPart.Shape, s.NegPart.DType);
        P gLsNeg = (gB * s.OneMinusT).Edge(s.LsNeg.Shape, s.LsNeg.DType);
        P fromNeg = (-LogSigmoidBackward(gLsNeg, s.NegX, s.BufferNeg)).Edge(x.Shape, x.DType);
        P gOneMinusT = (gB * s.LsNeg).Edge(s.OneMinusT.Shape, s.OneMinusT.DType);
        P targetFromRsub = (-gOneMinusT).IntScalar(1, static (a, b) => a * b).Edge(t.Shape, t.DType);
        // t·log σ(x)
        P gA = gSumTerms.Edge(s.PosPart.Shape, s.PosPart.DType);
        P targetFromProd = (gA * s.LsPos).Edge(t.Shape, t.DType);
        P gLsPos = (gA * t).Edge(s.LsPos.Shape, s.LsPos.DType);
        P fromPos = LogSigmoidBackward(gLsPos, x, s.BufferPos).Edge(x.Shape, x.DType);

        return new MultilabelSoftMarginLossGrads(
            (fromNeg + fromPos).Cast(x.DType).ToTensor(),
            target.DType.IsFloatingPoint() ? (targetFromRsub + targetFromProd).Cast(t.DType).ToTensor() : null,
            weight is not null && weight.DType.IsFloatingPoint() ? gw!.ToTensor() : null);
    }

    private sealed record MultilabelSteps(
        P PerSample, P Loss, P Unweighted, P Terms, P PosPart, P NegPart, P LsPos, P LsNeg, P NegX, P OneMinusT,
        double[] BufferPos, double[] BufferNeg, int ClassDim, int Classes);

    private static MultilabelSteps MultilabelForward(Tensor input, Tensor target, Tensor? weight, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.DType.IsFloatingPoint())
        {
            throw NotImplemented("log_sigmoid_cpu", input.DType);
        }
        P x = P.Of(input), t = P.Of(target);
        P lsPos = LogSigmoidOf(x, out double[] bufPos);
        P posPart = t * lsPos;
        P oneMinusT = P.Full([], 1, DType.Int64) - t;
        P negX = -x;
        P lsNeg = LogSigmoidOf(negX, out double[] bufNeg);
        P negPart = oneMinusT * lsNeg;
        P terms = posPart + negPart;
        P unweighted = -terms;
        P loss = weight is null ? unweighted : unweighted * P.Of(weight);
        if (input.Dim == 0)
        {
            throw Index("Dimension specified as -1 but tensor has no dimensions");
        }
        int classDim = input.Dim - 1;
        int classes = input.Size(classDim);
        P perSample = loss.SumDim(classDim).IntScalar(classes, static (a, c) => a / c);
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{P.PythonReductionName(reduction)} is not valid");
        }
        return new MultilabelSteps(perSample, loss, unweighted, terms, posPart, negPart, lsPos, lsNeg, negX, oneMinusT, bufPos, bufNeg, classDim, classes);
    }

    /// <summary>ATen's log_sigmoid forward: the value and the buffer exp(−|x|) its backward uses, all through the vector path.</summary>
    private static P LogSigmoidOf(P x, out double[] buffer)
    {
        var r = new double[x.Numel];
        buffer = new double[x.Numel];
        for (int i = 0; i < r.Length; i++)
        {
            if (x.DType == DType.Float32)
            {
                float v = (float)x.V[i];
                r[i] = LogSigmoid(v);
                buffer[i] = VecReduce.VecExp(-MathF.Abs(v));
            }
            else
            {
                double v = x.V[i];
                r[i] = LogSigmoid(v);
                buffer[i] = VecReduce.VecExp(-Math.Abs(v));
            }
        }
        return P.Of(r, x.Shape, x.DType);
    }

    /// <summary>
    /// ATen's log_sigmoid_backward kernel: (max_deriv − sign·(b / (1 + b)))·g with b = exp(−|x|), max_deriv = 1 and
    /// sign = 1 for x &lt; 0, else 0 and −1.
    /// </summary>
    private static P LogSigmoidBackward(P grad, P x, double[] buffer)
    {
        DType dt = x.DType;
        var r = new double[x.Numel];
        for (int i = 0; i < r.Length; i++)
        {
            bool negative = x.V[i] < 0;
            double maxDeriv = negative ? 1 : 0;
            double sign = negative ? 1 : -1;
            double b = buffer[i];
            double q = P.Round(dt, b / P.Round(dt, 1 + b));
            r[i] = P.Round(dt, P.Round(dt, maxDeriv - P.Round(dt, sign * q)) * grad.V[i]);
        }
        return P.Of(r, x.Shape, dt);
    }

    /// <summary><c>sum(dim)</c>'s backward: the gradient unsqueezed at <paramref name="dim"/> and expanded to <paramref name="shape"/>.</summary>
    private static P ExpandAlong(P g, int dim, int[] shape)
    {
        int[] keep = [.. shape[..dim], 1, .. shape[(dim + 1)..]];
        return P.Of(P.Of(g.V, keep, g.DType).ExpandTo(shape), shape, g.DType);
    }
}
