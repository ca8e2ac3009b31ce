using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.L1Loss(reduction)</c>: a holder of the arguments that calls <see cref="Functional.L1Loss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.L1Loss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.L1LossBackward"/>.</exception>
    public L1LossGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.L1LossBackward(gradOutput, input, target, Reduction);
}
