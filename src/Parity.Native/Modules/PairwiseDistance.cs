using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.PairwiseDistance(p, eps, keepdim)</c>: calls <see cref="Functional.PairwiseDistance"/>.</summary>
/// <param name="p">The norm degree (default 2).</param>
/// <param name="eps">Added to each difference (default 1e-6).</param>
/// <param name="keepdim">Keep the reduced dimension (default false).</param>
public sealed class PairwiseDistance(double p = 2.0, double eps = 1e-6, bool keepdim = false)
{
    /// <summary>The norm degree passed to the constructor.</summary>
    public double P { get; } = p;

    /// <summary>The eps passed to the constructor.</summary>
    public double Eps { get; } = eps;

    /// <summary>The keepdim flag passed to the constructor.</summary>
    public bool KeepDim { get; } = keepdim;

    /// <summary>The distances between x1 and x2.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.PairwiseDistance"/>.</exception>
    public Tensor Forward(Tensor x1, Tensor x2) => Functional.PairwiseDistance(x1, x2, P, Eps, KeepDim);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.PairwiseDistanceBackward"/>.</exception>
    public PairwiseDistanceGrads Backward(Tensor gradOutput, Tensor x1, Tensor x2) => Functional.PairwiseDistanceBackward(gradOutput, x1, x2, P, Eps, KeepDim);
}
