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
