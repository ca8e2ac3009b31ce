using Parity.Harness.Matrix;
using Parity.Harness.Ops;
using Parity.Native;
using Parity.Torch.PInvoke;
using Parity.Torch.Tests;
using Parity.Xunit;

namespace Parity.Harness.Tests.Xunit;

/// <summary>
/// The xUnit v3 data source (<c>Parity.Xunit</c>) used as a user would, inside this repository: one theory row per
/// matrix case, evaluated with a backend against libtorch. Rows are skipped (never passed) when libtorch is unavailable.
/// </summary>
public sealed class ParityXunitTests
{
    [Fact]
    public void ParityCases_AreTheOpsMatrixCases_InCatalogueOrder()
    {
        var expected = ParityMatrix.All.Where(c => c.Op.Name == "smooth_l1_loss").Select(c => c.Name!).ToList();

        Assert.Equal(expected, ParityCases.Names("smooth_l1_loss"));
        Assert.Equal(expected.Count, ParityCases.For("smooth_l1_loss").Count);
        Assert.NotEmpty(expected);
    }

    /// <summary>The readable native op agrees with libtorch on every smooth_l1_loss case, one row each.</summary>
    [Theory]
    [ParityCases("smooth_l1_loss")]
    public void NativeSmoothL1_AgreesWithLibtorch(string caseName)
    {
        TorchAvailability.RequireTorch();
        var outcome = ParityAssert.Agrees(new NativeBackend(), caseName);
        Assert.True(outcome.Match);
    }

    /// <summary>The fast kernels as a user's backend: nll_loss rows they support agree; the others are skipped as unsupported.</summary>
    [Theory]
    [ParityCases("nll_loss")]
    public void FastNllLoss_AgreesWithLibtorch_OrIsSkippedAsUnsupported(string caseName)
    {
        TorchAvailability.RequireTorch();
        var outcome = ParityAssert.Agrees(new FastBackend(), caseName);
        Assert.True(outcome.Match);
    }

    [Fact]
    public void WrongBackend_FailsNamingTheCase()
    {
        TorchAvailability.RequireTorch();
        string name = ParityCases.Names("smooth_l1_loss").First(n => n.Contains("float32.mean", StringComparison.Ordinal));

        var e = Assert.ThrowsAny<Exception>(() => ParityAssert.Agrees(new OffByOne(), name));

        Assert.StartsWith(name + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains("output", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecliningBackend_IsSkippedAsUnsupported_NeverPassed()
    {
        TorchAvailability.RequireTorch();
        string name = ParityCases.Names("smooth_l1_loss")[0];

        var e = Assert.ThrowsAny<Exception>(() => ParityAssert.Agrees(new Declining(), name));

        Assert.Contains("unsupported: not here", e.Message, StringComparison.Ordinal);
        Assert.Contains("Skip", e.GetType().Name, StringComparison.Ordinal);
    }

    /// <summary>The native op with 1 added to every output.</summary>
    private sealed class OffByOne : IOpBackend
    {
        public string Name => "off-by-one";

        public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
        {
            var r = new NativeBackend().Evaluate(call, wrt, gradOutput);
            var output = r.Output.Clone();
            for (int i = 0; i < output.Numel; i++)
            {
                output.SetDouble(i, output.GetDouble(i) + 1);
            }
            return r with { Output = output };
        }
    }

    private sealed class Declining : IOpBackend
    {
        public string Name => "declining";

        public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null) => throw new NotSupportedException("not here");
    }
}
