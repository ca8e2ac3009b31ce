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
