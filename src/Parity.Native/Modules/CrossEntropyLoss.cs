using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary>
/// <c>torch.nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)</c>: a holder of the arguments that
/// calls <see cref="Functional.CrossEntropy"/>.
/// </summary>
/// <param name="weight">Optional per-class weight.</param>
/// <param name="ignoreIndex">The ignored class index (default −100).</param>
/// <param name="reduction">The reduction (default mean).</param>
/// <param name="labelSmoothing">ε in [0, 1] (default 0).</param>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
{
    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>The ignore_index passed to the constructor.</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The label_smoothing passed to the constructor.</summary>
    public double LabelSmoothing { get; } = labelSmoothing;

    /// <summary>The loss of <paramref name="input"/> (logits) against class indices or class probabilities.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CrossEntropy"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CrossEntropyBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.CrossEntropyBackward(gradOutput, input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}
