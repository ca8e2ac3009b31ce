using Parity.Harness.Cases;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>
/// The examples of the seed document (../shared/seed/pytorch-bce-ce-losses.md) as a case chain: the first cell
/// seeds 2020, each later cell continues the stream exactly as the notebook does.
/// </summary>
/// <remarks>
/// The notebook draws <c>randn(3)</c>, <c>empty(3).random_(2)</c>, <c>randn(32, 5)</c>, <c>empty(32, 5).random_(2)</c>,
/// <c>randn(3, 5)</c>, <c>empty(3, dtype=long).random_(5)</c>, <c>randn(32, 10, 5)</c>,
/// <c>empty(32, 5, dtype=long).random_(10)</c>. <c>torch.randint(low, high, shape)</c> is <c>empty(shape).random_(low, high)</c>,
/// so each <c>random_(k)</c> is a <c>randint</c> input with low 0 and high k in the tensor's dtype. The BCE cells feed
/// <c>sigmoid(input)</c>, written as <c>"map": "sigmoid"</c>. The printed results are 0.2576, 0.8165, 1.7541, 2.7944.
/// <para>As the torchops helper found (parity-tests/Parity.Torch.Tests/Ops/SeedDocumentCrossEntropyTests.cs), the
/// notebook ran its single-sample cross-entropy cell twice before the printed run: page order gives 1.7413 and 2.8261.
/// The chain therefore has five cells, the third being that unprinted first run (<c>…cross_entropy.single.first-run</c>).</para>
/// </remarks>
public static class SeedDocumentCases
{
    /// <summary>The printed outputs by case name, as the notebook prints them (<c>tensor(0.2576)</c> …).</summary>
    public static IReadOnlyDictionary<string, string> PrintedOutputs { get; } = new Dictionary<string, string>
    {
        ["seed_document.binary_cross_entropy.single"] = "tensor(0.2576)",
        ["seed_document.binary_cross_entropy.batch"] = "tensor(0.8165)",
        ["seed_document.cross_entropy.single"] = "tensor(1.7541)",
        ["seed_document.cross_entropy.batch"] = "tensor(2.7944)",
    };

    /// <summary>The five cells, in order.</summary>
    public static IReadOnlyList<CaseSpec> Cases { get; } =
    [
        new CaseSpec
        {
            Name = "seed_document.binary_cross_entropy.single", Op = OpCatalog.Get("binary_cross_entropy"), Seed = Seeds.SeedDocument,
            Inputs = [InputSpec.Randn("input", [3], InputMap.Sigmoid), InputSpec.Randint("target", 0, 2, [3])], Grad = true,
            ExpectBitIdentical = true, BitIdenticalGrads = ["input"],
        },
        new CaseSpec
        {
            Name = "seed_document.binary_cross_entropy.batch", Op = OpCatalog.Get("binary_cross_entropy"),
            Inputs = [InputSpec.Randn("input", [32, 5], InputMap.Sigmoid), InputSpec.Randint("target", 0, 2, [32, 5])], Grad = true,
            ExpectBitIdentical = true, BitIdenticalGrads = ["input"],
        },
        new CaseSpec
        {
            Name = "seed_document.cross_entropy.single.first-run", Op = OpCatalog.Get("cross_entropy"),
            Inputs = [InputSpec.Randn("input", [3, 5]), InputSpec.Randint("target", 0, 5, [3], DType.Int64)], Grad = true,
        },
        new CaseSpec
        {
            Name = "seed_document.cross_entropy.single", Op = OpCatalog.Get("cross_entropy"),
            Inputs = [InputSpec.Randn("input", [3, 5]), InputSpec.Randint("target", 0, 5, [3], DType.Int64)], Grad = true,
        },
        new CaseSpec
        {
            Name = "seed_document.cross_entropy.batch", Op = OpCatalog.Get("cross_entropy"),
            Inputs = [InputSpec.Randn("input", [32, 10, 5]), InputSpec.Randint("target", 0, 10, [32, 5], DType.Int64)], Grad = true,
        },
    ];
}
