using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.l1_loss(input, target, reduction, weight)</c>: native <see cref="Functional.L1Loss"/>;
/// reference <c>aten::l1_loss</c>, or Python's weighted composition, after Python's steps.
/// </summary>
/// <remarks>
/// Python's frontend (<c>l1_loss</c> in torch/nn/functional.py) warns when <c>target.size() != input.size()</c> and
/// broadcasts the two. Without a weight it calls ATen with <c>_Reduction.get_enum(reduction)</c> (a ValueError after a
/// broadcast error). With one it raises "Weights and input must have the same size." unless the weight has the
/// <em>un-broadcast</em> input's size, computes <c>abs(input − target) · weight</c> itself, and reduces with
/// <c>sum</c>, or <c>sum / sum(weight)</c> for 'mean'; any other reduction is its own ValueError ("Invalid reduction
/// mode …"). All three tensors are differentiable. The legacy <c>size_average</c>/<c>reduce</c> are not modelled.
/// </remarks>
public sealed class L1Loss : OpDefinition
{
    private const long MatrixSeed = 7301, EdgeSeed = 7302;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("l1_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("weight", Required: false, Differentiable: true)],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.l1_loss`, `nn.L1Loss`", "`Functional.L1Loss(input, target, reduction, weight)`, `L1Loss`",
        "TorchScript `torch.l1_loss` after Python's size warning and `broadcast_tensors`; with a weight, Python's `abs(x − y)·w` and Σ/Σw",
        "`reduction`, `weight` (functional only) / both / `reduction` only");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call)
    {
        var (input, target, weight) = (call.Required("input"), call.Required("target"), call["weight"]);
        if (SmoothL1Loss.InvalidReduction(call) is { } bad)
        {
            // Python's steps before its reduction check (warning, broadcast, the weight's size) run first.
            _ = Functional.L1Loss(input, target, Reduction.None, weight);
            throw weight is null ? SmoothL1Loss.NotAValidReduction(bad) : InvalidMode(bad);
        }
        return Functional.L1Loss(input, target, call.Reduction, weight);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var g = SmoothL1Loss.Quiet(() => Functional.L1LossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction, call["weight"]));
        return Pick(wrt, ("input", () => g.Input), ("target", () => g.Target), ("weight", () => g.Weight!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def l1_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int) -> Tensor:
            expanded = torch.broadcast_tensors(input, target)
            if weight is None:
                return torch.l1_loss(expanded[0], expanded[1], reduction)
            loss = torch.abs(expanded[0] - expanded[1]) * weight
            if reduction == 0:
                return loss
            if reduction == 2:
                return torch.sum(loss)
            return torch.sum(loss) / torch.sum(weight)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => WeightedReference(call, "l1_loss", meanDividesByWeights: true);

    // ---- Python-frontend pieces shared by l1_loss, mse_loss and huber_loss -----------------------------------------------

    /// <summary>The weighted paths' ValueError for a reduction other than none, mean, sum.</summary>
    internal static TorchException InvalidMode(string reduction) =>
        new(TorchErrorKind.ValueError, $"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.");

    /// <summary>
    /// The steps of Python's l1_loss/mse_loss (torch/nn/functional.py): the size warning, broadcast_tensors (libtorch
    /// raises its error), then without a weight get_enum, with one the weight's size check and the reduction's.
    /// </summary>
    internal static ReferenceCall WeightedReference(OpCall call, string function, bool meanDividesByWeights, double? delta = null)
    {
        var (input, target, weight) = (call.Required("input"), call.Required("target"), call["weight"]);
        SmoothL1Loss.WarnTargetSize(input, target);
        string? bad = SmoothL1Loss.InvalidReduction(call);
        object?[] Args(long reduction) => delta is { } d ? [input, target, weight, reduction, d] : [input, target, weight, reduction];
        if (!SmoothL1Loss.Broadcastable(input.Shape, target.Shape))
        {
            // broadcast_tensors raises first.
            return new(function, Args(0));
        }
        if (weight is null)
        {
            return bad is null ? new(function, Args(AtenReduction(call))) : throw SmoothL1Loss.NotAValidReduction(bad);
        }
        if (!weight.Shape.SequenceEqual(input.Shape))
        {
            throw new TorchException(TorchErrorKind.ValueError, "Weights and input must have the same size.");
        }
        if (bad is not null)
        {
            // huber_loss (meanDividesByWeights false) calls ATen with 'none' before it looks at the reduction: a bad delta
            // raises there first.
            if (!meanDividesByWeights && delta is { } d && !(d > 0))
            {
                return new(function, Args(0));
            }
            throw InvalidMode(bad);
        }
        return new(function, Args(AtenReduction(call)));
    }

    /// <summary>The matrix of l1/mse/huber: dtype × reduction × weight (and the extra arguments) × shape.</summary>
    internal static IEnumerable<CaseSpec> RegressionMatrix(OpDefinition op, long seed, IReadOnlyList<(string Tag, bool Weighted, ArgSet Extra)> variants)
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var (tag, weighted, extra) in variants)
                {
                    foreach (var s in SmoothL1Loss.RegressionShapes)
                    {
                        var inputs = new List<InputSpec> { InputSpec.Randn("input", s.Input), InputSpec.Randn("target", s.Target) };
                        if (weighted)
                        {
                            inputs.Add(InputSpec.Rand("weight", s.Input));
                        }
                        var args = ArgSet.Of(("reduction", red.Name()));
                        foreach (var kv in extra.Items)
                        {
                            args = args.With(kv.Key, kv.Value);
                        }
                        yield return new CaseSpec
                        {
                            Name = $"{op.Name}.{dtype.Name()}.{red.Name()}.{tag}.{s.Tag}", Op = op, DType = dtype, DTypeWritten = true, Seed = seed,
                            Inputs = inputs, Args = args, Grad = true,
                        };
                    }
                }
            }
        }
    }

    /// <summary>Edge values of l1/mse/huber (the extra arguments added to each): zeros, ties, ±∞, NaN, huge and tiny values, weights with zeros, negatives and NaN.</summary>
    internal static IEnumerable<CaseSpec> RegressionEdges(OpDefinition op, long seed, ArgSet extra, string extraTag)
    {
        const double Inf = double.PositiveInfinity, NaN = double.NaN;
        foreach (var dt in FloatTypes)
        {
            string d = dt.Name();
            ArgSet Args(string r)
            {
                var a = ArgSet.Of(("reduction", r));
                foreach (var kv in extra.Items)
                {
                    a = a.With(kv.Key, kv.Value);
                }
                return a;
            }
            CaseSpec Case(string name, IReadOnlyList<InputSpec> inputs, ArgSet args) => new()
            {
                Name = $"{op.Name}.{d}.{name}", Op = op, DType = dt, DTypeWritten = true, Seed = seed, Inputs = inputs, Args = args, Grad = true,
            };
            var x = V(dt, [10], 0.5, -0.5, 1, 0, Inf, -Inf, NaN, 1e30, 1e-30, -0.0);
            var y = V(dt, [10], 0, 0, 1, -0.0, 0, -Inf, 0, -1e30, -1e-30, 0);
            var w = V(dt, [10], 1, 0, 2, -1, 0.5, 1, NaN, 1e-30, 1e30, 3);
            foreach (var r in CaseKit.Reductions)
            {
                string rn = r.Name();
                yield return Case($"{rn}.nw{extraTag}.edges.values", [I("input", x), I("target", y)], Args(rn));
                yield return Case($"{rn}.w{extraTag}.edges.values", [I("input", x), I("target", y), I("weight", w)], Args(rn));
                // An empty weighted 'mean' (0 / 0), and weights summing to zero.
                yield return Case($"{rn}.w{extraTag}.edges.empty", [InputSpec.Randn("input", [0, 3]), InputSpec.Randn("target", [0, 3]), InputSpec.Rand("weight", [0, 3])], Args(rn));
                yield return Case($"{rn}.w{extraTag}.edges.zero-sum-weight", [InputSpec.Randn("input", [4]), InputSpec.Randn("target", [4]), I("weight", V(dt, [4], 1, -1, 2, -2))], Args(rn));
                // The weight has the un-broadcast input's size; the loss has the broadcast one.
                yield return Case($"{rn}.w{extraTag}.edges.broadcast", [InputSpec.Randn("input", [3, 1]), InputSpec.Randn("target", [1, 4]), InputSpec.Rand("weight", [3, 1])], Args(rn));
            }
            var other = dt == DType.Float32 ? DType.Float64 : DType.Float32;
            yield return Case($"mean.nw{extraTag}.edges.target-{other.Name()}", [InputSpec.Randn("input", [3, 4]), InputSpec.Randn("target", [3, 4], dtype: other)], Args("mean"));
            yield return Case($"sum.w{extraTag}.edges.weight-{other.Name()}", [InputSpec.Randn("input", [3, 4]), InputSpec.Randn("target", [4]), InputSpec.Rand("weight", [3, 4], dtype: other)], Args("sum"));
        }
    }

    /// <summary>The fuzz generator of l1/mse/huber: broadcasting pairs, optional weights (sometimes of the wrong size), adversarial values.</summary>
    internal static Gen<OpCall> RegressionFuzz(OpDefinition op, FuzzBounds bounds, Gen<ArgSet> extra) =>
        from dtype in FuzzCases.FloatType
        from shapes in SmoothL1Loss.RegressionShapePair(bounds)
        from input in FuzzCases.Values(dtype, shapes.Input, ValueKind.Logit)
        from target in FuzzCases.Values(dtype, shapes.Target, ValueKind.Logit)
        from weight in FuzzCases.Optional(FuzzCases.Values(dtype, shapes.Input, ValueKind.Weight))
        from reduction in FuzzCases.AnyReduction
        from args in extra
        from mutation in FuzzCases.Mutation
        from wrongWeight in Gen.Int[0, 9]
        select Mutate(new OpCall(op, args.With("reduction", reduction.Name()), ("input", input), ("target", target), ("weight", weight)), mutation, wrongWeight == 0);

    private static OpCall Mutate(OpCall call, int mutation, bool wrongWeight)
    {
        if (wrongWeight && call["weight"] is { } w)
        {
            // The size check is against the un-broadcast input: a weight of the target's (or broadcast) size fails it.
            return call.With("weight", OpBackends.Ones(w.DType, [.. w.ShapeArray(), 2]));
        }
        return SmoothL1Loss.RegressionMutate(call, mutation);
    }

    // ---- catalogue -------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix() =>
        RegressionMatrix(this, MatrixSeed, [("nw", false, ArgSet.Empty), ("w", true, ArgSet.Empty)]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        foreach (var c in RegressionEdges(this, EdgeSeed, ArgSet.Empty, ""))
        {
            yield return c;
        }
        // Two int64 tensors: |x − y| in int64 ('none' and 'sum'; nothing to differentiate).
        foreach (string rn in new[] { "none", "sum" })
        {
            yield return new CaseSpec
            {
                Name = $"l1_loss.int64.{rn}.nw.edges.int64", Op = this, DType = DType.Float32, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = [I("input", L([4], 3, -2, 7, 0)), I("target", L([4], 1, 5, 7, -9))], Args = ArgSet.Of(("reduction", rn)),
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs() => RegressionBadInputs(this).Concat(
    [
        new("int64.mean", TorchErrorKind.RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
            [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
    ]);

    /// <summary>The bad inputs l1/mse/huber share (the extra arguments added to each).</summary>
    internal static IEnumerable<BadInput> RegressionBadInputs(OpDefinition op, ArgSet? extra = null)
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var x = F([3], 0.5, -1, 2);
        var y = F([3], 0, 1, 0.25);
        var w = F([3], 1, 2, 0.5);
        ArgSet Args(string? r)
        {
            var a = r is null ? ArgSet.Empty : ArgSet.Of(("reduction", r));
            foreach (var kv in (extra ?? ArgSet.Empty).Items)
            {
                a = a.With(kv.Key, kv.Value);
            }
            return a;
        }
        return
        [
            new("not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                [I("input", x), I("target", F([4], 0, 1, 2, 3))], Args(null)),
            new("reduction", V, "bad is not a valid value for reduction", [I("input", x), I("target", y)], Args("bad")),
            new("reduction.weighted", V, "Invalid reduction mode: bad. Expected one of 'none', 'mean', 'sum'.", [I("input", x), I("target", y), I("weight", w)], Args("bad")),
            // Python broadcasts before it reads the reduction.
            new("reduction.not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
                [I("input", x), I("target", F([2], 0, 1))], Args("batchmean")),
            new("weight-size", V, "Weights and input must have the same size.", [I("input", x), I("target", y), I("weight", F([1], 2))], Args(null)),
            // The weight is checked against the un-broadcast input, so one of the broadcast size fails.
            new("weight-size.broadcast", V, "Weights and input must have the same size.",
                [I("input", F([3, 1], 0.5, -1, 2)), I("target", F([1, 2], 0, 1)), I("weight", F([3, 2], 1, 1, 1, 1, 1, 1))], Args("sum")),
            new("weight-size.before-reduction", V, "Weights and input must have the same size.",
                [I("input", x), I("target", y), I("weight", F([2], 1, 2))], Args("bad")),
            new("int64-target.grad", R, "only Tensors of floating point and complex dtype can require gradients",
                [I("input", x), I("target", L([3], 0, 1, 2))], Args(null)) { Grad = true, GradOnly = ["target"] },
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => RegressionFuzz(this, bounds, Gen.Const(ArgSet.Empty));
}
