using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.TripletMarginWithDistanceLoss(*, distance_function, margin, swap, reduction)</c>: calls
/// <see cref="Functional.TripletMarginWithDistanceLoss"/>. PyTorch's default distance is <c>nn.PairwiseDistance()</c>.
/// </summary>
public sealed class TripletMarginWithDistanceLoss
{
    /// <summary>Checks the margin as the module's constructor does.</summary>
    /// <param name="distanceFunction">The distance (default pairwise distance).</param>
    /// <param name="margin">Must be &gt; 0 (default 1).</param>
    /// <param name="swap">Use the distance swap (default false).</param>
    /// <param name="reduction">The reduction (default mean).</param>
    /// <exception cref="TorchException">ValueError when margin ≤ 0 (torch/nn/modules/loss.py text).</exception>
    public TripletMarginWithDistanceLoss(TripletDistance distanceFunction = TripletDistance.PairwiseDistance, double margin = 1.0, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        if (margin <= 0)
        {
            throw new TorchException(TorchErrorKind.ValueError, $"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {PythonFormat.Float(margin)} instead");
        }
        DistanceFunction = distanceFunction;
        Margin = margin;
        Swap = swap;
        Reduction = reduction;
    }

    /// <summary>The distance passed to the constructor.</summary>
    public TripletDistance DistanceFunction { get; }

    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; }

    /// <summary>The swap flag passed to the constructor.</summary>
    public bool Swap { get; }

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of the triplets.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.TripletMarginWithDistanceLoss"/>.</exception>
    public Tensor Forward(Tensor anchor, Tensor positive, Tensor negative) =>
        Functional.TripletMarginWithDistanceLoss(anchor, positive, negative, DistanceFunction, Margin, Swap, Reduction);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.TripletMarginWithDistanceLossBackward"/>.</exception>
    public TripletMarginLossGrads Backward(Tensor gradOutput, Tensor anchor, Tensor positive, Tensor negative) =>
        Functional.TripletMarginWithDistanceLossBackward(gradOutput, anchor, positive, negative, DistanceFunction, Margin, Swap, Reduction);
}
