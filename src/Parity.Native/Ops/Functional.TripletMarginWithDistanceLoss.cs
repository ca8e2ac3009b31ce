using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The distance functions <see cref="Functional.TripletMarginWithDistanceLoss"/> accepts in place of a Python callable.</summary>
public enum TripletDistance
{
    /// <summary><c>torch.pairwise_distance(x1, x2)</c> with p = 2 and eps = 1e-6: PyTorch's default (<c>distance_function=None</c>).</summary>
    PairwiseDistance,

    /// <summary><c>1 − torch.cosine_similarity(x1, x2)</c> with dim = 1 and eps = 1e-8 (the usual <c>lambda x, y: 1 - F.cosine_similarity(x, y)</c>).</summary>
    CosineDistance,
}

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function, margin, swap, reduction)</c>
    /// (<c>nn.TripletMarginWithDistanceLoss</c>), with the distance chosen from <see cref="TripletDistance"/>.
    /// </summary>
    /// <param name="anchor">The anchors; float32 or float64.</param>
    /// <param name="positive">Same rank as anchor; broadcast against it.</param>
    /// <param name="negative">Same rank as anchor; broadcast against it.</param>
    /// <param name="distanceFunction">The distance (default: pairwise distance).</param>
    /// <param name="margin">Must be &gt; 0.</param>
    /// <param name="swap">Use min(d(a, n), d(p, n)) as the negative distance.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': one loss per triplet; else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError for an invalid reduction or margin ≤ 0; RuntimeError when the ranks differ (Python's check) or shapes do
    /// not broadcast; the distance's own errors (e.g. IndexError for cosine distance of 1-D inputs, whose dim 1 does not exist).
    /// </exception>
    /// <remarks>
    /// <para>Written in Python in PyTorch (no ATen op): ℓ = clamp_min((margin + d(a, p)) − d(a, n), 0), with
    /// d(a, n) ← torch.minimum(d(a, n), d(p, n)) when swap, then torch.sum or torch.mean. The same composite as
    /// <see cref="TripletMarginLoss"/>, so the kink and tie rules are the same.</para>
    /// </remarks>
    public static Tensor TripletMarginWithDistanceLoss(Tensor anchor, Tensor positive, Tensor negative, TripletDistance distanceFunction = TripletDistance.PairwiseDistance, double margin = 1.0, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        TripletCheck(anchor, positive, negative, margin, reduction);
        CheckDistance(distanceFunction);
        return TripletDType(anchor, positive, negative) == DType.Float64
            ? TripletKernel<double>.Run(null, anchor, positive, negative, DistanceOf<double>(distanceFunction), margin, swap, reduction, out _)
            : TripletKernel<float>.Run(null, anchor, positive, negative, DistanceOf<float>(distanceFunction), margin, swap, reduction, out _);
    }

    /// <summary>The gradients of <see cref="TripletMarginWithDistanceLoss"/> with respect to anchor, positive and negative.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="anchor">The forward anchor.</param>
    /// <param name="positive">The forward positive.</param>
    /// <param name="negative">The forward negative.</param>
    /// <param name="distanceFunction">The forward distance.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="swap">The forward swap.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>As <see cref="TripletMarginLossBackward"/>, through the chosen distance's backward.</returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for int64 inputs or a gradOutput of the wrong shape.</exception>
    public static TripletMarginLossGrads TripletMarginWithDistanceLossBackward(Tensor gradOutput, Tensor anchor, Tensor positive, Tensor negative, TripletDistance distanceFunction = TripletDistance.PairwiseDistance, double margin = 1.0, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        TripletCheck(anchor, positive, negative, margin, reduction);
        CheckDistance(distanceFunction);
        return TripletDType(anchor, positive, negative) == DType.Float64
            ? TripletKernel<double>.Grads(gradOutput, anchor, positive, negative, DistanceOf<double>(distanceFunction), margin, swap, reduction)
            : TripletKernel<float>.Grads(gradOutput, anchor, positive, negative, DistanceOf<float>(distanceFunction), margin, swap, reduction);
    }

    private static void CheckDistance(TripletDistance d)
    {
        if (d is not (TripletDistance.PairwiseDistance or TripletDistance.CosineDistance))
        {
            throw new ArgumentOutOfRangeException(nameof(d), d, "unknown distance function");
        }
    }

    private static (TripletKernel<T>.Distance D, TripletKernel<T>.DistanceGrad G) DistanceOf<T>(TripletDistance d)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        d == TripletDistance.CosineDistance ? TripletKernel<T>.Cosine() : TripletKernel<T>.Pairwise(2.0, 1e-6);
}
