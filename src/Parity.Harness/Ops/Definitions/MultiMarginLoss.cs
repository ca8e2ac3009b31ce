using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.multi_margin_loss(input, target, p, margin, weight, reduction)</c>: native
/// <see cref="Functional.MultiMarginLoss"/>; reference <c>aten::multi_margin_loss</c> after Python's checks.
/// </summary>
/// <remarks>
/// <para>Python's frontend (<c>multi_margin_loss</c> in torch/nn/functional.py) reads the reduction
/// (<c>_Reduction.get_enum</c>), then raises <c>ValueError("only p == 1 and p == 2 supported")</c> for any other p (so
/// p = 1.5 never reaches ATen, which would truncate it to 1 with <c>toInt()</c>) and
/// <c>ValueError("weight must be one-dimensional")</c>, then calls ATen. The legacy <c>size_average</c>/<c>reduce</c>
/// arguments are not modelled. <c>p</c> is a float here so that 1.5 can be written.</para>
/// <para>libtorch's kernel is a plain scalar loop with float64 accumulation of the samples, which the native port
/// follows. Only <c>input</c> is differentiable; its backward (<c>multi_margin_loss_backward</c>) has no derivative
/// of its own in libtorch, and none is claimed here. An empty batch (0, C) with 'mean' or 'sum' returns uninitialised
/// memory in libtorch: those cases are <see cref="CaseSpec.ReferenceUndefined"/> (docs/reference-undefined.md).</para>
/// </remarks>
public sealed class MultiMarginLoss : OpDefinition
{
    private const long MatrixSeed = 5401, EdgeSeed = 5402, FindingSeed = 5404;

    /// <summary>Why an empty batch's 'mean'/'sum' has no reference value.</summary>
    internal const string EmptyBatchUndefined =
        "libtorch's multi_margin_loss_out_cpu_template (LossMultiMargin.cpp) resizes the 0-D 'mean'/'sum' output and returns before writing it when input.numel() == 0, so an empty batch (N = 0) gives uninitialised memory (its value changes from run to run)";

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("multi_margin_loss",
        [
            new TensorParam("input", Differentiable: true), new TensorParam("target"),
            new TensorParam("weight", Required: false, NoGradError: "The function 'multi_margin_loss' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True."),
        ],
        [new ScalarParam("p", ArgKind.Float, ArgValue.Of(1.0)), new ScalarParam("margin", ArgKind.Float, ArgValue.Of(1.0)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.multi_margin_loss`, `nn.MultiMarginLoss`", "`Functional.MultiMarginLoss(input, target, p, margin, weight, reduction)`, `MultiMarginLoss`",
        "TorchScript `torch.multi_margin_loss` after Python's p and weight checks",
        "`p`, `margin`, `weight`, `reduction` / all / all (`p` an int; the C++ frontend's p and weight checks raise RuntimeError-type errors)");

    /// <inheritdoc/>
    public override bool HasClassDimension => true;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.MultiMarginLoss(call.Required("input"), call.Required("target"), call.Float("p"), call.Float("margin"), call["weight"], call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.MultiMarginLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Float("p"), call.Float("margin"), call["weight"], call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def multi_margin_loss(input: Tensor, target: Tensor, p: int, margin: float, weight: Optional[Tensor], reduction: int) -> Tensor:
            return torch.multi_margin_loss(input, target, p, margin, weight, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        // torch/nn/functional.py multi_margin_loss: get_enum, the p check, the weight's rank, then ATen.
        long reduction = AtenReduction(call);
        double p = call.Float("p");
        if (p != 1 && p != 2)
        {
            throw new TorchException(TorchErrorKind.ValueError, "only p == 1 and p == 2 supported");
        }
        if (call["weight"] is { } w && w.Dim != 1)
        {
            throw new TorchException(TorchErrorKind.ValueError, "weight must be one-dimensional");
        }
        return new("multi_margin_loss", [call.Required("input"), call.Required("target"), (long)p, call.Float("margin"), call["weight"], reduction]);
    }

    /// <summary>(tag, input shape, target shape): 0-D, unbatched with a 0-D or (1) target, a batch, one class, an empty batch.</summary>
    private static readonly (string Tag, int[] Input, int[] Target)[] Shapes =
    [
        ("S", [], []),
        ("C5", [5], []),
        ("C5.y=1", [5], [1]),
        ("N4C5", [4, 5], [4]),
        ("N4C1", [4, 1], [4]),
        ("N0C5", [0, 5], [0]),
    ];

    private static readonly double[] Ps = [1.0, 2.0];
    private static readonly double?[] Margins = [null, 0.5, 0.0];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        // dtype × reduction × shape, each with a pairwise covering design of p × margin × weight.
        var rows = Pairwise(Ps.Length, Margins.Length, 2);
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var (tag, si, st) in Shapes)
                {
                    int c = si.Length == 0 ? 1 : si[^1];
                    foreach (int[] row in rows)
                    {
                        double p = Ps[row[0]];
                        double? margin = Margins[row[1]];
                        bool w = row[2] == 1;
                        var inputs = new List<InputSpec> { InputSpec.Randn("input", si), InputSpec.Randint("target", 0, c, st, DType.Int64) };
                        if (w)
                        {
                            inputs.Add(InputSpec.Rand("weight", [c]));
                        }
                        var spec = DistanceFamily.Case(this, dtype, $"{red.Name()}.p={DistanceFamily.Tag(p)}.margin={(margin is { } m ? DistanceFamily.Tag(m) : "def")}.{(w ? "w" : "nw")}.{tag}",
                            MatrixSeed, inputs, ArgSet.Of(("p", p), ("margin", margin), ("reduction", red.Name())));
                        yield return Finish(spec, si, red);
                    }
                }
            }
        }
    }

    /// <summary>Marks the case bit-identical (libtorch's scalar loop), or reference-undefined for an empty batch's 'mean'/'sum'.</summary>
    private static CaseSpec Finish(CaseSpec spec, int[] inputShape, Reduction red) =>
        inputShape.Length == 2 && inputShape[0] == 0 && red != Reduction.None
            ? spec with { ReferenceUndefined = EmptyBatchUndefined }
            : spec with { ExpectBitIdentical = true };

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        const double Inf = double.PositiveInfinity, NaN = double.NaN;
        foreach (var dt in FloatTypes)
        {
            foreach (var r in CaseKit.Reductions)
            {
                foreach (double p in Ps)
                {
                    string tag = $"{r.Name()}.p={DistanceFamily.Tag(p)}";
                    // z = margin − x_y + x_j exactly 0 (no contribution, no gradient), ties, huge scores, ±∞ and NaN, zero and negative weights.
                    yield return DistanceFamily.Case(this, dt, $"{tag}.edges.kink", EdgeSeed,
                        [I("input", V(dt, [3, 3], 1, 0, 0, 0, 1, 2, 0.5, 0.5, 0.5)), I("target", L([3], 0, 2, 1))],
                        ArgSet.Of(("p", p), ("reduction", r.Name()))) with { ExpectBitIdentical = true };
                    yield return DistanceFamily.Case(this, dt, $"{tag}.edges.specials", EdgeSeed,
                        [I("input", V(dt, [3, 3], 1e30, -1e30, 0, Inf, 0, 1, NaN, 1, 2)), I("target", L([3], 1, 0, 2)), I("weight", V(dt, [3], 0, -1, 2.5))],
                        ArgSet.Of(("p", p), ("reduction", r.Name())));
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var y2 = L([2], 0, 2);
        return
        [
            new("p=1.5", V, "only p == 1 and p == 2 supported", [I("input", x23), I("target", y2)], ArgSet.Of(("p", 1.5))),
            new("p=3", V, "only p == 1 and p == 2 supported", [I("input", x23), I("target", y2)], ArgSet.Of(("p", 3.0))),
            new("weight-2d", V, "weight must be one-dimensional", [I("input", x23), I("target", y2), I("weight", F([1, 3], 1, 2, 3))]),
            new("reduction-before-p", V, "elementwise is not a valid value for reduction", [I("input", x23), I("target", y2)],
                ArgSet.Of(("p", 3.0), ("reduction", "elementwise"))),
            new("target-out-of-range", R, "target out of range", [I("input", x23), I("target", L([2], 0, 3))]),
            new("target-negative", R, "target out of range", [I("input", x23), I("target", L([2], -1, 0))]),
            new("target-size", R, "inconsistent target size, expected 2 but got [3]", [I("input", x23), I("target", L([3], 0, 1, 2))]),
            new("weight-size", R, "inconsistent weight size, expected 3 but got [4]", [I("input", x23), I("target", y2), I("weight", F([4], 1, 2, 3, 4))]),
            new("input-3d", R, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 3, 1]",
                [I("input", F([2, 3, 1], 1, 2, 3, 4, 5, 6)), I("target", y2)]),
            new("no-classes", R, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 0]",
                [InputSpec.Randn("input", [2, 0]), I("target", y2)]),
            new("float-target", R, "expected scalar type Long but found Float", [I("input", x23), I("target", F([2], 0, 2))]),
            new("float64-weight", R, "expected scalar type Float but found Double", [I("input", x23), I("target", y2), I("weight", D([3], 1, 2, 3))]),
            new("int64-input", TorchErrorKind.NotImplementedError, "\"multi_margin_loss_cpu_kernel\" not implemented for 'Long'",
                [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", y2)]),
            new("weight.grad", R, "The function 'multi_margin_loss' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.",
                [I("input", x23), I("target", y2), I("weight", F([3], 1, 2, 3))]) { Grad = true, GradOnly = ["input", "weight"] },
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from rank in Gen.Frequency((6, Gen.Const(2)), (2, Gen.Const(1)), (1, Gen.Const(0)))
        from n in FuzzCases.Dim(bounds)
        from c in Gen.Frequency((8, Gen.Int[1, Math.Max(1, bounds.MaxDim)]), (1, Gen.Const(0)))
        from reduction in FuzzCases.AnyReduction
        // An empty batch's 'mean'/'sum' is uninitialised memory in libtorch: not drawn (the matrix marks it undefined).
        let batch = rank == 2 && n == 0 && reduction != Reduction.None ? 1 : n
        let shape = rank == 2 ? new[] { batch, c } : rank == 1 ? new[] { c } : Array.Empty<int>()
        let classes = rank == 0 ? 1 : c
        let frames = rank == 2 ? batch : 1
        from targetShape in rank == 2 ? Gen.Const(new[] { frames }) : Gen.OneOfConst(Array.Empty<int>(), new[] { 1 })
        from tv in Gen.Frequency((14, Gen.Int[0, Math.Max(0, classes - 1)].Select(i => (long)i)), (1, Gen.OneOfConst((long)classes, -1L))).Array[Tensor.NumelOf(targetShape)]
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from weight in FuzzCases.Optional(FuzzCases.Values(dtype, [classes], ValueKind.Weight))
        from p in Gen.Frequency((8, Gen.OneOfConst(1.0, 2.0)), (1, Gen.OneOfConst(1.5, 3.0, 0.0, -1.0, double.NaN)))
        from margin in DistanceFamily.FloatArg(Gen.Double[-2, 3], 1.0, 0.0, -1.0, 1e30, double.NaN, double.PositiveInfinity)
        from mutation in FuzzCases.Mutation
        select Mutate(new OpCall(this, ArgSet.Of(("p", p), ("margin", margin), ("reduction", reduction.Name())),
            ("input", input), ("target", Tensor.FromArray(tv, targetShape)), ("weight", weight)), mutation);

    /// <summary>A deliberate structural mistake: a float target, a weight of C + 1, a 2-D weight, a target of N + 1.</summary>
    private static OpCall Mutate(OpCall call, int mutation)
    {
        var input = call.Required("input");
        int c = input.Dim == 0 ? 1 : input.Shape[^1];
        var target = call.Required("target");
        return mutation switch
        {
            0 => call.With("target", target.To(input.DType)),
            1 => call.With("weight", OpBackends.Ones(input.DType, [c + 1])),
            2 => call.With("weight", OpBackends.Ones(input.DType, [1, c])),
            3 => call.With("target", Tensor.Zeros(DType.Int64, [target.Numel + 1])),
            _ => call,
        };
    }
}
