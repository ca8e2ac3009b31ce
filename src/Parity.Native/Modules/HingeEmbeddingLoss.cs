using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.HingeEmbeddingLoss(margin, reduction)</c>: a holder of the arguments that calls
/// <see cref="Functional.HingeEmbeddingLoss"/>.
/// </summary>
/// <param name="margin">The margin (default 1.0, as PyTorch's module and functional form).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class HingeEmbeddingLoss(double margin = 1.0, Reduction reduction = Reduction.Mean)
{
    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; } = margin;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against labels <paramref name="target"/> (±1).</summary>
    /// <exception cref="TorchException">As <see cref="Functional.HingeEmbeddingLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.HingeEmbeddingLoss(input, target, Margin, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.HingeEmbeddingLossBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.HingeEmbeddingLossBackward(gradOutput, input, target, Margin, Reduction);
}
