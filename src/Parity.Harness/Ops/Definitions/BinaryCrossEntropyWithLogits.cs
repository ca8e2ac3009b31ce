using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)</c>: native
/// <see cref="Functional.BinaryCrossEntropyWithLogits"/>; reference <c>aten::binary_cross_entropy_with_logits</c>.
/// </summary>
/// <remarks>Python's frontend raises a ValueError when <c>target.size() != input.size()</c>, then calls ATen.</remarks>
public sealed class BinaryCrossEntropyWithLogits : OpDefinition
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("binary_cross_entropy_with_logits",
        [
            new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true),
            new TensorParam("weight", Required: false, NoGradError: "The function 'binary_cross_entropy_with_logits' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True."), new TensorParam("pos_weight", Required: false, NoGradError: "The function 'binary_cross_entropy_with_logits' is not differentiable with respect to argument 'pos_weight'. This input cannot have requires_grad True."),
        ],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.binary_cross_entropy_with_logits`, `nn.BCEWithLogitsLoss`",
        "`Functional.BinaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction)`, `BCEWithLogitsLoss`",
        "TorchScript `torch.binary_cross_entropy_with_logits`", "`weight`, `pos_weight`, `reduction` / all / all (spelled `pos_weights`)");

    /// <inheritdoc/>
    public override uint FuzzStream => 5;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.BinaryCrossEntropyWithLogits(call.Required("input"), call.Required("target"), call["weight"], call["pos_weight"], call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.BinaryCrossEntropyWithLogitsBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], call["pos_weight"], call.Reduction)),
        ("target", () => Functional.BinaryCrossEntropyWithLogitsTargetBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], call["pos_weight"], call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor], pos_weight: Optional[Tensor], reduction: int) -> Tensor:
            return torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            throw new TorchException(TorchErrorKind.ValueError, $"Target size ({PythonSize(target.Shape)}) must be the same as input size ({PythonSize(input.Shape)})");
        }
        return new("binary_cross_entropy_with_logits", [input, target, call["weight"], call["pos_weight"], AtenReduction(call)]);
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (string w in new[] { "nw", "w", "wb" })
                {
                    foreach (bool pw in new[] { false, true })
                    {
                        foreach (string t in new[] { "t=01", "t=p" })
                        {
                            foreach (var s in ElementShapes)
                            {
                                if (w == "wb" && s.Input.Length == 0)
                                {
                                    continue;
                                }
                                var inputs = new List<InputSpec>
                                {
                                    InputSpec.Randn("input", s.Input),
                                    t == "t=01" ? InputSpec.Randint("target", 0, 2, s.Target) : InputSpec.Rand("target", s.Target),
                                };
                                if (w != "nw")
                                {
                                    inputs.Add(InputSpec.Rand("weight", w == "w" ? s.Input : [s.Last]));
                                }
                                if (pw)
                                {
                                    // pos_weight has one entry per class (the last dim), broadcast over the rest.
                                    inputs.Add(InputSpec.Rand("pos_weight", s.Input.Length == 0 ? [] : [s.Last]));
                                }
                                yield return new CaseSpec
                                {
                                    Name = $"binary_cross_entropy_with_logits.{dtype.Name()}.{red.Name()}.{w}{(pw ? ".pw" : "")}.{t}.{s.Tag}",
                                    Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.BinaryCrossEntropyWithLogits,
                                    Inputs = inputs, Args = A(red), Grad = true,
                                };
                            }
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        foreach (var dt in FloatTypes)
        {
            foreach (var r in CaseKit.Reductions)
            {
                yield return new CaseSpec
                {
                    Name = $"binary_cross_entropy_with_logits.{dt.Name()}.{r.Name()}.edges.saturated", Op = this, DType = dt, DTypeWritten = true,
                    Seed = Seeds.Edges, Args = A(r), Grad = true,
                    Inputs =
                    [
                        I("input", V(dt, [10], 100, -100, 1e4, -1e4, 0, -0.0, 40, -40, 1e-30, 17)),
                        I("target", V(dt, [10], 0, 1, 0, 1, 1, 0, 0.5, 0.5, 1, 0)),
                        I("pos_weight", V(dt, [10], 1, 2, 0, 3, 0.5, 1, 1, 4, 1, 0)),
                    ],
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var y23 = F([2, 3], 0, 1, 0, 1, 0, 1);
        return
        [
            new("target-size", TorchErrorKind.ValueError, "Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))",
                [I("input", x23), I("target", F([6], 0, 1, 0, 1, 0, 1))]),
            new("int64-target", R, "result type Float can't be cast to the desired output type Long", [I("input", x23), I("target", L([2, 3], 0, 1, 0, 1, 0, 1))]),
            new("pos-weight-not-broadcastable", R, "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1",
                [I("input", x23), I("target", y23), I("pos_weight", F([4], 1, 2, 3, 4))]),
            new("weight-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                [I("input", x23), I("target", y23), I("weight", F([4], 1, 2, 3, 4))]),
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // F6a (docs/fuzz-findings.md): a 0-D float64 pos_weight next to a float32 target: the product pos_weight·target is
        // float32 (a 0-D tensor does not widen), and the backward works in place in it; likewise a 0-D float64 weight is
        // converted to float32 before loss.mul_(weight) on a float32 loss (seed 1 case 11636: 5e-324 becomes 0, and ∞·0 is NaN).
        const DType F32 = DType.Float32, F64 = DType.Float64;
        const double Inf = double.PositiveInfinity;
        // FF6 (docs/fuzz-findings.md, fast kernels): a float32 mean whose sum overflows is ∞ in libtorch (it sums in
        // float32), though the mean itself would fit.
        yield return NllLoss.FastFinding(this, "FF6.binary_cross_entropy_with_logits.seed=1.case=2136", F32,
            [I("input", F([3], -3.4028235e38, 0, 3.4028235e38)), I("target", F([3], 1, 0, 0))], A(Reduction.Mean));
        // FF7: libtorch's sigmoid is 1/(1 + exp(−x)): 0 once exp(−x) overflows (x < −88.72 in float32, −709.78 in float64)
        // and subnormal just above; times an infinite weight that is NaN or ∞. And exp(−88.7) is subnormal, not 0.
        yield return NllLoss.FastFinding(this, "FF7.binary_cross_entropy_with_logits.seed=3.case=732", F64,
            [I("input", D([1, 1, 1], -709.8)), I("target", D([1, 1, 1], 0)), I("weight", D([1, 1], Inf))], A(Reduction.None));
        yield return NllLoss.FastFinding(this, "FF7.binary_cross_entropy_with_logits.seed=3.case=7822", F32,
            [I("input", F([1, 1, 1], -88.7)), I("target", F([1, 1, 1], 0)), I("weight", F([1], Inf))], A(Reduction.Sum));
        yield return NllLoss.FastFinding(this, "FF7.binary_cross_entropy_with_logits.seed=3.case=5305", F32,
            [I("input", F([1, 1], 88.7)), I("target", F([1, 1], 0.5)), I("pos_weight", F([1], Inf))], A(Reduction.Mean));
        yield return NllLoss.Finding(this, "F6a.binary_cross_entropy_with_logits.seed=2.case=9155", F64,
            [
                I("input", D([1, 1, 1, 3], 0, 0, 0)), I("target", F([1, 1, 1, 3], 1, 0, 0.5)),
                I("weight", D([1, 1, 1, 3], 0, 1, 1e30)), I("pos_weight", D([], 1.2)),
            ], A(Reduction.Mean));
        yield return NllLoss.Finding(this, "F6a.binary_cross_entropy_with_logits.input-float32.pos_weight-0d-float64", F32,
            [
                I("input", F([2, 3], 0.3, -1.7, 2.9, 0.1, 5.0, -0.4)), I("target", F([2, 3], 1, 0, 0.3, 0.7, 0.1, 1)),
                I("pos_weight", D([], 1.3)),
            ], A(Reduction.Mean));
        yield return NllLoss.Finding(this, "F6a.binary_cross_entropy_with_logits.float32-input.float64-target", F32,
            [I("input", F([2, 3], 0.3, -1.7, 2.9, 0.1, 5.0, -0.4)), I("target", D([2, 3], 1, 0, 0.3, 0.7, 0.1, 1))], A(Reduction.Mean));
        yield return NllLoss.Finding(this, "F6a.binary_cross_entropy_with_logits.seed=1.case=11636", F64,
            [I("input", D([1, 1, 1], 0)), I("target", F([1, 1, 1], 0.5)), I("weight", D([], 5e-324)), I("pos_weight", D([1], Inf))], A(Reduction.Mean));
        yield return NllLoss.Finding(this, "F6a.binary_cross_entropy_with_logits.weight-0d-float64", F32,
            [I("input", F([2], 0.5, 0)), I("target", F([2], 0, 1)), I("weight", D([], 0.3))], A(Reduction.None));
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => BceFuzz(this, bounds, withLogits: true);

    /// <summary>The fuzz generator of both binary cross-entropies (with logits: logit inputs and a pos_weight).</summary>
    internal static Gen<OpCall> BceFuzz(OpDefinition op, FuzzBounds b, bool withLogits) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, b)
        from input in FuzzCases.Values(dtype, shape, withLogits ? ValueKind.Logit : ValueKind.Probability)
        from target in FuzzCases.Values(dtype, shape, ValueKind.BinaryTarget)
        from weight in FuzzCases.Optional(FuzzCases.BroadcastShape(shape).SelectMany(s => FuzzCases.Values(dtype, s, ValueKind.Weight)))
        from posWeight in withLogits ? FuzzCases.Optional(PosWeightShape(shape).SelectMany(s => FuzzCases.Values(dtype, s, ValueKind.Weight))) : Gen.Const<Tensor?>(() => null)
        from reduction in FuzzCases.AnyReduction
        from mutation in FuzzCases.Mutation
        select Mutate(new OpCall(op, A(reduction), ("input", input), ("target", target), ("weight", weight), ("pos_weight", posWeight)), mutation);

    private static Gen<int[]> PosWeightShape(int[] shape) => shape.Length == 0
        ? Gen.Const(Array.Empty<int>())
        : Gen.Frequency((4, Gen.Const(new[] { shape[^1] })), (1, Gen.Const(Array.Empty<int>())), (1, FuzzCases.BroadcastShape(shape)));

    /// <summary>A deliberate structural mistake: a reshaped target, a target of the other dtype, a pos_weight or weight that does not broadcast.</summary>
    private static OpCall Mutate(OpCall call, int mutation)
    {
        if (mutation < 0)
        {
            return call;
        }
        var input = call.Required("input");
        var target = call.Required("target");
        var dtype = input.DType;
        var other = dtype == DType.Float32 ? DType.Float64 : DType.Float32;
        int[] shape = input.ShapeArray();
        int last = shape.Length == 0 ? 1 : shape[^1];
        return mutation switch
        {
            0 => call.With("target", target.Reshape(shape.Length == 1 ? [shape[0], 1] : [target.Numel])),
            1 => call.With("target", target.To(other)),
            2 when call.Op.Schema.Tensor("pos_weight") is not null => call.With("pos_weight", OpBackends.Ones(dtype, [last + 1])),
            _ => call.With("weight", OpBackends.Ones(dtype, [last + 1])),
        };
    }
}
