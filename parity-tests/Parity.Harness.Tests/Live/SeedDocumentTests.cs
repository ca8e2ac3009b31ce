using Parity.Harness.Evaluation;
using Parity.Harness.Matrix;
using Parity.Native.Rng;
using Parity.Torch;

namespace Parity.Harness.Tests.Live;

/// <summary>
/// The seed document's examples as one case chain from seed 2020: the outputs print exactly as the notebook printed
/// them (tensor(0.2576), tensor(0.8165), tensor(1.7541), tensor(2.7944)), natively and on libtorch.
/// </summary>
public class SeedDocumentTests
{
    [Fact]
    public void Native_PrintsTheDocumentsValues()
    {
        var outcomes = new CaseEvaluator(LiveBackends.Native, new Generator()).EvaluateAll(SeedDocumentCases.Cases);
        foreach (var o in outcomes.Where(o => SeedDocumentCases.PrintedOutputs.ContainsKey(o.Case.Name!)))
        {
            Assert.Equal(SeedDocumentCases.PrintedOutputs[o.Case.Name!], o.Native.Output!.ToString());
        }
        Assert.Equal("tensor(1.7413)", outcomes[2].Native.Output!.ToString()); // the unprinted first run of the CE cell
    }

    [Fact]
    public void Libtorch_Agrees_AndDrawsTheSameInputs()
    {
        var torch = LiveBackends.RequireTorch();
        using var tr = new TorchRandom();
        var outcomes = new CaseEvaluator(LiveBackends.Native, new Generator(), torch, tr).EvaluateAll(SeedDocumentCases.Cases);
        Assert.All(outcomes, o => Assert.True(o.Match == true && o.InputsIdentical == true, $"{o.Case.Name}: {o.Reason}"));
        foreach (var o in outcomes.Where(o => SeedDocumentCases.PrintedOutputs.ContainsKey(o.Case.Name!)))
        {
            Assert.Equal(SeedDocumentCases.PrintedOutputs[o.Case.Name!], o.Torch!.Output!.ToString());
        }
    }
}
