using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.multilabel_margin_loss(input, target, reduction)</c>: native
/// <see cref="Functional.MultilabelMarginLoss"/>; reference <c>aten::multilabel_margin_loss</c>.
/// </summary>
/// <remarks>
/// <para>Python's frontend (<c>multilabel_margin_loss</c> in torch/nn/functional.py) reads the reduction
/// (<c>_Reduction.get_enum</c>) and calls <c>torch._C._nn.multilabel_margin_loss</c>; the legacy
/// <c>size_average</c>/<c>reduce</c> arguments are not modelled. Each target row lists classes up to its first −1.</para>
/// <para>libtorch's kernel is a plain scalar loop with float64 accumulators, which the native port follows. Only
/// <c>input</c> is differentiable; <c>multilabel_margin_loss_backward</c> has no derivative of its own in libtorch, and
/// none is claimed here. An empty batch (0, C) with 'mean' or 'sum' returns uninitialised memory in libtorch: those cases
/// are <see cref="CaseSpec.ReferenceUndefined"/> (docs/reference-undefined.md).</para>
/// </remarks>
public sealed class MultilabelMarginLoss : OpDefinition
{
    private const long MatrixSeed = 5501, EdgeSeed = 5502, FindingSeed = 5504;

    /// <summary>Why an empty batch's 'mean'/'sum' has no reference value.</summary>
    internal const string EmptyBatchUndefined =
        "libtorch's multilabel_margin_loss_forward_out_cpu_template (LossMultiLabelMargin.cpp) resizes the 0-D 'mean'/'sum' output and returns before writing it when input.numel() == 0, so an empty batch (N = 0) gives uninitialised memory (its value changes from run to run)";

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("multilabel_margin_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target")],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.multilabel_margin_loss`, `nn.MultiLabelMarginLoss`", "`Functional.MultilabelMarginLoss(input, target, reduction)`, `MultiLabelMarginLoss`",
        "TorchScript `torch.multilabel_margin_loss`",
        "`reduction` / `reduction` / `reduction` (the functional form is spelled `multi_label_margin_loss`)");

    /// <inheritdoc/>
    public override bool HasClassDimension => true;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.MultilabelMarginLoss(call.Required("input"), call.Required("target"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.MultilabelMarginLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def multilabel_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
            return torch.multilabel_margin_loss(input, target, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) =>
        // torch/nn/functional.py multilabel_margin_loss: get_enum, then ATen.
        new("multilabel_margin_loss", [call.Required("input"), call.Required("target"), AtenReduction(call)]);

    /// <summary>(tag, input shape, target shape).</summary>
    private static readonly (string Tag, int[] Input, int[] Target)[] Shapes =
    [
        ("S", [], []),
        ("S.y=1", [], [1]),
        ("C5", [5], [5]),
        ("N4C5", [4, 5], [4, 5]),
        ("N4C1", [4, 1], [4, 1]),
        ("N6C7", [6, 7], [6, 7]),
        ("N0C5", [0, 5], [0, 5]),
    ];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var (tag, si, st) in Shapes)
                {
                    int c = si.Length == 0 ? 1 : si[^1];
                    // Random rows: entries in [−1, C), each row cut at its first −1 (repeats allowed); full rows: no −1.
                    foreach (bool full in new[] { false, true })
                    {
                        var spec = DistanceFamily.Case(this, dtype, $"{red.Name()}.{(full ? "y=full" : "y=rand")}.{tag}", MatrixSeed,
                            [InputSpec.Randn("input", si), InputSpec.Randint("target", full ? 0 : -1, c, st, DType.Int64)],
                            ArgSet.Of(("reduction", red.Name())));
                        yield return si.Length == 2 && si[0] == 0 && red != Reduction.None
                            ? spec with { ReferenceUndefined = EmptyBatchUndefined }
                            : spec with { ExpectBitIdentical = true };
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
                // z = 1 − x_j + x_i exactly 0 (no contribution), every class a target (nothing to compare), entries after −1
                // ignored, repeated targets, ±∞ and NaN.
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.edges.kink-and-cuts", EdgeSeed,
                    [I("input", V(dt, [4, 3], 1, 0, 0.5, 2, 1, 0, 0, 0, 0, 0.25, 0.5, 1)), I("target", L([4, 3], 0, -1, 2, 0, 1, 2, 1, 1, -1, -1, 0, 1))],
                    ArgSet.Of(("reduction", r.Name()))) with { ExpectBitIdentical = true };
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.edges.specials", EdgeSeed,
                    [I("input", V(dt, [3, 3], 1e30, -1e30, 0, Inf, 0, 1, NaN, 1, 2)), I("target", L([3, 3], 1, -1, 0, 0, -1, 0, 2, 0, -1))],
                    ArgSet.Of(("reduction", r.Name())));
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var y23 = L([2, 3], 0, 2, -1, 1, -1, 0);
        return
        [
            new("target-out-of-range", R, "argument #2 'target' is out of range", [I("input", x23), I("target", L([2, 3], 0, 3, -1, 1, -1, 0))]),
            new("target-below-minus-one", R, "argument #2 'target' is out of range", [I("input", x23), I("target", L([2, 3], 0, -1, -2, 1, -1, 0))]),
            new("target-size", R, "inconsistent target size: [2, 2] for input of size: [2, 3]", [I("input", x23), I("target", L([2, 2], 0, -1, 1, -1))]),
            new("input-3d", R, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [1, 2, 3]",
                [I("input", F([1, 2, 3], 0.5, -1, 2, 0.25, 0, -0.5)), I("target", L([1, 2, 3], 0, 2, -1, 1, -1, 0))]),
            new("no-classes", R, "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 0]",
                [InputSpec.Randn("input", [2, 0]), InputSpec.Randint("target", 0, 1, [2, 0], DType.Int64)]),
            new("int32-like-float-target", R, "expected scalar type Long but found Float", [I("input", x23), I("target", F([2, 3], 0, 2, -1, 1, -1, 0))]),
            new("int64-input", TorchErrorKind.NotImplementedError, "\"multilabel_margin_loss_forward_out_frame\" not implemented for 'Long'",
                [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", y23)]),
            new("reduction", TorchErrorKind.ValueError, "avg is not a valid value for reduction", [I("input", x23), I("target", y23)], ArgSet.Of(("reduction", "avg"))),
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
        from targetShape in rank == 0 ? Gen.OneOfConst(Array.Empty<int>(), new[] { 1 }) : Gen.Const(shape)
        from tv in Gen.Frequency((12, Gen.Int[-1, Math.Max(-1, classes - 1)].Select(i => (long)i)), (1, Gen.OneOfConst((long)classes, -2L))).Array[Tensor.NumelOf(targetShape)]
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from mutation in FuzzCases.Mutation
        select Mutate(new OpCall(this, ArgSet.Of(("reduction", reduction.Name())), ("input", input), ("target", Tensor.FromArray(tv, targetShape))), mutation);

    /// <summary>A deliberate structural mistake: a float target, a target of C + 1 columns, a 1-D target for a 2-D input.</summary>
    private static OpCall Mutate(OpCall call, int mutation)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        return mutation switch
        {
            0 => call.With("target", target.To(input.DType)),
            1 => call.With("target", Tensor.Zeros(DType.Int64, target.Dim == 0 ? [2] : [.. target.Shape[..^1], target.Shape[^1] + 1])),
            2 => call.With("target", Tensor.Zeros(DType.Int64, [target.Numel])),
            _ => call,
        };
    }
}
