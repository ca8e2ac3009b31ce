using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.MSELoss(reduction)</c>: a holder of the arguments that calls <see cref="Functional.MseLoss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class MSELoss(Reduction reduction = Reduction.Mean)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MseLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MseLossBackward"/>.</exception>
    public MseLossGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.MseLossBackward(gradOutput, input, target, Reduction);
}
