using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.HuberLoss(reduction, delta)</c>: a holder of the arguments that calls <see cref="Functional.HuberLoss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
/// <param name="delta">The threshold between the quadratic and the linear piece (default 1).</param>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The delta passed to the constructor.</summary>
    public double Delta { get; } = delta;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.HuberLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.HuberLossBackward"/>.</exception>
    public HuberLossGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.HuberLossBackward(gradOutput, input, target, Reduction, Delta);
}
