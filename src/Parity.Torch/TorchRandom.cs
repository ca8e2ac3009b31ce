using System.Runtime.InteropServices;
using Parity.Native;
using Parity.Torch.PInvoke;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Parity.Native.Tensor;
using TorchGenerator = TorchSharp.torch.Generator;

namespace Parity.Torch;

/// <summary>
/// The libtorch side of <see cref="IRandomSource"/>: draws through TorchSharp with one <c>torch.Generator</c> owned by
/// this instance (never libtorch's global default generator) and returns native <see cref="Tensor"/> copies.
/// </summary>
/// <remarks>
/// <para>Every call creates the libtorch tensor, copies it into a native tensor (<see cref="TensorConversion.FromTorch"/>)
/// and disposes it. Errors raised by libtorch arrive as <see cref="TorchException"/> with the first line of libtorch's
/// message and its Python class (<see cref="TorchErrors.Translate"/>).</para>
/// <para><c>torch.rand</c>/<c>torch.randn</c> are called for floating dtypes. For other dtypes TorchSharp rejects the call
/// with a message of its own before reaching libtorch; to report libtorch's text instead, those calls go to
/// <c>empty(shape, dtype).uniform_(0, 1)</c> / <c>.normal_(0, 1)</c>, which is what <c>at::rand</c>/<c>at::randn</c> do.</para>
/// </remarks>
public sealed class TorchRandom : IRandomSource, IDisposable
{
    private readonly TorchGenerator _generator;

    /// <summary>Creates a libtorch CPU generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed passed to <c>manual_seed</c>.</param>
    /// <exception cref="InvalidOperationException">libtorch is not available (see <see cref="LibTorchLoader.Status"/>).</exception>
    public TorchRandom(long seed = Native.Rng.Generator.DefaultSeed)
    {
        LibTorchLoader.EnsureAvailable();
        _generator = new TorchGenerator(0, CPU);
        _generator.manual_seed(seed);
    }

    /// <summary><c>Generator.initial_seed()</c>.</summary>
    public long InitialSeed => _generator.initial_seed();

    /// <inheritdoc/>
    public void ManualSeed(long seed) => _generator.manual_seed(seed);

    /// <inheritdoc/>
    public Tensor Rand(DType dtype, params int[] shape) => Run(() =>
        dtype.IsFloatingPoint()
            ? rand(Sizes(shape), ToScalarType(dtype), generator: _generator)
            : InPlace(shape, dtype, t => t.uniform_(0, 1, _generator)));

    /// <inheritdoc/>
    public Tensor Randn(DType dtype, params int[] shape) => Run(() =>
        dtype.IsFloatingPoint()
            ? randn(Sizes(shape), ToScalarType(dtype), generator: _generator)
            : InPlace(shape, dtype, t => t.normal_(0, 1, _generator)));

    /// <inheritdoc/>
    /// <remarks>int32 goes to <c>empty(shape, int32).random_(low, high)</c>, which is what <c>at::randint</c> does:
    /// TorchSharp's <c>randint</c> rejects int32 bounds outside the int range with a .NET exception of its own before
    /// libtorch can raise its "from is out of bounds for int".</remarks>
    public Tensor Randint(long low, long high, DType dtype, params int[] shape) => Run(() =>
        dtype == DType.Int32
            ? InPlace(shape, dtype, t => t.random_(low, high, _generator))
            : randint(low, high, Sizes(shape), ToScalarType(dtype), generator: _generator));

    /// <summary><c>t.uniform_(from, to, generator)</c> on a libtorch tensor of <paramref name="like"/>'s shape and dtype.</summary>
    /// <param name="like">Gives the shape and dtype; not modified.</param>
    /// <param name="from">Lower bound.</param>
    /// <param name="to">Upper bound.</param>
    /// <returns>The filled tensor, copied out.</returns>
    /// <exception cref="TorchException">libtorch rejected the call.</exception>
    public Tensor Uniform_(Tensor like, double from, double to) => Fill(like, t => t.uniform_(from, to, _generator));

    /// <summary><c>t.normal_(mean, std, generator)</c> on a libtorch tensor of <paramref name="like"/>'s shape and dtype.</summary>
    /// <param name="like">Gives the shape and dtype; not modified.</param>
    /// <param name="mean">μ.</param>
    /// <param name="std">σ.</param>
    /// <returns>The filled tensor, copied out.</returns>
    /// <exception cref="TorchException">libtorch rejected the call.</exception>
    public Tensor Normal_(Tensor like, double mean, double std) => Fill(like, t => t.normal_(mean, std, _generator));

    /// <summary><c>t.random_(from, to, generator)</c> on a libtorch tensor of <paramref name="like"/>'s shape and dtype.</summary>
    /// <param name="like">Gives the shape and dtype; not modified.</param>
    /// <param name="from">Inclusive lower bound.</param>
    /// <param name="to">Exclusive upper bound.</param>
    /// <returns>The filled tensor, copied out.</returns>
    /// <remarks>TorchSharp 0.107 takes the bounds of <c>random_</c> as <see cref="double"/> before handing them to
    /// libtorch's int64 <c>random_(from, to)</c>, so bounds beyond ±2⁵³ arrive rounded.</remarks>
    /// <exception cref="TorchException">libtorch rejected the call.</exception>
    public Tensor Random_(Tensor like, long from, long to) => Fill(like, t => t.random_(from, to, _generator));

    /// <summary>Releases the libtorch generator.</summary>
    public void Dispose() => _generator.Dispose();

    private static Tensor Fill(Tensor like, Func<torch.Tensor, torch.Tensor> op)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Run(() => InPlace(like.ShapeArray(), like.DType, op));
    }

    /// <summary>An uninitialised libtorch tensor with <paramref name="op"/> applied in place; disposed if it throws.</summary>
    private static torch.Tensor InPlace(int[] shape, DType dtype, Func<torch.Tensor, torch.Tensor> op)
    {
        var t = empty(Sizes(shape), ToScalarType(dtype));
        try
        {
            op(t);
        }
        catch
        {
            t.Dispose();
            throw;
        }
        return t;
    }

    private static Tensor Run(Func<torch.Tensor> make)
    {
        torch.Tensor t;
        try
        {
            t = make();
        }
        catch (ExternalException e)
        {
            throw TorchErrors.Translate(e);
        }
        using (t)
        {
            return ToNative(t);
        }
    }

    private static long[] Sizes(int[] shape) => Array.ConvertAll(shape, s => (long)s);

    private static ScalarType ToScalarType(DType dtype) => TensorConversion.ToScalarType(dtype);

    private static Tensor ToNative(torch.Tensor t) => TensorConversion.FromTorch(t);
}
