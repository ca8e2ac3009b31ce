using System.Globalization;
using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.hinge_embedding_loss(input, target, margin, reduction)</c>: native
/// <see cref="Functional.HingeEmbeddingLoss"/>; reference <c>aten::hinge_embedding_loss</c> (Python only maps the reduction).
/// </summary>
/// <remarks>
/// Input and target broadcast freely (no size check). The target only enters comparisons, so autograd gives it no
/// gradient: asking for one is libtorch's "not used in the graph" error (the schema records Python's wording).
/// </remarks>
public sealed class HingeEmbeddingLoss : OpDefinition
{
    private const long Seed = 7206;

    /// <summary>What <c>torch.autograd.grad</c> raises in Python for a tensor the graph does not use.</summary>
    internal const string UnusedInGraph = "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.";

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("hinge_embedding_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", NoGradError: UnusedInGraph)],
        [new ScalarParam("margin", ArgKind.Float, ArgValue.Of(1.0)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.hinge_embedding_loss`, `nn.HingeEmbeddingLoss`", "`Functional.HingeEmbeddingLoss(input, target, margin, reduction)`, `HingeEmbeddingLoss`",
        "TorchScript `torch.hinge_embedding_loss`", "`margin`, `reduction` / both / both (the functional form's `margin` defaults to 0, the module's to 1)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.HingeEmbeddingLoss(call.Required("input"), call.Required("target"), call.Float("margin"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.HingeEmbeddingLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Float("margin"), call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float, reduction: int) -> Tensor:
            return torch.hinge_embedding_loss(input, target, margin, reduction)
        """;

    /// <inheritdoc/>
    /// <remarks>torch/nn/functional.py, hinge_embedding_loss: <c>_Reduction.get_enum(reduction)</c>, then ATen.</remarks>
    public override ReferenceCall Reference(OpCall call) =>
        new("hinge_embedding_loss", [call.Required("input"), call.Required("target"), call.Float("margin"), AtenReduction(call)]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (double? margin in new double?[] { null, 0.5, -1.0 })
                {
                    foreach (var s in SoftMarginLoss.ElementAndBroadcastShapes.Append(SoftMarginLoss.Outer))
                    {
                        string m = margin is { } v ? "m=" + v.ToString("R", CultureInfo.InvariantCulture) : "m=default";
                        yield return new CaseSpec
                        {
                            Name = $"hinge_embedding_loss.{dtype.Name()}.{red.Name()}.{m}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seed,
                            // Distances in [0, 2) (rand·2 is not available, so randn gives both signs) and labels −1, 0, 1.
                            Inputs = [InputSpec.Randn("input", s.Input), InputSpec.Randint("target", -1, 2, s.Target)],
                            Args = ArgSet.Of(("margin", margin), ("reduction", red)), Grad = true, ExpectBitIdentical = true,
                        };
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        const double Inf = double.PositiveInfinity, NaN = double.NaN;
        foreach (var dt in FloatTypes)
        {
            foreach (var r in CaseKit.Reductions)
            {
                // The kink x = margin (gradient −1 there), NaN and ±∞ inputs, labels other than ±1 (both terms).
                yield return new CaseSpec
                {
                    Name = $"hinge_embedding_loss.{dt.Name()}.{r.Name()}.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [12], 1, 1, 0, -0.0, NaN, NaN, Inf, -Inf, Inf, 1e30, 0.5, 2)),
                        I("target", V(dt, [12], -1, 1, -1, -1, -1, 1, -1, -1, 1, 0, 2, NaN)),
                    ],
                    Args = ArgSet.Of(("reduction", r)), Grad = true, ExpectBitIdentical = true,
                };
                yield return new CaseSpec
                {
                    Name = $"hinge_embedding_loss.{dt.Name()}.{r.Name()}.m=inf.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs = [I("input", V(dt, [4], 1, Inf, -Inf, 0)), I("target", V(dt, [4], -1, -1, -1, 1))],
                    Args = ArgSet.Of(("margin", Inf), ("reduction", r)), Grad = true, ExpectBitIdentical = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x3 = F([3], 0.5, -1, 2);
        var t3 = F([3], 1, -1, 1);
        return
        [
            new("target-not-broadcastable", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0", [I("input", x3), I("target", F([2], 1, -1))]),
            new("reduction", TorchErrorKind.ValueError, "batchmean is not a valid value for reduction", [I("input", x3), I("target", t3)], ArgSet.Of(("reduction", "batchmean"))),
            new("reduction-empty", TorchErrorKind.ValueError, " is not a valid value for reduction", [I("input", x3), I("target", t3)], ArgSet.Of(("reduction", ""))),
            new("int64-mean", R, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long", [I("input", L([3], 1, 2, 3)), I("target", t3)]),
            new("int64-grad", R, "only Tensors of floating point and complex dtype can require gradients", [I("input", L([3], 1, 2, 3)), I("target", t3)], ArgSet.Of(("reduction", "sum"))) { Grad = true },
            new("target-broadcast-3d", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", [InputSpec.Randn("input", [2, 4]), InputSpec.Randint("target", -1, 2, [2, 3])]),
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, bounds)
        from tshape in Gen.Frequency((4, Gen.Const(shape)), (1, FuzzCases.BroadcastShape(shape)), (1, Gen.Const(shape.Select(_ => 1).Append(2).ToArray())))
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from target in SoftMarginLoss.SignTargets(dtype, tshape)
        from margin in Gen.Frequency((3, Gen.Const((double?)null)), (3, Gen.Double[-3, 3].Select(v => (double?)v)),
            (1, Gen.OneOfConst<double?>(0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1e30, 3.4028234663852886e38)))
        from reduction in FuzzCases.AnyReduction
        from mutation in FuzzCases.Mutation
        select SoftMarginLoss.MutateTarget(new OpCall(this, ArgSet.Of(("margin", margin), ("reduction", reduction)), ("input", input), ("target", target)), mutation);
}
