using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.SoftMarginLoss(reduction)</c>: a holder of the arguments that calls <see cref="Functional.SoftMarginLoss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class SoftMarginLoss(Reduction reduction = Reduction.Mean)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.SoftMarginLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.SoftMarginLoss(input, target, Reduction);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.SoftMarginLossBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.SoftMarginLossBackward(gradOutput, input, target, Reduction);
}
