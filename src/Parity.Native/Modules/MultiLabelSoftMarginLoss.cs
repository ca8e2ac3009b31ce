using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.MultiLabelSoftMarginLoss(weight, reduction)</c>: a holder of the arguments that calls
/// <see cref="Functional.MultilabelSoftMarginLoss"/>.
/// </summary>
/// <param name="weight">Optional rescaling weight, broadcast with the loss.</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class MultiLabelSoftMarginLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean)
{
    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> (logits) against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultilabelSoftMarginLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.MultilabelSoftMarginLoss(input, target, Weight, Reduction);

    /// <summary>The gradients of <see cref="Forward"/> with respect to input, target and the weight.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultilabelSoftMarginLossBackward"/>.</exception>
    public MultilabelSoftMarginLossGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.MultilabelSoftMarginLossBackward(gradOutput, input, target, Weight, Reduction);
}
