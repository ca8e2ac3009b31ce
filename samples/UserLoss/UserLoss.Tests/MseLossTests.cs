using Parity.Native;
using Parity.Snapshots.Xunit;
using Parity.Xunit;

namespace UserLoss.Tests;

public class MseLossTests
{
    private static readonly MyBackend Mine = new();

    /// <summary>One row per Parity matrix case of mse_loss: the user's loss vs libtorch, failures named by case.</summary>
    [Theory, ParityCases("mse_loss")]
    public void Agrees_with_libtorch(string caseName) => ParityAssert.Agrees(Mine, caseName);

    /// <summary>The same rows through TheoryData, for [MemberData] users.</summary>
    public static TheoryData<string> MseCases => ParityCases.For("mse_loss");

    [Fact]
    public void Every_mse_case_is_a_row() => Assert.NotEmpty(MseCases);

    /// <summary>A deliberately wrong engine fails, and the failure names the case and says what differs.</summary>
    [Fact]
    public void A_wrong_engine_fails_naming_the_case()
    {
        var e = Assert.ThrowsAny<Exception>(() => ParityAssert.Agrees(new DoublingBackend(), "mse_loss.float32.mean.nw.N4C5"));
        Assert.StartsWith("mse_loss.float32.mean.nw.N4C5: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("output", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A numeric snapshot, named after the test: MseLossTests.Fixed_inputs_reduction=….verified.txt beside this file.</summary>
    [Theory, InlineData("none"), InlineData("mean")]
    public void Fixed_inputs(string reduction)
    {
        var input = Tensor.FromArray(new float[] { 0.5f, -1.25f, 2f, 0f, 3.5f, -0.75f }, 2, 3);
        var target = Tensor.FromArray(new float[] { 0f, -1f, 1.5f, 0.25f, 3f, 0.25f }, 2, 3);
        Snapshot.Verify(MyMseLoss.Forward(input, target, reduction));
    }
}

/// <summary>MyBackend with its output doubled: what a bug looks like.</summary>
internal sealed class DoublingBackend : Parity.Harness.Ops.IOpBackend
{
    public string Name => "doubling";

    public Parity.Harness.Ops.OpResult Evaluate(Parity.Harness.Ops.OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        var r = new MyBackend().Evaluate(call, wrt, gradOutput);
        var doubled = Tensor.FromDoubles(r.Output.DType, r.Output.ToDoubleArray().Select(x => 2 * x).ToArray(), r.Output.ShapeArray());
        return r with { Output = doubled };
    }
}
