using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.NLLLoss(weight, ignore_index, reduction)</c>: a holder of the arguments that calls <see cref="Functional.NllLoss"/>.</summary>
/// <param name="weight">Optional per-class weight.</param>
/// <param name="ignoreIndex">The ignored class index (default −100).</param>
/// <param name="reduction">The reduction (default mean).</param>
public sealed class NLLLoss(Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean)
{
    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The ignore_index passed to the constructor.</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> (log-probabilities) against class indices <paramref name="target"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.NllLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.NllLossBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.NllLossBackward(gradOutput, input, target, Weight, IgnoreIndex, Reduction);
}
