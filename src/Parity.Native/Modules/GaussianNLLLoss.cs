using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.GaussianNLLLoss(*, full, eps, reduction)</c>: a holder of the arguments that calls
/// <see cref="Functional.GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>.
/// </summary>
/// <param name="full">Whether to add ½·log(2π) (default false).</param>
/// <param name="eps">The clamp floor of var (default 1e-6; TorchSharp's module defaults to 1e-8).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class GaussianNLLLoss(bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
{
    /// <summary>The full passed to the constructor.</summary>
    public bool Full { get; } = full;

    /// <summary>The eps passed to the constructor.</summary>
    public double Eps { get; } = eps;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> with variances <paramref name="var"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target, Tensor var) => Functional.GaussianNllLoss(input, target, var, Full, Eps, Reduction);

    /// <summary>The loss with one variance (a Python float) for every element.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.GaussianNllLoss(Tensor, Tensor, double, bool, double, Reduction)"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target, double var) => Functional.GaussianNllLoss(input, target, var, Full, Eps, Reduction);

    /// <summary>The gradients of <see cref="Forward(Tensor, Tensor, Tensor)"/> with respect to input, target and var.</summary>
    /// <exception cref="TorchException">As the functional backward.</exception>
    public GaussianNllLossGrads Backward(Tensor gradOutput, Tensor input, Tensor target, Tensor var) =>
        Functional.GaussianNllLossBackward(gradOutput, input, target, var, Full, Eps, Reduction);

    /// <summary>The gradients of <see cref="Forward(Tensor, Tensor, double)"/> with respect to input and target.</summary>
    /// <exception cref="TorchException">As the functional backward.</exception>
    public GaussianNllLossGrads Backward(Tensor gradOutput, Tensor input, Tensor target, double var) =>
        Functional.GaussianNllLossBackward(gradOutput, input, target, var, Full, Eps, Reduction);
}
