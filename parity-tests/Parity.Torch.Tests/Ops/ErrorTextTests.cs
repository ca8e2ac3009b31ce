using Parity.Tests.Shared;
using Parity.Harness.Cases;
using Parity.Harness.Matrix;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// Every bad input of every op's definition (<see cref="OpDefinition.BadInputs"/>, the one catalogue, which also feeds
/// the <c>bad.*</c> matrix cases and <c>docs/bad-inputs.md</c>) evaluated on both sides: libtorch through
/// <see cref="TorchBackend"/> and the native ops through <see cref="NativeBackend"/> must each raise the catalogued Python
/// exception class with the catalogued first line, word for word.
/// </summary>
public sealed class ErrorTextTests
{
    public static TheoryData<string> Cases => new(ParityMatrix.All.Where(c => c.ExpectError is not null).Select(c => c.Name!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInput_RaisesPythonsClassAndMessage_OnBothSides(string name)
    {
        TorchAvailability.RequireTorch();
        var spec = ParityMatrix.Find(name)!;
        foreach (IOpBackend backend in new IOpBackend[] { new TorchBackend(), new NativeBackend() })
        {
            var random = new Parity.Native.Rng.Generator(0);
            var inputs = InputDrawer.Draw(spec, random, new NativeBackend());
            var call = InputDrawer.ToCall(spec, inputs);
            var e = Assert.Throws<TorchException>(() => backend.Evaluate(call, spec.GradientsFor(call)));
            Assert.Equal((spec.ExpectErrorKind, spec.ExpectError), (e.Kind, e.Message));
        }
    }

    [Fact]
    public void EveryOp_HasBadInputs_AndTheyAreDistinct()
    {
        Assert.All(OpCatalog.All, op => Assert.True(op.BadInputs().Any(), op.Name));
        Assert.Equal(OpCatalog.All.Sum(op => op.BadInputs().Count()), OpCatalog.All.SelectMany(op => op.BadInputs().Select(b => op.Name + b.Name)).Distinct().Count());
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
        var python = Assert.Throws<TorchException>(() => new TorchBackend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropy, Tensor.FromArray(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, 2, 2), Tensor.Vector(0.5f, 0.5f, 0.5f, 0.5f)), grad: false));
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
        var python = Assert.Throws<TorchException>(() => new TorchBackend().Evaluate(TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, Tensor.Zeros(DType.Float32, 2, 3), Tensor.Zeros(DType.Float32, 6)), grad: false));
        Assert.Equal("Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))", python.Message);
    }
}
