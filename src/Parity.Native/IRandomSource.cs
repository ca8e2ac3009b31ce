namespace Parity.Native;

/// <summary>
/// A seeded stream of random tensors with PyTorch's semantics. The native <c>Generator</c> and the libtorch
/// side both implement it, so a harness can draw the same case on either side and compare the bits.
/// </summary>
public interface IRandomSource
{
    /// <summary>Reseeds the stream, as <c>torch.manual_seed(seed)</c> / <c>Generator.manual_seed(seed)</c>.</summary>
    void ManualSeed(long seed);

    /// <summary><c>torch.rand(shape, dtype=dtype)</c>: uniform on [0, 1).</summary>
    Tensor Rand(DType dtype, params int[] shape);

    /// <summary><c>torch.randn(shape, dtype=dtype)</c>: standard normal.</summary>
    Tensor Randn(DType dtype, params int[] shape);

    /// <summary><c>torch.randint(low, high, shape, dtype=dtype)</c>: integers in [low, high).</summary>
    Tensor Randint(long low, long high, DType dtype, params int[] shape);
}
