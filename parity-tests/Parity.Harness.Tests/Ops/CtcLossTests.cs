using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Tests.Ops;

/// <summary>ctc_loss through its definition on the native backend: the Python-frontend steps and the int32 lengths.</summary>
public class CtcLossTests
{
    private static readonly NativeBackend Backend = new();
    private static readonly OpDefinition Op = OpCatalog.Get("ctc_loss");

    // (T=4, N=2, C=3) log-probabilities: each row a log_softmax of small integers, written out.
    private static readonly double[] LogProbs =
    [
        -1.4076, -0.4076, -2.4076, -0.4076, -1.4076, -2.4076,
        -2.4076, -1.4076, -0.4076, -1.4076, -0.4076, -2.4076,
        -0.4076, -2.4076, -1.4076, -1.4076, -2.4076, -0.4076,
        -1.4076, -1.4076, -1.0986, -0.4076, -1.4076, -2.4076,
    ];

    private static OpCall Call(DType lengths, string reduction, long[]? inputLengths = null) => new(Op,
        ArgSet.Of(("reduction", reduction)),
        ("log_probs", Tensor.FromDoubles(DType.Float64, LogProbs, 4, 2, 3)),
        ("targets", Tensor.FromArray(new long[] { 1, 2, 2, 0 }, 2, 2).To(lengths)),
        ("input_lengths", Tensor.FromArray(inputLengths ?? [4, 3], 2).To(lengths)),
        ("target_lengths", Tensor.FromArray(new long[] { 2, 1 }, 2).To(lengths)));

    [Theory]
    [InlineData("none")]
    [InlineData("mean")]
    [InlineData("sum")]
    public void Int32LengthsAndTargets_SameBitsAsInt64(string reduction)
    {
        OpResult a = Backend.Evaluate(Call(DType.Int64, reduction), grad: true);
        OpResult b = Backend.Evaluate(Call(DType.Int32, reduction), grad: true);
        Assert.True(a.Output.BitEquals(b.Output));
        Assert.True(a.GradOf("log_probs")!.BitEquals(b.GradOf("log_probs")!));
        Assert.Equal(["log_probs"], b.Grads.Select(g => g.Key));
    }

    [Fact]
    public void ElementwiseMean_WarnsOnce_AndIsMean()
    {
        OpResult mean = Backend.Evaluate(Call(DType.Int64, "mean"), grad: true);
        OpResult old = Backend.Evaluate(Call(DType.Int64, "elementwise_mean"), grad: true);
        Assert.True(mean.Output.BitEquals(old.Output));
        Assert.True(mean.GradOf("log_probs")!.BitEquals(old.GradOf("log_probs")!));
        var w = Assert.Single(old.Warnings);
        Assert.Equal("UserWarning: reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", w.ToString());
        Assert.Empty(mean.Warnings);
    }

    [Fact]
    public void InvalidReduction_ValueErrorBeforeTheLengthChecks()
    {
        // Python evaluates _Reduction.get_enum(reduction) before torch.ctc_loss runs its checks.
        var e = Assert.Throws<TorchException>(() => Backend.Evaluate(Call(DType.Int32, "avg", [9, 9]), grad: false));
        Assert.Equal(TorchErrorKind.ValueError, e.Kind);
        Assert.Equal("avg is not a valid value for reduction", e.Message);
    }

    [Fact]
    public void Int32InputLengthAboveT_LibTorchText()
    {
        var e = Assert.Throws<TorchException>(() => Backend.Evaluate(Call(DType.Int32, "mean", [5, 3]), grad: false));
        Assert.Equal("Expected input_lengths to have value at most 4, but got value 5 (while checking arguments for ctc_loss_allocate_outputs)", e.Message);
    }

    [Fact]
    public void GradientForFloatTargets_LibTorchText()
    {
        var call = Call(DType.Int64, "mean");
        call = call.With("targets", call.Required("targets").To(DType.Float64));
        var e = Assert.Throws<TorchException>(() => Backend.Evaluate(call, ["targets"]));
        Assert.Equal("element 0 of tensors does not require grad and does not have a grad_fn", e.Message);
    }
}
