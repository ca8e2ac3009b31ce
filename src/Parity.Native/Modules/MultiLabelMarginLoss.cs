using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.MultiLabelMarginLoss(reduction)</c>: calls <see cref="Functional.MultilabelMarginLoss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class MultiLabelMarginLoss(Reduction reduction = Reduction.Mean)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (class lists ending at −1).</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultilabelMarginLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.MultilabelMarginLoss(input, target, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultilabelMarginLossBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) => Functional.MultilabelMarginLossBackward(gradOutput, input, target, Reduction);
}
