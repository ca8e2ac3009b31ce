using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.MarginRankingLoss(margin, reduction)</c>: a holder of the arguments that calls <see cref="Functional.MarginRankingLoss"/>.</summary>
/// <param name="margin">The margin (default 0).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class MarginRankingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean)
{
    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; } = margin;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of ranking <paramref name="input1"/> against <paramref name="input2"/> by <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MarginRankingLoss"/>.</exception>
    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) =>
        Functional.MarginRankingLoss(input1, input2, target, Margin, Reduction);

    /// <summary>The gradients of <see cref="Forward"/> with respect to input1, input2 and target.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MarginRankingLossBackward"/>.</exception>
    public MarginRankingLossGrads Backward(Tensor gradOutput, Tensor input1, Tensor input2, Tensor target) =>
        Functional.MarginRankingLossBackward(gradOutput, input1, input2, target, Margin, Reduction);
}
