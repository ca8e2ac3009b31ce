using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)</c>: native
/// <see cref="Functional.CrossEntropy"/>; reference <c>aten::cross_entropy_loss</c>. Index and probability targets;
/// a probability (floating) target is differentiable.
/// </summary>
public sealed class CrossEntropy : OpDefinition
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("cross_entropy",
        [
            new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true),
            new TensorParam("weight", Required: false, Differentiable: true,
                NoGradError: "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True."),
        ],
        [
            new ScalarParam("ignore_index", ArgKind.Int, ArgValue.Of(NllLoss.DefaultIgnoreIndex)), ScalarParam.Reduction(),
            new ScalarParam("label_smoothing", ArgKind.Float, ArgValue.Of(0.0)),
        ]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.cross_entropy`, `nn.CrossEntropyLoss`", "`Functional.CrossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing)`, `CrossEntropyLoss`",
        "TorchScript `torch.cross_entropy_loss`",
        "`weight`, `ignore_index`, `reduction`, `label_smoothing`; index and probability targets / all / all on the functional form; the `nn.CrossEntropyLoss` factory lacks `label_smoothing`");

    /// <inheritdoc/>
    public override uint FuzzStream => 7;

    /// <inheritdoc/>
    public override bool HasClassDimension => true;

    /// <summary>
    /// With probability targets (floating, input-shaped) the loss is a composite of log_softmax, products and a sum, so autograd
    /// differentiates target and weight too; with class-index targets it is nll_loss, whose kernel differentiates
    /// neither.
    /// </summary>
    public override bool IsDifferentiable(OpCall call, string name)
    {
        ArgumentNullException.ThrowIfNull(call);
        // ATen's cross_entropy_loss takes the probability path when target's sizes equal input's, else nll_loss.
        var target = call.Required("target");
        return name == "input" ? base.IsDifferentiable(call, name)
            : base.IsDifferentiable(call, name) && target.DType.IsFloatingPoint() && target.Shape.SequenceEqual(call.Required("input").Shape);
    }

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.CrossEntropy(
        call.Required("input"), call.Required("target"), call["weight"], call.Int("ignore_index"), call.Reduction, call.Float("label_smoothing"));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.CrossEntropyBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"],
            call.Int("ignore_index"), call.Reduction, call.Float("label_smoothing"))),
        ("target", () => Functional.CrossEntropyTargetBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"],
            call.Int("ignore_index"), call.Reduction, call.Float("label_smoothing"))),
        ("weight", () => Functional.CrossEntropyWeightBackward(gradOutput, call.Required("input"), call.Required("target"), call.Required("weight"),
            call.Int("ignore_index"), call.Reduction, call.Float("label_smoothing"))));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, ignore_index: int, label_smoothing: float) -> Tensor:
            return torch.cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => new("cross_entropy",
        [call.Required("input"), call.Required("target"), call["weight"], AtenReduction(call), call.Int("ignore_index"), call.Float("label_smoothing")]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (bool w in new[] { false, true })
                {
                    foreach (var (iiTag, ii) in NllLoss.IgnoreIndices)
                    {
                        foreach (double ls in new[] { 0.0, 0.1, 1.0 })
                        {
                            foreach (bool prob in new[] { false, true })
                            {
                                foreach (var s in ClassShapes)
                                {
                                    var inputs = new List<InputSpec>
                                    {
                                        InputSpec.Randn("input", s.Input),
                                        prob
                                            ? InputSpec.Randn("target", s.Input, InputMap.Softmax)
                                            : InputSpec.Randint("target", 0, s.C, s.Target, DType.Int64),
                                    };
                                    if (w)
                                    {
                                        inputs.Add(InputSpec.Rand("weight", [s.C]));
                                    }
                                    yield return new CaseSpec
                                    {
                                        Name = $"cross_entropy.{dtype.Name()}.{red.Name()}.{(w ? "w" : "nw")}.ii={iiTag}.ls={ls.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.{(prob ? "prob" : "idx")}.{s.Tag}",
                                        Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.CrossEntropy, Inputs = inputs,
                                        Args = A(red, ii, ls), Grad = true,
                                    };
                                }
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
            string d = dt.Name();
            CaseSpec Case(string name, IReadOnlyList<InputSpec> inputs, ArgSet args) => new()
            {
                Name = $"cross_entropy.{d}.{name}", Op = this, DType = dt, DTypeWritten = true, Seed = Seeds.Edges, Inputs = inputs, Args = args, Grad = true,
            };
            foreach (var r in CaseKit.Reductions)
            {
                string rn = r.Name();
                yield return Case($"{rn}.nw.ii=1.ls=0.1.edges.all-ignored", [InputSpec.Randn("input", [3, 4]), I("target", L([3], 1, 1, 1))], A(r, 1, 0.1));
                yield return Case($"{rn}.nw.edges.huge-logits",
                    [I("input", V(dt, [3, 4], 1e4, -1e4, 0, 1, double.NegativeInfinity, 0, 1, 2, 88, 89, 90, 91)), I("target", L([3], 1, 0, 3))], A(r));
                yield return Case($"{rn}.w.ls=0.1.edges.zero-weight",
                    [InputSpec.Randn("input", [4, 3]), I("target", L([4], 0, 1, 2, 1)), I("weight", V(dt, [3], 0, 1, 0))], A(r, labelSmoothing: 0.1));
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, X = TorchErrorKind.IndexError, V = TorchErrorKind.ValueError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        return
        [
            new("target-out-of-bounds", X, "Target 3 is out of bounds.", [I("input", x23), I("target", L([2], 0, 3))]),
            new("target-negative", X, "Target -1 is out of bounds.", [I("input", x23), I("target", L([2], -1, 0))]),
            new("target-out-of-bounds.ls=0.1", X, "Target 3 is out of bounds.", [I("input", x23), I("target", L([2], 3, 0))], A(Reduction.Mean, labelSmoothing: 0.1)),
            new("target-negative-2", X, "Target -2 is out of bounds.", [I("input", x23), I("target", L([2], 0, -2))]),
            new("0d-input", R, "Expected floating point type for target with class probabilities, got Long", [I("input", F([], 0.5)), I("target", L([], 0))]),
            new("0d-input-1d-target", X, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", [I("input", F([], 0.5)), I("target", L([1], 0))]),
            new("float-index-target", R, "expected scalar type Long but found Float", [I("input", x23), I("target", F([2], 0, 1))]),
            new("batch-mismatch", V, "Expected input batch_size (2) to match target batch_size (3).", [I("input", x23), I("target", L([3], 0, 1, 2))]),
            new("weight-size", R, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", x23), I("target", L([2], 0, 1)), I("weight", F([2], 1, 2))]),
            new("prob-target-long", R, "Expected floating point type for target with class probabilities, got Long",
                [I("input", x23), I("target", L([2, 3], 0, 1, 0, 1, 0, 0))]),
            new("prob-target-ignore-index", R, "ignore_index is not supported for floating point target",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax)], A(Reduction.Mean, 1)),
            new("label-smoothing-above-one", R, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", [I("input", x23), I("target", L([2], 0, 1))], A(Reduction.Mean, labelSmoothing: 1.5)),
            new("label-smoothing-above-one.prob", R, "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax)], A(Reduction.Mean, labelSmoothing: 1.5)),
            new("prob-weight-size", R, "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", x23), InputSpec.Randn("target", [2, 3], InputMap.Softmax), I("weight", F([2], 1, 2))]),
            new("1d-target-size", V, "For 1D input, 1D target must have size 1, but got target size: 2", [I("input", F([3], 0.5, -1, 2)), I("target", L([2], 0, 1))]),
            new("1d-ls-quirk", R, "output with shape [] doesn't match the broadcast shape [1]", [I("input", F([3], 0.5, -1, 2)), I("target", L([1], 2))], A(Reduction.Mean, labelSmoothing: 0.1)),
            new("int64-input", TorchErrorKind.NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", L([2], 0, 1))]),
            new("3d-target-size", R, "Expected target size [2, 4], got [2, 5]",
                [InputSpec.Randn("input", [2, 3, 4]), InputSpec.Randint("target", 0, 3, [2, 5], DType.Int64)]),
            new("4d-size-mismatch", R, "size mismatch (got input: [2, 3, 2, 2] , target: [2, 2, 3]",
                [InputSpec.Randn("input", [2, 3, 2, 2]), InputSpec.Randint("target", 0, 3, [2, 2, 3], DType.Int64)]),
            new("float64-weight", R, "expected scalar type Float but found Double", [I("input", x23), I("target", L([2], 0, 1)), I("weight", D([3], 1, 2, 3))]),
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        foreach (var c in NllLoss.ClassFindings(this))
        {
            yield return c;
        }
        const DType F32 = DType.Float32, F64 = DType.Float64;
        const double Inf = double.PositiveInfinity;
        yield return NllLoss.Finding(this, "F2.cross_entropy.float64.ls=0.1.mean", F64,
            [InputSpec.Randn("input", [0, 3]), InputSpec.Randn("target", [0], dtype: F64)], A(Reduction.Mean, labelSmoothing: 0.1));
        yield return NllLoss.Finding(this, "F4.cross_entropy.none.ls=0.3.ignored", F32,
            [InputSpec.Randn("input", [1, 0, 1]), I("target", L([1, 1], -100))], A(Reduction.None, labelSmoothing: 0.3));
        // F5: label_smoothing, ignored rows, non-finite weights: an ignored row's zero gradient is multiplied by w[c] on its way back.
        yield return NllLoss.Finding(this, "F5.cross_entropy.seed=2.case=208", F32,
            [I("input", F([1, 2], 0, 0)), I("target", L([1], -100)), I("weight", F([2], Inf, 0))], A(Reduction.Sum, -100, 1));
        yield return NllLoss.Finding(this, "F5.cross_entropy.spatial.ii=6.inf-weight", F32,
            [I("input", F([1, 7, 1], 0, 0, 0, 0, 0, 0, 0)), I("target", L([1, 1], 6)), I("weight", F([7], 1, 1, 1, 1, 1, Inf, 1))],
            A(Reduction.Sum, 6, 1.77e-45));
        yield return NllLoss.Finding(this, "F5.cross_entropy.float64.nan-weight.mean", F64,
            [I("input", D([1, 2], 0.5, -1)), I("target", L([1], -100)), I("weight", D([2], double.NaN, 0))], A(Reduction.Mean, labelSmoothing: 0.5));
        // FF2–FF4 (docs/fuzz-findings.md, fast kernels). FF2: an ignored row is differentiated through log_softmax too,
        // 0 − exp(log_softmax)·0, NaN when the row's log_softmax is (+∞ in the row, a NaN, first or not).
        yield return NllLoss.FastFinding(this, "FF2.cross_entropy.seed=1.case=37", F32,
            [I("input", F([1, 1], Inf)), I("target", L([1], -100))], A(Reduction.Sum, -100, 0));
        yield return NllLoss.FastFinding(this, "FF2.cross_entropy.seed=1.case=519", F32,
            [I("input", F([2, 2], double.NaN, 5.265823, -2.7606602, Inf)), I("target", L([2], 1, 0))], A(Reduction.Sum, 1, 0));
        yield return NllLoss.FastFinding(this, "FF2.cross_entropy.spatial.ignored-inf", F32,
            [I("input", F([1, 2, 3], Inf, 0, double.NaN, 0, 0, 1)), I("target", L([1, 3], -100, -100, 1))], A(Reduction.Sum, -100, 0));
        // FF3: a subnormal weight. libtorch weights the float32 loss in float32 (1e-45·0.69 rounds to 1e-45, and the mean
        // is 1) and forms the gradient's g/W in float32 (1/1e-45 overflows: ∞, then ∞ − ∞ = NaN).
        yield return NllLoss.FastFinding(this, "FF3.cross_entropy.seed=1.case=1982", F32,
            [I("input", F([2], 0, 0)), I("target", L([], 0)), I("weight", F([2], 1e-45, 1))], A(Reduction.Mean, -1, 0));
        yield return NllLoss.FastFinding(this, "FF3.cross_entropy.seed=1.case=2057", F32,
            [I("input", F([1, 1], 0)), I("target", L([1], 0)), I("weight", F([1], 1e-45))], A(Reduction.Mean, -100, 0));
        // FF4: huge logits. m + log s − x_t loses log s next to m = 1e30; log s − (x_t − m) keeps it.
        yield return NllLoss.FastFinding(this, "FF4.cross_entropy.seed=1.case=15968", F32,
            [I("input", F([1, 6], 1e30, 0, 1e30, 0, 0, 0)), I("target", L([1], 0))], A(Reduction.None, 5, 0));
        foreach (var r in CaseKit.Reductions)
        {
            // One ignored row (its gradient NaN from 0·∞), one ordinary row (its gradient ±∞/NaN from the weight itself).
            yield return NllLoss.Finding(this, $"F5.cross_entropy.{r.Name()}.mixed-rows", F64,
                [I("input", D([2, 2], 0, 0, 1, 2)), I("target", L([2], -100, 1)), I("weight", D([2], -Inf, 1))], A(r, labelSmoothing: 0.5));
        }
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        Gen.Frequency((3, NllLoss.ClassIndexFuzz(this, bounds)), (1, NllLoss.SoftTargetFuzz(this, bounds)));
}
