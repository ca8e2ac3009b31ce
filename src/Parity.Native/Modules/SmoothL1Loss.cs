using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.SmoothL1Loss(reduction, beta)</c>: a holder of the arguments that calls <see cref="Functional.SmoothL1Loss"/>.</summary>
/// <param name="reduction">The reduction (default mean).</param>
/// <param name="beta">The width of the quadratic zone (default 1; 0 gives l1_loss).</param>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The beta passed to the constructor.</summary>
    public double Beta { get; } = beta;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.SmoothL1Loss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);

    /// <summary>The gradients of <see cref="Forward"/> with respect to input and target.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.SmoothL1LossBackward"/>.</exception>
    public SmoothL1LossGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.SmoothL1LossBackward(gradOutput, input, target, Reduction, Beta);
}
