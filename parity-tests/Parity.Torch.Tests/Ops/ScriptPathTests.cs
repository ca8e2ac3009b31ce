using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;
using TorchSharp;
using static TorchSharp.torch;
using NativeTensor = Parity.Native.Tensor;
using TorchReduction = TorchSharp.torch.nn.Reduction;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// The TorchScript route (<see cref="AtenScript"/>) runs the same kernels as eager libtorch: for arguments TorchSharp's
/// managed API can also pass, the backend's output and gradient equal TorchSharp's eager <c>nn.functional</c> call bit
/// for bit, on float32 tensors large enough for the SIMD paths.
/// </summary>
public sealed class ScriptPathTests
{
    private static (NativeTensor Output, NativeTensor Grad) Eager(Func<torch.Tensor, torch.Tensor> f, NativeTensor input, NativeTensor gradOutput)
    {
        using var scope = NewDisposeScope();
        var x = TensorConversion.ToTorch(input, requiresGrad: true);
        var y = f(x);
        var g = torch.autograd.grad([y], [x], [TensorConversion.ToTorch(gradOutput)]);
        return (TensorConversion.FromTorch(y), TensorConversion.FromTorch(g[0]));
    }

    private static NativeTensor Randn(int seed, params long[] shape)
    {
        var g = new Generator((ulong)seed);
        using var t = randn(shape, generator: g);
        return TensorConversion.FromTorch(t);
    }

    private static NativeTensor Classes(int seed, int classes, params long[] shape)
    {
        var g = new Generator((ulong)seed);
        using var t = empty(shape, dtype: int64).random_(0, classes, generator: g);
        return TensorConversion.FromTorch(t);
    }

    private static void AssertBitEqual(NativeTensor expected, NativeTensor? actual)
    {
        Assert.NotNull(actual);
        Assert.True(expected.BitEquals(actual), $"expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void NllLoss_2D_Weighted_EqualsEagerBits(Reduction reduction)
    {
        TorchAvailability.RequireTorch();
        var x = Randn(1, 64, 10);
        var t = Classes(2, 10, 64);
        var w = Randn(3, 10);
        var g = reduction == Reduction.None ? Randn(4, 64) : NativeTensor.Scalar(0.75);
        using var wt = TensorConversion.ToTorch(w);
        using var tt = TensorConversion.ToTorch(t);
        var eager = Eager(xt => nn.functional.nll_loss(xt, tt, wt, (TorchReduction)reduction), x, g);
        var r = new TorchBackend().Evaluate(TestOps.Call(TestOps.NllLoss, x, t, w, Reduction: reduction), grad: true, gradOutput: g);
        AssertBitEqual(eager.Output, r.Output);
        AssertBitEqual(eager.Grad, r.Grad);
    }

    [Theory]
    [InlineData(Reduction.Mean, 0.0, -100L)]
    [InlineData(Reduction.Mean, 0.1, 4L)]
    [InlineData(Reduction.Sum, 0.3, 4L)]
    [InlineData(Reduction.None, 0.2, 1L)]
    public void CrossEntropy_SmoothingIgnoreWeight_EqualsEagerBits(Reduction reduction, double smoothing, long ignoreIndex)
    {
        TorchAvailability.RequireTorch();
        var x = Randn(5, 48, 17);
        var t = Classes(6, 17, 48);
        var w = Randn(7, 17);
        var g = reduction == Reduction.None ? Randn(8, 48) : NativeTensor.Scalar(1.25);
        using var wt = TensorConversion.ToTorch(w);
        using var tt = TensorConversion.ToTorch(t);
        var eager = Eager(xt => nn.functional.cross_entropy(xt, tt, wt, ignoreIndex, (TorchReduction)reduction, smoothing), x, g);
        var call = TestOps.Call(TestOps.CrossEntropy, x, t, w, Reduction: reduction, IgnoreIndex: ignoreIndex, LabelSmoothing: smoothing);
        var r = new TorchBackend().Evaluate(call, grad: true, gradOutput: g);
        AssertBitEqual(eager.Output, r.Output);
        AssertBitEqual(eager.Grad, r.Grad);
    }

    [Fact]
    public void CrossEntropy_KDimensional_EqualsEagerBits()
    {
        TorchAvailability.RequireTorch();
        var x = Randn(9, 8, 10, 3, 5);
        var t = Classes(10, 10, 8, 3, 5);
        var g = NativeTensor.Scalar(1.0);
        using var tt = TensorConversion.ToTorch(t);
        var eager = Eager(xt => nn.functional.cross_entropy(xt, tt, label_smoothing: 0.05), x, g);
        var r = new TorchBackend().Evaluate(TestOps.Call(TestOps.CrossEntropy, x, t, LabelSmoothing: 0.05), grad: true, gradOutput: g);
        AssertBitEqual(eager.Output, r.Output);
        AssertBitEqual(eager.Grad, r.Grad);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.None)]
    public void BinaryCrossEntropyWithLogits_PosWeight_EqualsEagerBits(Reduction reduction)
    {
        TorchAvailability.RequireTorch();
        var x = Randn(11, 40, 7);
        var y = TensorConversion.FromTorch(empty(40, 7).random_(0, 2, generator: new Generator(12)));
        var w = Randn(13, 40, 1);
        var p = Randn(14, 7);
        var g = reduction == Reduction.None ? Randn(15, 40, 7) : NativeTensor.Scalar(2.0);
        using var yt = TensorConversion.ToTorch(y);
        using var wt = TensorConversion.ToTorch(w);
        using var pt = TensorConversion.ToTorch(p);
        var eager = Eager(xt => nn.functional.binary_cross_entropy_with_logits(xt, yt, wt, (TorchReduction)reduction, pt), x, g);
        var r = new TorchBackend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, x, y, w, p, reduction), grad: true, gradOutput: g);
        AssertBitEqual(eager.Output, r.Output);
        AssertBitEqual(eager.Grad, r.Grad);
    }

    [Fact]
    public void BinaryCrossEntropy_Weighted_EqualsEagerBits()
    {
        TorchAvailability.RequireTorch();
        using var probabilities = torch.sigmoid(randn([30, 6], generator: new Generator(16)));
        var x = TensorConversion.FromTorch(probabilities);
        var y = TensorConversion.FromTorch(rand([30, 6], generator: new Generator(17)));
        var w = Randn(18, 30, 6);
        var g = NativeTensor.Scalar(1.0);
        using var yt = TensorConversion.ToTorch(y);
        using var wt = TensorConversion.ToTorch(w);
        var eager = Eager(xt => nn.functional.binary_cross_entropy(xt, yt, wt), x, g);
        var r = new TorchBackend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, x, y, w), grad: true, gradOutput: g);
        AssertBitEqual(eager.Output, r.Output);
        AssertBitEqual(eager.Grad, r.Grad);
    }

    [Fact]
    public void ManyThreads_SameBitsAsOne()
    {
        TorchAvailability.RequireTorch();
        var backend = new TorchBackend();
        var x = Randn(19, 64, 33);
        var t = Classes(20, 33, 64);
        var call = TestOps.Call(TestOps.CrossEntropy, x, t, LabelSmoothing: 0.1, IgnoreIndex: 3);
        var serial = backend.Evaluate(call, grad: true);
        var results = new OpResult[16];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = backend.Evaluate(call, grad: true));
        Assert.All(results, r =>
        {
            AssertBitEqual(serial.Output, r.Output);
            AssertBitEqual(serial.Grad!, r.Grad);
        });
    }
}
