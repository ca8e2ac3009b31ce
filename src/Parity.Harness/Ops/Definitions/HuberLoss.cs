using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.huber_loss(input, target, reduction, delta, weight)</c>: native <see cref="Functional.HuberLoss"/>;
/// reference <c>aten::huber_loss</c>, or Python's weighted composition, after Python's steps.
/// </summary>
/// <remarks>
/// Python's frontend (<c>huber_loss</c> in torch/nn/functional.py) warns about a target of another size and broadcasts.
/// Without a weight it calls ATen with <c>get_enum(reduction)</c> (so a bad reduction is reported before ATen's delta
/// check). With one it checks the weight's size, calls ATen with 'none' (delta checked there), multiplies by the weight,
/// and reduces with <c>sum</c> or — unlike l1/mse — <c>mean()</c>, the element count; only then does a bad reduction
/// raise "Invalid reduction mode …". ATen's output has the input's dtype. All three tensors are differentiable.
/// </remarks>
public sealed class HuberLoss : OpDefinition
{
    private const long MatrixSeed = 7501, EdgeSeed = 7502;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("huber_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("weight", Required: false, Differentiable: true)],
        [ScalarParam.Reduction(), new ScalarParam("delta", ArgKind.Float, ArgValue.Of(1.0))]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.huber_loss`, `nn.HuberLoss`", "`Functional.HuberLoss(input, target, reduction, delta, weight)`, `HuberLoss`",
        "TorchScript `torch.huber_loss` after Python's size warning and `broadcast_tensors`; with a weight, Python's `huber_loss(…, 'none')·w` and its mean",
        "`reduction`, `delta`, `weight` (functional only) / all / `reduction`, `delta` (spelled `huber_loss(input, target, delta, reduction)`)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call)
    {
        var (input, target, weight) = (call.Required("input"), call.Required("target"), call["weight"]);
        double delta = call.Float("delta");
        if (SmoothL1Loss.InvalidReduction(call) is { } bad)
        {
            // Without a weight get_enum runs before ATen (a valid delta stands in); with one ATen runs first, with 'none'.
            _ = Functional.HuberLoss(input, target, Reduction.None, weight is null ? 1.0 : delta, weight);
            throw weight is null ? SmoothL1Loss.NotAValidReduction(bad) : L1Loss.InvalidMode(bad);
        }
        return Functional.HuberLoss(input, target, call.Reduction, delta, weight);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var g = SmoothL1Loss.Quiet(() => Functional.HuberLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction, call.Float("delta"), call["weight"]));
        return Pick(wrt, ("input", () => g.Input), ("target", () => g.Target), ("weight", () => g.Weight!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def huber_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, delta: float) -> Tensor:
            expanded = torch.broadcast_tensors(input, target)
            if weight is None:
                return torch.huber_loss(expanded[0], expanded[1], reduction, delta)
            loss = torch.huber_loss(expanded[0], expanded[1], 0, delta) * weight
            if reduction == 0:
                return loss
            if reduction == 2:
                return torch.sum(loss)
            return loss.mean()
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => L1Loss.WeightedReference(call, "huber_loss", meanDividesByWeights: false, call.Float("delta"));

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix() => L1Loss.RegressionMatrix(this, MatrixSeed,
    [
        ("nw.delta=def", false, ArgSet.Empty), ("nw.delta=0.5", false, ArgSet.Of(("delta", 0.5))),
        ("w.delta=def", true, ArgSet.Empty), ("w.delta=2", true, ArgSet.Of(("delta", 2.0))),
    ]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges() =>
        L1Loss.RegressionEdges(this, EdgeSeed, ArgSet.Of(("delta", 0.5)), ".delta=0.5")
            .Concat(L1Loss.RegressionEdges(this, EdgeSeed, ArgSet.Of(("delta", 1e-40)), ".delta=1e-40").Where(c => c.Name!.Contains(".edges.values", StringComparison.Ordinal)))
            .Concat(L1Loss.RegressionEdges(this, EdgeSeed, ArgSet.Of(("delta", double.PositiveInfinity)), ".delta=inf").Where(c => c.Name!.Contains(".edges.values", StringComparison.Ordinal)));

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        const string Delta = "huber_loss does not support non-positive values for delta.";
        var x = F([3], 0.5, -1, 2);
        var y = F([3], 0, 1, 0.25);
        return L1Loss.RegressionBadInputs(this).Concat(
        [
            new("delta=0", R, Delta, [I("input", x), I("target", y)], ArgSet.Of(("delta", 0.0))),
            new("delta-negative.float64", R, Delta, [I("input", D([2], 1, 2)), I("target", D([2], 0, 0))], ArgSet.Of(("reduction", "sum"), ("delta", -1.0))),
            new("delta-nan", R, Delta, [I("input", x), I("target", y)], ArgSet.Of(("reduction", "none"), ("delta", double.NaN))),
            new("delta=0.weighted", R, Delta, [I("input", x), I("target", y), I("weight", F([3], 1, 2, 3))], ArgSet.Of(("delta", 0.0))),
            // Unweighted: get_enum before ATen's delta check; weighted: ATen (delta) before the reduction check.
            new("reduction.delta=0", TorchErrorKind.ValueError, "bad is not a valid value for reduction", [I("input", x), I("target", y)], ArgSet.Of(("reduction", "bad"), ("delta", 0.0))),
            new("reduction.weighted.delta=0", R, Delta, [I("input", x), I("target", y), I("weight", F([3], 1, 2, 3))], ArgSet.Of(("reduction", "bad"), ("delta", 0.0))),
            new("int64", TorchErrorKind.NotImplementedError, "\"huber_cpu\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
        ]);
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => L1Loss.RegressionFuzz(this, bounds,
        Gen.Frequency(
            (3, Gen.Const(() => ArgSet.Empty)), (4, Gen.Double[0, 3].Select(d => ArgSet.Of(("delta", d)))),
            (1, Gen.OneOfConst(1e-40, 5e-324, 1e30, double.PositiveInfinity, -1.0, double.NaN).Select(d => ArgSet.Of(("delta", d))))));
}
