using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.CosineEmbeddingLoss(margin, reduction)</c>: calls <see cref="Functional.CosineEmbeddingLoss"/>.</summary>
/// <param name="margin">The margin of the dissimilar term (default 0).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class CosineEmbeddingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean)
{
    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; } = margin;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of the pairs (input1, input2) labelled by target (1 or −1).</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CosineEmbeddingLoss"/>.</exception>
    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) => Functional.CosineEmbeddingLoss(input1, input2, target, Margin, Reduction);

    /// <summary>The gradients of <see cref="Forward"/> with respect to input1 and input2.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CosineEmbeddingLossBackward"/>.</exception>
    public CosineEmbeddingLossGrads Backward(Tensor gradOutput, Tensor input1, Tensor input2, Tensor target) =>
        Functional.CosineEmbeddingLossBackward(gradOutput, input1, input2, target, Margin, Reduction);
}
