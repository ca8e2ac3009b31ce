using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>
/// The disagreements the fuzzer found (issue 8, docs/fuzz-findings.md), pinned as permanent named cases once
/// fixed: each is the shrunk case the fuzzer printed (named after it where it is reproduced exactly) plus the closest
/// variants of the same cause. Names start with <c>fuzz.F&lt;n&gt;.</c>, the finding's number.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>F1: the gradient of nll_loss / cross_entropy with a (C) input and a (1) target. libtorch's backward checks
/// <c>input.size(0) == target.size(0)</c>, so it raises "size mismatch (got input: [C], target: [1])" unless C is 1
/// (the forward accepts it). TorchBackend used to abort the process there (exit 134).</item>
/// <item>F2: the gradient over an empty batch with a non-int64 class target: the forward's mean/sum return without
/// reading the target, the backward raises "expected scalar type Long but found …". Also an abort before.</item>
/// <item>F4: a 3-D or ≥5-D input with C = 0 and a non-empty target: <c>nll_loss_nd</c> views the empty input as
/// (N, C, 0, 0) and the target as (N, 1, numel / N), so nll_loss2d's size check fails first.</item>
/// <item>F5: cross_entropy with label_smoothing: an ignored row's zero gradient is multiplied by w[c] on its way back,
/// so an infinite or NaN weight turns the row's gradient into NaN.</item>
/// <item>F6a: binary_cross_entropy_with_logits with a 0-D float64 pos_weight next to a float32 target: the product
/// <c>pos_weight·target</c> is float32 (a 0-D tensor does not widen), and the backward works in place in it; likewise
/// a 0-D float64 weight is converted to float32 before <c>loss.mul_(weight)</c> on a float32 loss (found by a later
/// run, seed 1 case 11636: 5e-324 becomes 0, and ∞·0 is NaN). These
/// now agree bit for bit, but the catalogue keeps the bit-identical expectation for BCE and nll_loss; the native unit
/// tests pin the bits.</item>
/// </list>
/// <para>Every case runs with <c>grad</c> true, because the backward is where libtorch raises for F1 and F2. The error
/// cases do not set <see cref="CaseSpec.ExpectError"/> (the catalogue reserves it for <c>bad.</c> cases): both sides
/// must raise the same first line, and the comments give libtorch's text, observed through TorchBackend, which the
/// snapshots and the unit tests (Parity.Native.Tests and Parity.Torch.Tests, FuzzFindingTests) pin word for word.</para>
/// </remarks>
public static class FuzzFindingCases
{
    /// <summary>The seed of these cases' drawn inputs (only empty tensors are drawn, which consume nothing).</summary>
    private const long Seed = 18;

    private const double Inf = double.PositiveInfinity;

    /// <summary>The fuzz-finding cases.</summary>
    public static IReadOnlyList<CaseSpec> Cases { get; } = Build();

    private static Tensor F(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float32, v, shape);

    private static Tensor D(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float64, v, shape);

    private static Tensor L(int[] shape, params long[] v) => Tensor.FromArray(v, shape);

    private static InputSpec I(string name, Tensor t) => InputSpec.FromValues(name, t);

    private static CaseArgs A(Reduction r, long? ii = null, double? ls = null) =>
        new() { Reduction = r, ReductionWritten = true, IgnoreIndex = ii, LabelSmoothing = ls };

    // The catalogue marks exactly the binary_cross_entropy and nll_loss cases as expected bit-identical.
    private static CaseSpec Case(string name, LossOp op, DType dtype, IReadOnlyList<InputSpec> inputs, CaseArgs args) => new()
    {
        Name = $"fuzz.{name}", Op = op, DType = dtype, DTypeWritten = true, Seed = Seed, Inputs = inputs, Args = args,
        Grad = true, ExpectBitIdentical = op is LossOp.BinaryCrossEntropy or LossOp.NllLoss,
    };

    private static IReadOnlyList<CaseSpec> Build()
    {
        const LossOp Nll = LossOp.NllLoss, Ce = LossOp.CrossEntropy;
        const DType F32 = DType.Float32, F64 = DType.Float64;
        var list = new List<CaseSpec>();
        var reductions = new[] { Reduction.None, Reduction.Mean, Reduction.Sum };

        // F1: (C) input, (1) target.
        // libtorch: "size mismatch (got input: [3], target: [1])" for all but the one-class case.
        foreach (var op in new[] { Nll, Ce })
        {
            foreach (var r in reductions)
            {
                list.Add(Case($"F1.{op.Name()}.{r.Name()}", op, F32, [I("input", F([3], -1, -2, -3)), I("target", L([1], 2))], A(r)));
            }
            // The backward's size check comes before ignore_index is looked at.
            list.Add(Case($"F1.{op.Name()}.mean.ignored", op, F32, [I("input", F([3], -1, -2, -3)), I("target", L([1], -100))], A(Reduction.Mean)));
            list.Add(Case($"F1.{op.Name()}.sum.weight", op, F64,
                [I("input", D([3], -1, -2, -3)), I("target", L([1], 2)), I("weight", D([3], 1, 2, 3))], A(Reduction.Sum)));
        }
        // C = 1: input.size(0) == target.size(0), so the backward runs (both sides give −1).
        list.Add(Case("F1.nll_loss.sum.one-class", Nll, F32, [I("input", F([1], -1.5)), I("target", L([1], 0))], A(Reduction.Sum)));

        // F2: empty batch, non-int64 target, mean or sum.
        foreach (var op in new[] { Nll, Ce })
        {
            foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
            {
                list.Add(Case($"F2.{op.Name()}.float64.{r.Name()}", op, F64,
                    [InputSpec.Randn("input", [0, 3]), InputSpec.Randn("target", [0], dtype: F64)], A(r)));  // libtorch: expected scalar type Long but found Double
            }
            list.Add(Case($"F2.{op.Name()}.float32.spatial.mean", op, F32,
                [InputSpec.Randn("input", [0, 3, 2]), InputSpec.Randn("target", [0, 2], dtype: F32)], A(Reduction.Mean)));  // libtorch: expected scalar type Long but found Float
            list.Add(Case($"F2.{op.Name()}.float32.4d.sum", op, F32,
                [InputSpec.Randn("input", [0, 3, 2, 2]), InputSpec.Randn("target", [0, 2, 2], dtype: F32)], A(Reduction.Sum)));  // libtorch: expected scalar type Long but found Float
        }
        list.Add(Case("F2.cross_entropy.float64.ls=0.1.mean", Ce, F64,
            [InputSpec.Randn("input", [0, 3]), InputSpec.Randn("target", [0], dtype: F64)], A(Reduction.Mean, ls: 0.1)));  // libtorch: expected scalar type Long but found Double

        // F4: K-dim input with C = 0 and a non-empty target.
        list.Add(Case("F4.nll_loss.seed=1.case=5", Nll, F32,
            [InputSpec.Randn("input", [1, 0, 1], dtype: F32), I("target", L([1, 1], 0))], A(Reduction.Mean, ii: -100)));  // libtorch: size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]
        foreach (var op in new[] { Nll, Ce })
        {
            foreach (var r in reductions)
            {
                list.Add(Case($"F4.{op.Name()}.{r.Name()}.ignored", op, F32,
                    [InputSpec.Randn("input", [1, 0, 1]), I("target", L([1, 1], -100))], A(r)));  // libtorch: size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]
                list.Add(Case($"F4.{op.Name()}.{r.Name()}.out-of-range", op, F64,
                    [InputSpec.Randn("input", [2, 0, 3]), I("target", L([2, 3], 0, 1, 2, -1, 5, 0))], A(r)));  // libtorch: size mismatch (got input: [2, 0, 0, 0] , target: [2, 1, 3]
            }
            list.Add(Case($"F4.{op.Name()}.5d.float-target", op, F32,
                [InputSpec.Randn("input", [1, 0, 1, 1, 1]), I("target", F([1, 1, 1, 1], 1))], A(Reduction.Mean)));  // libtorch: size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]
            list.Add(Case($"F4.{op.Name()}.5d.sum", op, F32,
                [InputSpec.Randn("input", [2, 0, 1, 2, 1]), I("target", L([2, 1, 2, 1], 1, 0, 1, 0))], A(Reduction.Sum)));  // libtorch: size mismatch (got input: [2, 0, 0, 0] , target: [2, 1, 2]
        }
        list.Add(Case("F4.cross_entropy.none.ls=0.3.ignored", Ce, F32,
            [InputSpec.Randn("input", [1, 0, 1]), I("target", L([1, 1], -100))], A(Reduction.None, ls: 0.3)));  // libtorch: size mismatch (got input: [1, 0, 0, 0] , target: [1, 1, 1]

        // F5: label_smoothing, ignored rows, non-finite weights.
        list.Add(Case("F5.cross_entropy.seed=2.case=208", Ce, F32,
            [I("input", F([1, 2], 0, 0)), I("target", L([1], -100)), I("weight", F([2], Inf, 0))], A(Reduction.Sum, ii: -100, ls: 1)));
        list.Add(Case("F5.cross_entropy.spatial.ii=6.inf-weight", Ce, F32,
            [I("input", F([1, 7, 1], 0, 0, 0, 0, 0, 0, 0)), I("target", L([1, 1], 6)), I("weight", F([7], 1, 1, 1, 1, 1, Inf, 1))],
            A(Reduction.Sum, ii: 6, ls: 1.77e-45)));
        list.Add(Case("F5.cross_entropy.float64.nan-weight.mean", Ce, F64,
            [I("input", D([1, 2], 0.5, -1)), I("target", L([1], -100)), I("weight", D([2], double.NaN, 0))], A(Reduction.Mean, ls: 0.5)));
        foreach (var r in reductions)
        {
            // One ignored row (its gradient NaN from 0·∞), one ordinary row (its gradient ±∞/NaN from the weight itself).
            list.Add(Case($"F5.cross_entropy.{r.Name()}.mixed-rows", Ce, F64,
                [I("input", D([2, 2], 0, 0, 1, 2)), I("target", L([2], -100, 1)), I("weight", D([2], -Inf, 1))], A(r, ls: 0.5)));
        }

        // F6a: 0-D float64 pos_weight next to a float32 target.
        list.Add(Case("F6a.binary_cross_entropy_with_logits.seed=2.case=9155", LossOp.BinaryCrossEntropyWithLogits, F64,
            [
                I("input", D([1, 1, 1, 3], 0, 0, 0)), I("target", F([1, 1, 1, 3], 1, 0, 0.5)),
                I("weight", D([1, 1, 1, 3], 0, 1, 1e30)), I("pos_weight", D([], 1.2)),
            ], A(Reduction.Mean)));
        list.Add(Case("F6a.binary_cross_entropy_with_logits.input-float32.pos_weight-0d-float64", LossOp.BinaryCrossEntropyWithLogits, F32,
            [
                I("input", F([2, 3], 0.3, -1.7, 2.9, 0.1, 5.0, -0.4)), I("target", F([2, 3], 1, 0, 0.3, 0.7, 0.1, 1)),
                I("pos_weight", D([], 1.3)),
            ], A(Reduction.Mean)));
        list.Add(Case("F6a.binary_cross_entropy_with_logits.float32-input.float64-target", LossOp.BinaryCrossEntropyWithLogits, F32,
            [I("input", F([2, 3], 0.3, -1.7, 2.9, 0.1, 5.0, -0.4)), I("target", D([2, 3], 1, 0, 0.3, 0.7, 0.1, 1))],
            A(Reduction.Mean)));
        list.Add(Case("F6a.binary_cross_entropy_with_logits.seed=1.case=11636", LossOp.BinaryCrossEntropyWithLogits, F64,
            [
                I("input", D([1, 1, 1], 0)), I("target", F([1, 1, 1], 0.5)), I("weight", D([], 5e-324)), I("pos_weight", D([1], Inf)),
            ], A(Reduction.Mean)));
        list.Add(Case("F6a.binary_cross_entropy_with_logits.weight-0d-float64", LossOp.BinaryCrossEntropyWithLogits, F32,
            [I("input", F([2], 0.5, 0)), I("target", F([2], 0, 1)), I("weight", D([], 0.3))], A(Reduction.None)));
        return list;
    }
}
