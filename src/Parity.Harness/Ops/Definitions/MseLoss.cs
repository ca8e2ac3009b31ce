using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.mse_loss(input, target, reduction, weight)</c>: native <see cref="Functional.MseLoss"/>;
/// reference <c>aten::mse_loss</c>, or Python's weighted composition, after Python's steps.
/// </summary>
/// <remarks>
/// Python's frontend (<c>mse_loss</c> in torch/nn/functional.py) takes the same steps as <c>l1_loss</c> (size warning,
/// broadcast_tensors, then get_enum or the weighted path with its two ValueErrors); the weighted loss is
/// <c>pow(input − target, 2) · weight</c>, and 'mean' is <c>sum / sum(weight)</c>. All three tensors are differentiable.
/// </remarks>
public sealed class MseLoss : OpDefinition
{
    private const long MatrixSeed = 7401, EdgeSeed = 7402, FindingSeed = 7403;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("mse_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("weight", Required: false, Differentiable: true)],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.mse_loss`, `nn.MSELoss`", "`Functional.MseLoss(input, target, reduction, weight)`, `MSELoss`",
        "TorchScript `torch.mse_loss` after Python's size warning and `broadcast_tensors`; with a weight, Python's `pow(x − y, 2)·w` and Σ/Σw",
        "`reduction`, `weight` (functional only) / both / `reduction` only");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call)
    {
        var (input, target, weight) = (call.Required("input"), call.Required("target"), call["weight"]);
        if (SmoothL1Loss.InvalidReduction(call) is { } bad)
        {
            // Python's steps before its reduction check (warning, broadcast, the weight's size) run first.
            _ = Functional.MseLoss(input, target, Reduction.None, weight);
            throw weight is null ? SmoothL1Loss.NotAValidReduction(bad) : L1Loss.InvalidMode(bad);
        }
        return Functional.MseLoss(input, target, call.Reduction, weight);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var g = SmoothL1Loss.Quiet(() => Functional.MseLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction, call["weight"]));
        return Pick(wrt, ("input", () => g.Input), ("target", () => g.Target), ("weight", () => g.Weight!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def mse_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int) -> Tensor:
            expanded = torch.broadcast_tensors(input, target)
            if weight is None:
                return torch.mse_loss(expanded[0], expanded[1], reduction)
            loss = torch.pow(expanded[0] - expanded[1], 2) * weight
            if reduction == 0:
                return loss
            if reduction == 2:
                return torch.sum(loss)
            return torch.sum(loss) / torch.sum(weight)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => L1Loss.WeightedReference(call, "mse_loss", meanDividesByWeights: true);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix() =>
        L1Loss.RegressionMatrix(this, MatrixSeed, [("nw", false, ArgSet.Empty), ("w", true, ArgSet.Empty)]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        foreach (var c in L1Loss.RegressionEdges(this, EdgeSeed, ArgSet.Empty, ""))
        {
            yield return c;
        }
        // An int64 target next to a floating input promotes to the input's dtype (the target is not differentiated).
        foreach (var dt in FloatTypes)
        {
            yield return new CaseSpec
            {
                Name = $"mse_loss.{dt.Name()}.mean.nw.edges.target-int64", Op = this, DType = dt, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = [InputSpec.Randn("input", [4]), I("target", L([4], 1, -5, 7, 0))], Args = ArgSet.Of(("reduction", "mean")), Grad = true,
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // The target gradient of a (2, 1) target broadcast to (7, 2, 2) is summed over dimensions 0 and 2, which are not
        // adjacent; with ±2e300 terms the order decides: libtorch sums each row over dimension 2 and accumulates the rows
        // (0), the native side summed dimension 2 then dimension 0 as separate cascades (12) (seed 7, case 3288, shrunk).
        double[] x = new double[14];
        x[1] = 1e300;
        x[12] = -1e300;
        yield return new CaseSpec
        {
            Name = "fuzz.mse_loss.seed=7.case=3288", Op = this, DType = DType.Float64, DTypeWritten = true, Seed = FindingSeed,
            Inputs = [I("input", D([7, 1, 2], x)), I("target", D([2, 1], 1, 0))], Args = ArgSet.Of(("reduction", "none")),
            Grad = true, ExpectBitIdentical = true,
        };
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs() => L1Loss.RegressionBadInputs(this).Concat(
    [
        new("int64", TorchErrorKind.NotImplementedError, "\"mse_cpu\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
    ]);

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => L1Loss.RegressionFuzz(this, bounds, Gen.Const(ArgSet.Empty));
}
