using Parity.Harness.Cases;
using Parity.Harness.Evaluation;
using Parity.Harness.Matrix;
using Parity.Harness.Ops;
using Parity.Native.Rng;
using Parity.Torch;
using Parity.Torch.PInvoke;
using Xunit;

namespace Parity.Xunit;

/// <summary>Assertions that a user's <see cref="IOpBackend"/> agrees with libtorch on the built-in matrix cases.</summary>
public static class ParityAssert
{
    private static readonly Lazy<TorchBackend> s_torch = new(CreateTorch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Evaluates the matrix case <paramref name="caseName"/> with <paramref name="mine"/> and with libtorch, on the same
    /// drawn inputs, through the harness's <see cref="CaseEvaluator"/> (same tolerances, error texts and warnings as
    /// <c>parity run --backend</c>).
    /// </summary>
    /// <param name="mine">The implementation under test.</param>
    /// <param name="caseName">A case name from <see cref="ParityCases"/>.</param>
    /// <returns>The outcome of the agreeing case.</returns>
    /// <remarks>
    /// A case <paramref name="mine"/> declines (<see cref="NotSupportedException"/>, or <see cref="ISupportedOps"/>) is
    /// skipped with <c>unsupported: {reason}</c>, as is a case whose reference result is undefined — never passed. Any
    /// difference fails with <c>{caseName}: {reason}</c>. libtorch not loading fails the test.
    /// </remarks>
    /// <exception cref="ArgumentException">No such case.</exception>
    public static CaseOutcome Agrees(IOpBackend mine, string caseName)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(caseName);
        var catalogue = ParityMatrix.All;
        int index = -1;
        for (int i = 0; i < catalogue.Count; i++)
        {
            if (catalogue[i].Name == caseName)
            {
                index = i;
                break;
            }
        }
        if (index < 0)
        {
            throw new ArgumentException($"no matrix case named '{caseName}'", nameof(caseName));
        }
        var outcome = Evaluate(mine, catalogue, index);
        if (outcome.Unsupported)
        {
            Assert.Skip($"unsupported: {outcome.Native.Unsupported}");
        }
        if (outcome.Match is null)
        {
            Assert.Skip($"{caseName}: {outcome.Reason ?? "not compared"}");
        }
        if (outcome.Match == false)
        {
            Assert.Fail($"{caseName}: {outcome.Reason}");
        }
        return outcome;
    }

    private static CaseOutcome Evaluate(IOpBackend mine, IReadOnlyList<CaseSpec> catalogue, int index)
    {
        var torch = s_torch.Value;
        using var torchRandom = new TorchRandom();
        var evaluator = new CaseEvaluator(mine, new Generator(), torch, torchRandom);
        // A case without a seed continues the stream of the cases before it: replay its chain (drawn, not evaluated).
        if (catalogue[index].Seed is null)
        {
            int start = index;
            while (start > 0 && catalogue[start].Seed is null)
            {
                start--;
            }
            for (int j = start; j < index; j++)
            {
                evaluator.Replay(catalogue[j]);
            }
        }
        return evaluator.Evaluate(catalogue[index]);
    }

    private static TorchBackend CreateTorch()
    {
        var status = LibTorchLoader.Status;
        if (!status.Available)
        {
            throw new InvalidOperationException("libtorch is unavailable: " + status.Reason);
        }
        return new TorchBackend();
    }
}
