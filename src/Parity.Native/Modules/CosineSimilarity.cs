using Parity.Native.Ops;

namespace Parity.Native.Modules;

/// <summary><c>torch.nn.CosineSimilarity(dim, eps)</c>: calls <see cref="Functional.CosineSimilarity"/>.</summary>
/// <param name="dim">The dimension of the vectors (default 1).</param>
/// <param name="eps">The norm floor (default 1e-8).</param>
public sealed class CosineSimilarity(int dim = 1, double eps = 1e-8)
{
    /// <summary>The dim passed to the constructor.</summary>
    public int Dim { get; } = dim;

    /// <summary>The eps passed to the constructor.</summary>
    public double Eps { get; } = eps;

    /// <summary>The cosine similarities of x1 and x2 along <see cref="Dim"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CosineSimilarity"/>.</exception>
    public Tensor Forward(Tensor x1, Tensor x2) => Functional.CosineSimilarity(x1, x2, Dim, Eps);

    /// <summary>The gradients of <see cref="Forward"/>.</summary>
    /// <exception cref="TorchException">As <see cref="Functional.CosineSimilarityBackward"/>.</exception>
    public CosineSimilarityGrads Backward(Tensor gradOutput, Tensor x1, Tensor x2) => Functional.CosineSimilarityBackward(gradOutput, x1, x2, Dim, Eps);
}
