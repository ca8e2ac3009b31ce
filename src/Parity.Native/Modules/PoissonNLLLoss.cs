using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.PoissonNLLLoss(log_input, full, eps, reduction)</c>: a holder of the arguments that calls
/// <see cref="Functional.PoissonNllLoss"/> (the deprecated size_average/reduce are not carried; pass the reduction).
/// </summary>
/// <param name="logInput">Whether the input is the log of the rate (default true).</param>
/// <param name="full">Whether to add the Stirling term (default false).</param>
/// <param name="eps">Added to the rate inside the log when logInput is false (default 1e-8).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class PoissonNLLLoss(bool logInput = true, bool full = false, double eps = 1e-8, Reduction reduction = Reduction.Mean)
{
    /// <summary>The log_input passed to the constructor.</summary>
    public bool LogInput { get; } = logInput;

    /// <summary>The full passed to the constructor.</summary>
    public bool Full { get; } = full;

    /// <summary>The eps passed to the constructor.</summary>
    public double Eps { get; } = eps;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="logInput"/> (the rate or its log) against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.PoissonNllLoss"/>.</exception>
    public Tensor Forward(Tensor logInput, Tensor target) => Functional.PoissonNllLoss(logInput, target, LogInput, Full, Eps, Reduction);

    /// <summary>The gradients of <see cref="Forward"/> with respect to input and target.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.PoissonNllLossBackward"/>.</exception>
    public PoissonNllLossGrads Backward(Tensor gradOutput, Tensor logInput, Tensor target) =>
        Functional.PoissonNllLossBackward(gradOutput, logInput, target, LogInput, Full, Eps, Reduction);
}
