using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// The seed document's cross-entropy examples, drawn from one <c>torch.Generator</c> seeded 2020, evaluated through
/// <see cref="TorchBackend"/>; the printed four-decimal outputs must come out, and the backend must agree bit for bit
/// with TorchSharp's own eager <c>cross_entropy</c> on the same tensors.
/// </summary>
/// <remarks>
/// The document's notebook ran its single-sample cross-entropy cell <b>twice</b> before the printed run: drawing the cells
/// once each in page order (randn(3), random_(2), randn(32,5), random_(2), randn(3,5), random_(5), randn(32,10,5),
/// random_(10)) gives 1.7413 and 2.8261, not 1.7541 and 2.7944. Of all orders of up to six cell runs, the only one that
/// also keeps the printed BCE outputs (the randn(3) values, the printed randn(32,5) tensor, 0.2576, 0.8165) is
/// BCE-single, BCE-batch, CE-single, CE-single, CE-batch.
/// </remarks>
public sealed class SeedDocumentCrossEntropyTests
{
    /// <summary>The draws of the seed document, in order, from a generator seeded 2020.</summary>
    private sealed class Draws : IDisposable
    {
        public Draws()
        {
            var g = new Generator(2020);
            // The binary examples come first in the document; their draws advance the generator.
            using (randn([3], generator: g))
            using (empty(3).random_(0, 2, generator: g))
            using (randn([32, 5], generator: g))
            using (empty(32, 5).random_(0, 2, generator: g))
            {
            }
            // The first, unprinted run of the single-sample CE cell.
            using (randn([3, 5], generator: g))
            using (empty([3], dtype: int64).random_(0, 5, generator: g))
            {
            }
            Input2D = randn([3, 5], generator: g);
            Target1D = empty([3], dtype: int64).random_(0, 5, generator: g);
            Input3D = randn([32, 10, 5], generator: g);
            Target2D = empty([32, 5], dtype: int64).random_(0, 10, generator: g);
        }

        public torch.Tensor Input2D { get; }

        public torch.Tensor Target1D { get; }

        public torch.Tensor Input3D { get; }

        public torch.Tensor Target2D { get; }

        public void Dispose()
        {
            Input2D.Dispose();
            Target1D.Dispose();
            Input3D.Dispose();
            Target2D.Dispose();
        }
    }

    [Fact]
    public void Batch3Classes5_Prints1Point7541()
    {
        TorchAvailability.RequireTorch();
        using var d = new Draws();
        var call = TestOps.Call(TestOps.CrossEntropy, TensorConversion.FromTorch(d.Input2D), TensorConversion.FromTorch(d.Target1D));
        var r = new TorchBackend().Evaluate(call, grad: false);
        Assert.Equal(1.7541, Math.Round(r.Output.GetDouble(0), 4));

        using var eager = nn.functional.cross_entropy(d.Input2D, d.Target1D);
        Assert.True(r.Output.BitEquals(TensorConversion.FromTorch(eager)));
    }

    [Fact]
    public void Batch32Classes10Positions5_Prints2Point7944()
    {
        TorchAvailability.RequireTorch();
        using var d = new Draws();
        var call = TestOps.Call(TestOps.CrossEntropy, TensorConversion.FromTorch(d.Input3D), TensorConversion.FromTorch(d.Target2D));
        var r = new TorchBackend().Evaluate(call, grad: false);
        Assert.Equal(2.7944, Math.Round(r.Output.GetDouble(0), 4));

        using var eager = nn.functional.cross_entropy(d.Input3D, d.Target2D);
        Assert.True(r.Output.BitEquals(TensorConversion.FromTorch(eager)));
    }
}
