using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.MultiMarginLoss(p, margin, weight, reduction)</c>: calls <see cref="Functional.MultiMarginLoss"/>.</summary>
public sealed class MultiMarginLoss
{
    /// <summary>Checks the arguments as the module's constructor does.</summary>
    /// <param name="p">1 or 2.</param>
    /// <param name="margin">The margin (default 1).</param>
    /// <param name="weight">Optional 1-D per-class weight.</param>
    /// <param name="reduction">The reduction (default mean).</param>
    /// <exception cref="TorchException">ValueError for p ∉ {1, 2} or a weight that is not 1-D (torch/nn/modules/loss.py texts).</exception>
    public MultiMarginLoss(double p = 1, double margin = 1.0, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        if (p != 1 && p != 2)
        {
            throw new TorchException(TorchErrorKind.ValueError, "only p == 1 and p == 2 supported");
        }
        if (weight is not null && weight.Dim != 1)
        {
            throw new TorchException(TorchErrorKind.ValueError, $"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.Dim}D instead");
        }
        P = p;
        Margin = margin;
        Weight = weight;
        Reduction = reduction;
    }

    /// <summary>The p passed to the constructor.</summary>
    public double P { get; }

    /// <summary>The margin passed to the constructor.</summary>
    public double Margin { get; }

    /// <summary>The weight passed to the constructor.</summary>
    public Tensor? Weight { get; }

    /// <summary>The reduction passed to the constructor.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> (scores) against <paramref name="target"/> (class indices).</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultiMarginLoss"/>.</exception>
    public Tensor Forward(Tensor input, Tensor target) => Functional.MultiMarginLoss(input, target, P, Margin, Weight, Reduction);

    /// <summary>The gradient of <see cref="Forward"/> with respect to input.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.MultiMarginLossBackward"/>.</exception>
    public Tensor Backward(Tensor gradOutput, Tensor input, Tensor target) =>
        Functional.MultiMarginLossBackward(gradOutput, input, target, P, Margin, Weight, Reduction);
}
