using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.BCEWithLogitsLoss(weight, reduction, pos_weight)</c>: a holder of the arguments that calls
/// <see cref="Functional.BinaryCrossEntropyWithLogits"/>.
/// </summary>
/// <param name="weight">Optional weight, broadcast to the input.</param>
/// <param name="reduction">The reduction (default mean).</param>
/// <param name="posWeight">Optional weight of positive examples (PyTorch's <c>pos_weight</c>).</param>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
{
    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The pos_weight passed to the constructor.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    /// <summary>The loss of <paramref name="input"/> (logits) against <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.BinaryCrossEntropyWithLogits"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.BinaryCrossEntropyWithLogitsBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogitsBackward(gradOutput, input, target, Weight, PosWeight, Reduction);
}
