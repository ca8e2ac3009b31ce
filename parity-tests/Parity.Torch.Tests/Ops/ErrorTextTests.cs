using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// Every bad input of <see cref="BadInputs"/> evaluated by libtorch through <see cref="TorchBackend"/>: the first line
/// of the message word for word, and the Python exception class.
/// </summary>
public sealed class ErrorTextTests
{
    [Theory]
    [MemberData(nameof(BadInputs.Ids), MemberType = typeof(BadInputs))]
    public void BadInput_RaisesPythonsMessage(string id)
    {
        TorchAvailability.RequireTorch();
        var c = BadInputs.Get(id);
        var backend = new TorchBackend();
        var e = Assert.Throws<TorchException>(() => backend.Evaluate(c.Call(), c.Grad));
        Assert.Equal(c.Message, e.Message);
        Assert.Equal(c.Kind, e.Kind);
    }

    [Fact]
    public void Catalogue_HasAtLeastFortyDistinctCases()
    {
        Assert.True(BadInputs.All.Count >= 40, $"only {BadInputs.All.Count} cases");
        Assert.Equal(BadInputs.All.Count, BadInputs.All.Select(c => c.Id).Distinct().Count());
    }
}

/// <summary>
/// The two <c>random_</c> texts of notes §3, which no <see cref="OpCall"/> reaches: checked on libtorch directly,
/// through the same translation the backend uses.
/// </summary>
public sealed class RandomErrorTextTests
{
    [Fact]
    public void FromEqualsTo_Rejected()
    {
        TorchAvailability.RequireTorch();
        using var t = TorchSharp.torch.empty(3);
        var e = Assert.ThrowsAny<Exception>(() => t.random_(5, 5));
        Assert.Equal("random_ expects 'from' to be less than 'to', but got from=5 >= to=5", TorchErrors.FirstLine(e.Message));
    }

    [Fact]
    public void ToBeyondInt8_Rejected()
    {
        TorchAvailability.RequireTorch();
        using var t = TorchSharp.torch.empty(3, dtype: TorchSharp.torch.int8);
        var e = Assert.ThrowsAny<Exception>(() => t.random_(0, 1000));
        Assert.Equal("to - 1 is out of bounds for signed char", TorchErrors.FirstLine(e.Message));
    }
}

/// <summary>
/// The three texts of notes §3 that come from TorchSharp's C++ frontend (<c>torch::nn::functional</c>), not from
/// Python PyTorch: confirmed on TorchSharp's managed calls, and shown to differ from what <see cref="TorchBackend"/>
/// (which follows Python) raises or accepts for the same input.
/// </summary>
public sealed class TorchSharpFrontendTextTests
{
    private static string ManagedError(Action call) => TorchErrors.FirstLine(Assert.ThrowsAny<Exception>(call).Message);

    [Fact]
    public void NllLoss1D_TorchSharpRejects_BackendAcceptsAsPython()
    {
        TorchAvailability.RequireTorch();
        using var x = TorchSharp.torch.tensor(new float[] { -0.5f, -1.5f, -2.5f });
        using var t = TorchSharp.torch.tensor(1L);
        Assert.Equal("Expected 2 or more dimensions (got 1)", ManagedError(() => TorchSharp.torch.nn.functional.nll_loss(x, t)));
        var r = new TorchBackend().Evaluate(TestOps.Call(TestOps.NllLoss, Tensor.Vector(-0.5f, -1.5f, -2.5f), Tensor.Scalar(1, DType.Int64)), grad: false);
        Assert.Equal(1.5f, r.Output.Float32Span[0]);
    }

    [Fact]
    public void BinaryCrossEntropySize_TorchSharpText_DiffersFromPython()
    {
        TorchAvailability.RequireTorch();
        using var x = TorchSharp.torch.full(2, 2, 0.5f);
        using var y = TorchSharp.torch.full(4, 0.5f);
        Assert.Equal(
            "Using a target size ([4]) that is different to the input size ([2, 2]) is deprecated. Please ensure they have the same size.",
            ManagedError(() => TorchSharp.torch.nn.functional.binary_cross_entropy(x, y)));
        var python = Assert.Throws<TorchException>(() => new TorchBackend().Evaluate(BadInputs.Get("bce-target-size").Call(), grad: false));
        Assert.Equal(
            "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.",
            python.Message);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsSize_TorchSharpText_DiffersFromPython()
    {
        TorchAvailability.RequireTorch();
        using var x = TorchSharp.torch.zeros(2, 3);
        using var y = TorchSharp.torch.zeros(6);
        Assert.Equal("Target size ([6]) must be the same as input size ([2, 3])",
            ManagedError(() => TorchSharp.torch.nn.functional.binary_cross_entropy_with_logits(x, y)));
        var python = Assert.Throws<TorchException>(() => new TorchBackend().Evaluate(BadInputs.Get("bcel-target-size").Call(), grad: false));
        Assert.Equal("Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))", python.Message);
    }
}
