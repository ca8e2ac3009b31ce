using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.KLDivLoss(reduction, log_target)</c>: a holder of the arguments that calls <see cref="Functional.KlDiv"/>.</summary>
/// <param name="reduction">The reduction (default mean, which warns; <see cref="Reduction.BatchMean"/> is the KL divergence).</param>
/// <param name="logTarget">Whether target holds log-probabilities (default false).</param>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false)
{
    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The log_target flag passed to the constructor.</summary>
    public bool LogTarget { get; } = logTarget;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.KlDiv"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(input, target, Reduction, LogTarget);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.KlDivBackward"/>.</exception>
    public KlDivGrads Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.KlDivBackward(gradOutput, input, target, Reduction, LogTarget);
}
