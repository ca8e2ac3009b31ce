using static Parity.Native.Ops.TorchChecks;
using P = Parity.Native.Ops.PointwiseChain;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.hinge_embedding_loss(input, target, margin=1.0, reduction=reduction)</c>
    /// (<c>nn.HingeEmbeddingLoss</c>): x where the target is 1, max(0, margin − x) where it is −1.
    /// </summary>
    /// <param name="input">Distances (or any scores), float32 or float64 (int64 is accepted and stays int64).</param>
    /// <param name="target">Labels ±1, broadcast with input (no size check); any dtype.</param>
    /// <param name="margin">The margin (PyTorch's default 1.0; TorchSharp's functional form defaults to 0).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss in input's dtype: the broadcast shape for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError for a reduction other than none/mean/sum (Python's <c>_Reduction.get_enum</c>); RuntimeError when input
    /// and target do not broadcast, or for 'mean' of an int64 input.
    /// </exception>
    /// <remarks>
    /// <para>ℓ = [t ≠ 1]·max(0, margin − x) + [t ≠ −1]·x, in ATen's order: margin − x (the margin rounded to input's
    /// dtype), clamped at 0 (NaN kept), two <c>where</c>s against zeros, and their sum. A target that is neither 1
    /// nor −1 receives both terms (t = 0 gives max(0, m − x) + x).</para>
    /// <para>'mean' divides the cascade sum of the broadcast loss by its element count (NaN when empty), 'sum' is the
    /// cascade sum. Only +, − and comparisons: bit-identical with libtorch.</para>
    /// </remarks>
    public static Tensor HingeEmbeddingLoss(Tensor input, Tensor target, double margin = 1.0, Reduction reduction = Reduction.Mean)
    {
        CheckHinge(input, target, reduction);
        P loss = HingeForward(P.Of(input), P.Of(target), margin, out _, out _, out _);
        if (reduction == Reduction.Mean && loss.DType == DType.Int64)
        {
            throw Runtime("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
        }
        return loss.Reduce(reduction).ToTensor();
    }

    /// <summary>The gradient of <see cref="HingeEmbeddingLoss"/> with respect to input (target is not differentiable: it only enters comparisons).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss (0-D for mean/sum).</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// d/dx = g·[t ≠ −1] − g·[t ≠ 1]·[margin − x ≥ 0] (so −g at the kink x = margin, and 0 for a NaN input),
    /// summed over broadcast dimensions; divided by the element count for 'mean'.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for an int64 input (no gradient); or gradOutput has the wrong shape.</exception>
    public static Tensor HingeEmbeddingLossBackward(Tensor gradOutput, Tensor input, Tensor target, double margin = 1.0, Reduction reduction = Reduction.Mean)
    {
        CheckHinge(input, target, reduction);
        if (!input.DType.IsFloatingPoint())
        {
            throw IntegerGrad();
        }
        P x = P.Of(input);
        P loss = HingeForward(x, P.Of(target), margin, out P diff, out bool[] notOne, out bool[] notMinusOne);
        P g = P.ReduceBackward(gradOutput, reduction, loss.Shape, loss.DType);
        P zero = P.Full([], 0, g.DType);
        // output_margin + output_self: the second where (newer) reaches input first.
        P fromSelf = P.Where(notMinusOne, loss.Shape, g, zero).Edge(x.Shape, x.DType);
        P gClamp = P.Where(notOne, loss.Shape, g, zero).Edge(diff.Shape, diff.DType);
        // clamp_min_(0) passes the gradient where the unclamped margin − x is ≥ 0; sub_ then negates it.
        P gDiff = P.Where(diff.Mask(static v => v >= 0), diff.Shape, gClamp, zero);
        P fromMargin = (-gDiff).Edge(x.Shape, x.DType);
        return (fromSelf + fromMargin).ToTensor();
    }

    private static void CheckHinge(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        // torch/nn/functional.py, hinge_embedding_loss → _Reduction.get_enum.
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{P.PythonReductionName(reduction)} is not a valid value for reduction");
        }
    }

    /// <summary>
    /// ATen's hinge_embedding_loss: <c>(margin − self).clamp_min_(0)</c> (margin − self is <c>empty_like(self).fill_(margin).sub_(self)</c>,
    /// so an int64 input truncates the margin), then <c>where(target != 1, ·, 0) + where(target != −1, self, 0)</c>.
    /// </summary>
    private static P HingeForward(P x, P t, double margin, out P diff, out bool[] notOne, out bool[] notMinusOne)
    {
        diff = P.Full(x.Shape, margin, x.DType) - x;
        P clamped = diff.Map(diff.DType, static v => double.IsNaN(v) || v >= 0 ? v : 0);
        P zeros = P.Full(x.Shape, 0, x.DType);
        notOne = t.Mask(static v => v != 1);
        notMinusOne = t.Mask(static v => v != -1);
        P outMargin = P.Where(notOne, t.Shape, clamped, zeros);
        P outSelf = P.Where(notMinusOne, t.Shape, x, zeros);
        int[] shape = outMargin.Shape;
        notOne = ExpandMask(notOne, t.Shape, shape);
        notMinusOne = ExpandMask(notMinusOne, t.Shape, shape);
        return outMargin + outSelf;
    }
}
