using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.CTCLoss(blank, reduction, zero_infinity)</c>: a holder of the arguments that calls <see cref="Functional.CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</summary>
/// <param name="blank">The blank label (default 0).</param>
/// <param name="reduction">The reduction (default mean).</param>
/// <param name="zeroInfinity">Replace infinite losses and their gradients by 0 (default false).</param>
public sealed class CTCLoss(long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
{
    /// <summary>The blank label passed to the constructor.</summary>
    public long Blank { get; } = blank;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The zero_infinity flag passed to the constructor.</summary>
    public bool ZeroInfinity { get; } = zeroInfinity;

    /// <summary>The CTC loss of <paramref name="logProbs"/> (T, N, C) or (T, C) against <paramref name="targets"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</exception>
    public Tensor Forward(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths) =>
        Functional.CtcLoss(logProbs, targets, inputLengths, targetLengths, Blank, Reduction, ZeroInfinity);

    /// <summary>The gradient of <see cref="Forward"/> with respect to log_probs, as libtorch returns it (see the remarks of <see cref="Functional.CtcLossBackward(Tensor, Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>).</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CtcLossBackward(Tensor, Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths) =>
        Functional.CtcLossBackward(gradOutput, logProbs, targets, inputLengths, targetLengths, Blank, Reduction, ZeroInfinity);
}
