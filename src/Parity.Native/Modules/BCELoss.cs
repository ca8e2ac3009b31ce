using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.BCELoss(weight, reduction)</c>: a holder of the arguments that calls <see cref="Functional.BinaryCrossEntropy"/>.</summary>
/// <param name="weight">Optional rescaling weight, broadcast to the target.</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean)
{
    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> (probabilities) against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.BinaryCrossEntropy"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.BinaryCrossEntropyBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyBackward(gradOutput, input, target, Weight, Reduction);
}
