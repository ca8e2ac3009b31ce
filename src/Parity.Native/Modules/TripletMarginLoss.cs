using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.TripletMarginLoss(margin, p, eps, swap, reduction)</c>: calls <see cref="Functional.TripletMarginLoss"/>.</summary>
public sealed class TripletMarginLoss
{
    /// <summary>Checks the margin as the module's constructor does.</summary>
    /// <param name="margin">Must be &gt; 0 (default 1).</param>
    /// <param name="p">The norm degree (default 2).</param>
    /// <param name="eps">Added to each difference (default 1e-6).</param>
    /// <param name="swap">Use the distance swap (default false).</param>
    /// <param name="reduction">The reduction (default mean).</param>
    /// <exception cref="TorchException">ValueError when margin ≤ 0 (torch/nn/modules/loss.py text).</exception>
    public TripletMarginLoss(double margin = 1.0, double p = 2.0, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        if (margin <= 0)
        {
            throw new TorchException(TorchErrorKind.ValueError, $"TripletMarginLoss: expected margin to be greater than 0, got {PythonFormat.Float(margin)} instead");
        }
        Margin = margin;
        P = p;
        Eps = eps;
        Swap = swap;
        Reduction = reduction;
    }

    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; }

    /// <summary>The norm degree passed to the constructor.</summary>
    public double P { get; }

    /// <summary>The eps passed to the constructor.</summary>
    public double Eps { get; }

    /// <summary>The swap flag passed to the constructor.</summary>
    public bool Swap { get; }

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of the triplets.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.TripletMarginLoss"/>.</exception>
    public Tensor Forward(Tensor anchor, Tensor positive, Tensor negative) =>
        Functional.TripletMarginLoss(anchor, positive, negative, Margin, P, Eps, Swap, Reduction);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.TripletMarginLossBackward"/>.</exception>
    public TripletMarginLossGrads Backward(Tensor gradOutput, Tensor anchor, Tensor positive, Tensor negative) =>
        Functional.TripletMarginLossBackward(gradOutput, anchor, positive, negative, Margin, P, Eps, Swap, Reduction);
}
