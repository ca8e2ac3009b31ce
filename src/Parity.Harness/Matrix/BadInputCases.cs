using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>
/// Inputs libtorch rejects: both sides must raise, with the same first line. Where PyTorch's text is fixed the case
/// carries it (<see cref="CaseSpec.ExpectError"/>) and libtorch's actual message is checked against it too; an empty
/// expectation means "any error, equal on both sides".
/// </summary>
/// <remarks>
/// The texts come from ../shared/notes/pytorch-cpu-semantics.md §3 and the torchops helper's verified table
/// (parity-tests/Parity.Torch.Tests/Ops/BadInputs.cs): Python PyTorch is the reference, so the BCE size checks carry
/// Python's <c>torch.Size([…])</c> spelling rather than TorchSharp's C++ frontend text.
/// </remarks>
public static class BadInputCases
{
    /// <summary>The bad-input cases.</summary>
    public static IReadOnlyList<CaseSpec> Cases { get; } = Build();

    private static Tensor F(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float32, v, shape);

    private static Tensor D(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float64, v, shape);

    private static Tensor L(int[] shape, params long[] v) => Tensor.FromArray(v, shape);

    private static InputSpec I(string name, Tensor t) => InputSpec.FromValues(name, t);

    private static CaseSpec Bad(string name, LossOp op, string expect, IReadOnlyList<InputSpec> inputs, CaseArgs? args = null) => new()
    {
        Name = $"bad.{op.Name()}.{name}", Op = op, DType = inputs[0].EffectiveDType(DType.Float32) == DType.Float64 ? DType.Float64 : DType.Float32, DTypeWritten = true, Seed = Seeds.BadInputs,
        Inputs = inputs, Args = args ?? new CaseArgs(), Grad = false, ExpectError = expect,
    };

    private static CaseArgs A(Reduction r = Reduction.Mean, long? ii = null, double? ls = null, int? dim = null) =>
        new() { Reduction = r, ReductionWritten = true, IgnoreIndex = ii, LabelSmoothing = ls, Dim = dim };

    private static IReadOnlyList<CaseSpec> Build()
    {
        const LossOp Bce = LossOp.BinaryCrossEntropy, Bcel = LossOp.BinaryCrossEntropyWithLogits, Nll = LossOp.NllLoss, Ce = LossOp.CrossEntropy;
        var p22 = F([2, 2], 0.1, 0.2, 0.3, 0.4);
        var y22 = F([2, 2], 0, 1, 1, 0);
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var lp23 = F([2, 3], -1.2, -0.9, -1.3, -0.4, -2.1, -1.6);
        var lp23d = D([2, 3], -1.2, -0.9, -1.3, -0.4, -2.1, -1.6);
        var list = new List<CaseSpec>
        {
            // binary_cross_entropy
            Bad("input-above-one", Bce, "all elements of input should be between 0 and 1", [I("input", F([2], 2.0, 0.5)), I("target", F([2], 1, 0))]),
            Bad("input-negative", Bce, "all elements of input should be between 0 and 1", [I("input", F([2], -0.1, 0.5)), I("target", F([2], 1, 0))]),
            Bad("input-nan", Bce, "all elements of input should be between 0 and 1", [I("input", F([2], double.NaN, 0.5)), I("target", F([2], 1, 0))]),
            Bad("input-above-one.float64", Bce, "all elements of input should be between 0 and 1", [I("input", D([2], 1.5, 0.5)), I("target", D([2], 1, 0))]),
            Bad("target-above-one", Bce, "all elements of target should be between 0 and 1", [I("input", F([2], 0.3, 0.5)), I("target", F([2], 1.5, 0))]),
            Bad("target-negative.float64", Bce, "all elements of target should be between 0 and 1", [I("input", D([2], 0.3, 0.5)), I("target", D([2], -1, 0))]),
            Bad("target-size", Bce, "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.",
                [I("input", p22), I("target", F([4], 0, 1, 1, 0))]),
            Bad("weight-not-broadcastable", Bce, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1",
                [I("input", p22), I("target", y22), I("weight", F([3], 1, 2, 3))]),
            Bad("weight-larger", Bce, "output with shape [2, 2] doesn't match the broadcast shape [2, 2, 2]",
                [I("input", p22), I("target", y22), I("weight", F([2, 2, 2], 1, 1, 1, 1, 1, 1, 1, 1))]),
            Bad("int64", Bce, "\"binary_cross_entropy\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
            Bad("float64-target", Bce, "Found dtype Double but expected Float", [I("input", F([2], 0.3, 0.5)), I("target", D([2], 1, 0))]),

            Bad("target-nan", Bce, "all elements of target should be between 0 and 1", [I("input", F([2], 0.5, 0.5)), I("target", F([2], 0, double.NaN))]),
            Bad("target-size-scalar", Bce, "Using a target size (torch.Size([])) that is different to the input size (torch.Size([2])) is deprecated. Please ensure they have the same size.",
                [I("input", F([2], 0.125, 0.25)), I("target", F([], 0.5))]),
            Bad("int64-target", Bce, "Found dtype Long but expected Float", [I("input", F([2], 0.3, 0.5)), I("target", L([2], 1, 0))]),

            // binary_cross_entropy_with_logits
            Bad("target-size", Bcel, "Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))", [I("input", x23), I("target", F([6], 0, 1, 0, 1, 0, 1))]),
            Bad("int64-target", Bcel, "result type Float can't be cast to the desired output type Long", [I("input", x23), I("target", L([2, 3], 0, 1, 0, 1, 0, 1))]),
            Bad("pos-weight-not-broadcastable", Bcel, "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1", [I("input", x23), I("target", F([2, 3], 0, 1, 0, 1, 0, 1)), I("pos_weight", F([4], 1, 2, 3, 4))]),
            Bad("weight-not-broadcastable", Bcel, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", [I("input", x23), I("target", F([2, 3], 0, 1, 0, 1, 0, 1)), I("weight", F([4], 1, 2, 3, 4))]),

            // nll_loss
            Bad("target-out-of-bounds", Nll, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 0, 3))]),
            Bad("target-negative", Nll, "Target -1 is out of bounds.", [I("input", lp23), I("target", L([2], -1, 0))]),
            Bad("target-out-of-bounds.sum.w", Nll, "Target 5 is out of bounds.", [I("input", lp23), I("target", L([2], 5, 0)), I("weight", F([3], 1, 2, 3))], A(Reduction.Sum)),
            Bad("target-out-of-bounds.none", Nll, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 3, 0))], A(Reduction.None)),
            Bad("target-out-of-bounds.ii=1", Nll, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 3, 1))], A(ii: 1)),
            Bad("target-out-of-bounds.float64", Nll, "Target 7 is out of bounds.", [I("input", lp23d), I("target", L([2], 7, 0))]),
            Bad("default-ignore-not-ignored", Nll, "Target -100 is out of bounds.", [I("input", lp23), I("target", L([2], -100, 0))], A(ii: 0)),
            Bad("target-out-of-bounds.1d", Nll, "Target 3 is out of bounds.", [I("input", F([3], -1.2, -0.9, -1.3)), I("target", L([], 3))]),
            Bad("target-out-of-bounds.3d", Nll, "Target 7 is out of bounds.",
                [InputSpec.Randn("input", [2, 3, 2], InputMap.LogSoftmax), I("target", L([2, 2], 0, 7, 1, 2))]),
            Bad("weight-2d", Nll, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [3, 1]",
                [I("input", lp23), I("target", L([2], 0, 1)), I("weight", F([3, 1], 1, 2, 3))]),
            Bad("0d-input", Nll, "Expected 1 or more dimensions (got 0)", [I("input", F([], -0.5)), I("target", L([], 0))]),
            Bad("float-target", Nll, "expected scalar type Long but found Float", [I("input", lp23), I("target", F([2], 0, 1))]),
            Bad("batch-mismatch", Nll, "Expected input batch_size (2) to match target batch_size (3).", [I("input", lp23), I("target", L([3], 0, 1, 2))]),
            Bad("weight-size", Nll, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", lp23), I("target", L([2], 0, 1)), I("weight", F([2], 1, 2))]),
            Bad("multi-target", Nll, "0D or 1D target tensor expected, multi-target not supported", [I("input", lp23), I("target", L([2, 1], 0, 1))]),
            Bad("3d-target-size", Nll, "Expected target size [2, 4], got [2, 5]",
                [InputSpec.Randn("input", [2, 3, 4], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 5], DType.Int64)]),
            Bad("4d-size-mismatch", Nll, "size mismatch (got input: [2, 3, 2, 2] , target: [2, 2, 3]",
                [InputSpec.Randn("input", [2, 3, 2, 2], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 2, 3], DType.Int64)]),
            Bad("4d-target-rank", Nll, "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2",
                [InputSpec.Randn("input", [2, 3, 2, 2], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 2], DType.Int64)]),
            Bad("int64-input", Nll, "\"nll_loss_out_frame\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", L([2], 0, 1))]),
            Bad("float64-weight", Nll, "expected scalar type Float but found Double", [I("input", lp23), I("target", L([2], 0, 1)), I("weight", D([3], 1, 2, 3))]),

            // cross_entropy
            Bad("target-out-of-bounds", Ce, "Target 3 is out of bounds.", [I("input", x23), I("target", L([2], 0, 3))]),
            Bad("target-negative", Ce, "Target -1 is out of bounds.", [I("input", x23), I("target", L([2], -1, 0))]),
            Bad("target-out-of-bounds.ls=0.1", Ce, "Target 3 is out of bounds.", [I("input", x23), I("target", L([2], 3, 0))], A(ls: 0.1)),
            Bad("target-negative-2", Ce, "Target -2 is out of bounds.", [I("input", x23), I("target", L([2], 0, -2))]),
            Bad("0d-input", Ce, "Expected floating point type for target with class probabilities, got Long", [I("input", F([], 0.5)), I("target", L([], 0))]),
            Bad("0d-input-1d-target", Ce, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", [I("input", F([], 0.5)), I("target", L([1], 0))]),
            Bad("float-index-target", Ce, "expected scalar type Long but found Float", [I("input", x23), I("target", F([2], 0, 1))]),
            Bad("batch-mismatch", Ce, "Expected input batch_size (2) to match target batch_size (3).", [I("input", x23), I("target", L([3], 0, 1, 2))]),
            Bad("weight-size", Ce, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", x23), I("target", L([2], 0, 1)), I("weight", F([2], 1, 2))]),
            Bad("prob-target-long", Ce, "Expected floating point type for target with class probabilities, got Long",
                [I("input", x23), I("target", L([2, 3], 0, 1, 0, 1, 0, 0))]),
            Bad("prob-target-ignore-index", Ce, "ignore_index is not supported for floating point target",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax)], A(ii: 1)),
            Bad("label-smoothing-above-one", Ce, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", [I("input", x23), I("target", L([2], 0, 1))], A(ls: 1.5)),
            Bad("label-smoothing-above-one.prob", Ce, "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax)], A(ls: 1.5)),
            Bad("prob-weight-size", Ce, "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax), I("weight", F([2], 1, 2))]),
            Bad("1d-target-size", Ce, "For 1D input, 1D target must have size 1, but got target size: 2", [I("input", F([3], 0.5, -1, 2)), I("target", L([2], 0, 1))]),
            Bad("1d-ls-quirk", Ce, "output with shape [] doesn't match the broadcast shape [1]", [I("input", F([3], 0.5, -1, 2)), I("target", L([1], 2))], A(ls: 0.1)),
            Bad("int64-input", Ce, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", L([2], 0, 1))]),
            Bad("3d-target-size", Ce, "Expected target size [2, 4], got [2, 5]",
                [InputSpec.Randn("input", [2, 3, 4]), InputSpec.Randint("target", 0, 3, [2, 5], DType.Int64)]),
            Bad("4d-size-mismatch", Ce, "size mismatch (got input: [2, 3, 2, 2] , target: [2, 2, 3]",
                [InputSpec.Randn("input", [2, 3, 2, 2]), InputSpec.Randint("target", 0, 3, [2, 2, 3], DType.Int64)]),
            Bad("float64-weight", Ce, "expected scalar type Float but found Double", [I("input", x23), I("target", L([2], 0, 1)), I("weight", D([3], 1, 2, 3))]),

            // softmax / log_softmax
            Bad("dim-out-of-range", LossOp.Softmax, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", [I("input", x23)], A(dim: 2)),
            Bad("dim-out-of-range", LossOp.LogSoftmax, "Dimension out of range (expected to be in range of [-2, 1], but got -3)", [I("input", x23)], A(dim: -3)),
            Bad("int64", LossOp.Softmax, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2))]),
            Bad("int64", LossOp.LogSoftmax, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2))]),
            Bad("int64-grad", LossOp.Sigmoid, "only Tensors of floating point and complex dtype can require gradients", [I("input", L([3], 0, 1, 2))]) with { Grad = true },
        };
        // softmax/log_softmax take no reduction: drop the written reduction from their args.
        return list.Select(c => c.Op.IsLoss() ? c : c with { Args = c.Args with { ReductionWritten = false } }).ToList();
    }
}
