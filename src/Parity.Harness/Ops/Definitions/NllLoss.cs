using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.nll_loss(input, target, weight, ignore_index, reduction)</c>: native
/// <see cref="Functional.NllLoss"/>; reference <c>aten::nll_loss_nd</c>, as Python calls it (so a 1-D input (C) works,
/// where TorchSharp's frontend raises "Expected 2 or more dimensions (got 1)").
/// </summary>
/// <remarks>libtorch's kernel is a scalar loop with the cascade sums the native port follows: cases are bit-identical.</remarks>
public sealed class NllLoss : OpDefinition
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const long DefaultIgnoreIndex = -100;

    /// <summary>The seed of the fuzz-finding cases' drawn inputs (only empty tensors are drawn, which consume nothing).</summary>
    internal const long FindingSeed = 18;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("nll_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target"), new TensorParam("weight", Required: false, NoGradError: "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.")],
        [new ScalarParam("ignore_index", ArgKind.Int, ArgValue.Of(DefaultIgnoreIndex)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.nll_loss`, `nn.NLLLoss`", "`Functional.NllLoss(input, target, weight, ignoreIndex, reduction)`, `NLLLoss`",
        "TorchScript `torch.nll_loss_nd`",
        "`weight`, `ignore_index`, `reduction`; input (C), (N,C), (N,C,d1…dK) / all / no `ignore_index` (fixed −100), no 1-D input");

    /// <inheritdoc/>
    public override uint FuzzStream => 6;

    /// <inheritdoc/>
    public override bool HasClassDimension => true;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.NllLoss(call.Required("input"), call.Required("target"), call["weight"], call.Int("ignore_index"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.NllLossBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], call.Int("ignore_index"), call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, ignore_index: int) -> Tensor:
            return torch.nll_loss_nd(input, target, weight, reduction, ignore_index)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) =>
        new("nll_loss", [call.Required("input"), call.Required("target"), call["weight"], AtenReduction(call), call.Int("ignore_index")]);

    /// <summary>The ignore_index values of the matrix: the default, a valid class, a negative one.</summary>
    internal static readonly (string Tag, long? Value)[] IgnoreIndices = [("def", null), ("1", 1), ("-1", -1)];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (bool w in new[] { false, true })
                {
                    foreach (var (iiTag, ii) in IgnoreIndices)
                    {
                        foreach (var s in ClassShapes)
                        {
                            var inputs = new List<InputSpec>
                            {
                                InputSpec.Randn("input", s.Input, InputMap.LogSoftmax),
                                InputSpec.Randint("target", 0, s.C, s.Target, DType.Int64),
                            };
                            if (w)
                            {
                                inputs.Add(InputSpec.Rand("weight", [s.C]));
                            }
                            yield return new CaseSpec
                            {
                                Name = $"nll_loss.{dtype.Name()}.{red.Name()}.{(w ? "w" : "nw")}.ii={iiTag}.{s.Tag}",
                                Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.NllLoss, Inputs = inputs,
                                Args = A(red, ii), Grad = true, ExpectBitIdentical = true,
                            };
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
                foreach (bool w in new[] { false, true })
                {
                    var inputs = new List<InputSpec> { InputSpec.Randn("input", [3, 4], InputMap.LogSoftmax), I("target", L([3], 1, 1, 1)) };
                    if (w)
                    {
                        inputs.Add(InputSpec.Rand("weight", [4]));
                    }
                    yield return new CaseSpec
                    {
                        Name = $"nll_loss.{dt.Name()}.{r.Name()}.{(w ? "w" : "nw")}.ii=1.edges.all-ignored", Op = this, DType = dt, DTypeWritten = true,
                        Seed = Seeds.Edges, Inputs = inputs, Args = A(r, 1), Grad = true, ExpectBitIdentical = true,
                    };
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, X = TorchErrorKind.IndexError, V = TorchErrorKind.ValueError;
        var lp23 = F([2, 3], -1.2, -0.9, -1.3, -0.4, -2.1, -1.6);
        var lp23d = D([2, 3], -1.2, -0.9, -1.3, -0.4, -2.1, -1.6);
        return
        [
            new("target-out-of-bounds", X, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 0, 3))]),
            new("target-negative", X, "Target -1 is out of bounds.", [I("input", lp23), I("target", L([2], -1, 0))]),
            new("target-out-of-bounds.sum.w", X, "Target 5 is out of bounds.", [I("input", lp23), I("target", L([2], 5, 0)), I("weight", F([3], 1, 2, 3))], A(Reduction.Sum)),
            new("target-out-of-bounds.none", X, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 3, 0))], A(Reduction.None)),
            new("target-out-of-bounds.ii=1", X, "Target 3 is out of bounds.", [I("input", lp23), I("target", L([2], 3, 1))], A(Reduction.Mean, 1)),
            new("target-out-of-bounds.float64", X, "Target 7 is out of bounds.", [I("input", lp23d), I("target", L([2], 7, 0))]),
            new("default-ignore-not-ignored", X, "Target -100 is out of bounds.", [I("input", lp23), I("target", L([2], -100, 0))], A(Reduction.Mean, 0)),
            new("target-out-of-bounds.1d", X, "Target 3 is out of bounds.", [I("input", F([3], -1.2, -0.9, -1.3)), I("target", L([], 3))]),
            new("target-out-of-bounds.3d", X, "Target 7 is out of bounds.",
                [InputSpec.Randn("input", [2, 3, 2], InputMap.LogSoftmax), I("target", L([2, 2], 0, 7, 1, 2))]),
            new("weight-2d", R, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [3, 1]",
                [I("input", lp23), I("target", L([2], 0, 1)), I("weight", F([3, 1], 1, 2, 3))]),
            new("0d-input", V, "Expected 1 or more dimensions (got 0)", [I("input", F([], -0.5)), I("target", L([], 0))]),
            new("float-target", R, "expected scalar type Long but found Float", [I("input", lp23), I("target", F([2], 0, 1))]),
            new("batch-mismatch", V, "Expected input batch_size (2) to match target batch_size (3).", [I("input", lp23), I("target", L([3], 0, 1, 2))]),
            new("weight-size", R, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                [I("input", lp23), I("target", L([2], 0, 1)), I("weight", F([2], 1, 2))]),
            new("multi-target", R, "0D or 1D target tensor expected, multi-target not supported", [I("input", lp23), I("target", L([2, 1], 0, 1))]),
            new("3d-target-size", R, "Expected target size [2, 4], got [2, 5]",
                [InputSpec.Randn("input", [2, 3, 4], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 5], DType.Int64)]),
            new("4d-size-mismatch", R, "size mismatch (got input: [2, 3, 2, 2] , target: [2, 2, 3]",
                [InputSpec.Randn("input", [2, 3, 2, 2], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 2, 3], DType.Int64)]),
            new("4d-target-rank", R, "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2",
                [InputSpec.Randn("input", [2, 3, 2, 2], InputMap.LogSoftmax), InputSpec.Randint("target", 0, 3, [2, 2], DType.Int64)]),
            new("int64-input", TorchErrorKind.NotImplementedError, "\"nll_loss_out_frame\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2)), I("target", L([2], 0, 1))]),
            new("float64-weight", R, "expected scalar type Float but found Double", [I("input", lp23), I("target", L([2], 0, 1)), I("weight", D([3], 1, 2, 3))]),
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        foreach (var c in ClassFindings(this))
        {
            yield return c;
        }
        // FF5 (docs/fuzz-findings.md, fast kernels): weights of both signs whose sum cancels. libtorch sums them in float32
        // in its cascade — 10000 + 9.8e-26 − 10000 = 0 — so the mean is 0/0 = NaN; a double sum gives 9.8e-26 and 0.
        yield return FastFinding(this, "FF5.nll_loss.seed=2.case=9411", DType.Float32,
            [
                I("input", F([3, 6, 1], 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0)), I("target", L([3, 1], 1, 0, 2)),
                I("weight", F([6], -10000, 10000, 9.844e-26, 0, 0, 0)),
            ], A(Reduction.Mean), bitIdentical: true);
    }

    /// <summary>
    /// A pinned finding of fuzzing the fast kernels (<c>parity fuzz --backend fast</c>): as <see cref="Finding"/>, with the
    /// gradient with respect to the primary tensor only (the one the fast API gives), so <c>parity run --backend fast</c> runs it.
    /// </summary>
    internal static CaseSpec FastFinding(OpDefinition op, string name, DType dtype, IReadOnlyList<InputSpec> inputs, ArgSet args, bool bitIdentical = false) =>
        Finding(op, name, dtype, inputs, args, bitIdentical) with { GradOnly = [op.Schema.Primary.Name] };

    /// <summary>A pinned fuzz-finding case (<c>fuzz.{name}</c>): seeded, with every gradient asked for.</summary>
    internal static CaseSpec Finding(OpDefinition op, string name, DType dtype, IReadOnlyList<InputSpec> inputs, ArgSet args, bool bitIdentical = false) => new()
    {
        Name = $"fuzz.{name}", Op = op, DType = dtype, DTypeWritten = true, Seed = FindingSeed, Inputs = inputs, Args = args,
        Grad = true, ExpectBitIdentical = bitIdentical,
    };

    /// <summary>
    /// The fuzz findings of the class-index losses (docs/fuzz-findings.md), pinned: F1, the gradient with a (C) input and
    /// a (1) target (libtorch's backward checks input.size(0) == target.size(0): "size mismatch (got input: [3], target: [1])"
    /// unless C is 1); F2, the gradient over an empty batch with a non-int64 target ("expected scalar type Long but found …");
    /// F4, a 3-D or ≥5-D input with C = 0 and a non-empty target (nll_loss2d's size check fails first); and, for
    /// cross_entropy, F5 (label smoothing with an ignored row and a non-finite weight gives a NaN row gradient).
    /// </summary>
    internal static IEnumerable<CaseSpec> ClassFindings(OpDefinition op)
    {
        const DType F32 = DType.Float32, F64 = DType.Float64;
        bool bit = op is NllLoss;
        string n = op.Name;
        foreach (var r in CaseKit.Reductions)
        {
            yield return Finding(op, $"F1.{n}.{r.Name()}", F32, [I("input", F([3], -1, -2, -3)), I("target", L([1], 2))], A(r), bit);
        }
        // The backward's size check comes before ignore_index is looked at.
        yield return Finding(op, $"F1.{n}.mean.ignored", F32, [I("input", F([3], -1, -2, -3)), I("target", L([1], -100))], A(Reduction.Mean), bit);
        yield return Finding(op, $"F1.{n}.sum.weight", F64,
            [I("input", D([3], -1, -2, -3)), I("target", L([1], 2)), I("weight", D([3], 1, 2, 3))], A(Reduction.Sum), bit);
        if (bit)
        {
            // C = 1: input.size(0) == target.size(0), so the backward runs (both sides give −1).
            yield return Finding(op, "F1.nll_loss.sum.one-class", F32, [I("input", F([1], -1.5)), I("target", L([1], 0))], A(Reduction.Sum), bit);
        }
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
        {
            yield return Finding(op, $"F2.{n}.float64.{r.Name()}", F64, [InputSpec.Randn("input", [0, 3]), InputSpec.Randn("target", [0], dtype: F64)], A(r), bit);
        }
        yield return Finding(op, $"F2.{n}.float32.spatial.mean", F32,
            [InputSpec.Randn("input", [0, 3, 2]), InputSpec.Randn("target", [0, 2], dtype: F32)], A(Reduction.Mean), bit);
        yield return Finding(op, $"F2.{n}.float32.4d.sum", F32,
            [InputSpec.Randn("input", [0, 3, 2, 2]), InputSpec.Randn("target", [0, 2, 2], dtype: F32)], A(Reduction.Sum), bit);
        if (bit)
        {
            yield return Finding(op, "F4.nll_loss.seed=1.case=5", F32,
                [InputSpec.Randn("input", [1, 0, 1], dtype: F32), I("target", L([1, 1], 0))], A(Reduction.Mean, -100), bit);
        }
        foreach (var r in CaseKit.Reductions)
        {
            yield return Finding(op, $"F4.{n}.{r.Name()}.ignored", F32, [InputSpec.Randn("input", [1, 0, 1]), I("target", L([1, 1], -100))], A(r), bit);
            yield return Finding(op, $"F4.{n}.{r.Name()}.out-of-range", F64,
                [InputSpec.Randn("input", [2, 0, 3]), I("target", L([2, 3], 0, 1, 2, -1, 5, 0))], A(r), bit);
        }
        yield return Finding(op, $"F4.{n}.5d.float-target", F32, [InputSpec.Randn("input", [1, 0, 1, 1, 1]), I("target", F([1, 1, 1, 1], 1))], A(Reduction.Mean), bit);
        yield return Finding(op, $"F4.{n}.5d.sum", F32,
            [InputSpec.Randn("input", [2, 0, 1, 2, 1]), I("target", L([2, 1, 2, 1], 1, 0, 1, 0))], A(Reduction.Sum), bit);
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => ClassIndexFuzz(this, bounds);

    private static Gen<int[]> ClassInputShape(FuzzBounds b) => Gen.Frequency(
        (5, from n in FuzzCases.Dim(b) from c in ClassCount(b) select FuzzCases.Clamp([n, c], b.MaxNumel, 1)),
        (2, from n in FuzzCases.Dim(b)
            from c in ClassCount(b)
            from extra in FuzzCases.Dim(b).Array[1, Math.Max(1, Math.Min(3, b.MaxRank - 2))]
            select FuzzCases.Clamp([n, c, .. extra], b.MaxNumel, 1)),
        (1, ClassCount(b).Select(c => new[] { c })));

    private static Gen<int> ClassCount(FuzzBounds b) => b.MaxDim < 1
        ? Gen.Const(0)
        : Gen.Frequency((8, Gen.Int[1, b.MaxDim]), (1, Gen.Const(1)), (1, Gen.Const(0)));

    private static int[] TargetShapeOf(int[] input) => input.Length == 1 ? [] : [input[0], .. input[2..]];

    private static Gen<long> IgnoreIndex(int classes) => Gen.Frequency(
        (5, Gen.Const(DefaultIgnoreIndex)),
        (2, Gen.Int[0, Math.Max(0, classes - 1)].Select(i => (long)i)),
        (1, Gen.OneOfConst(-1L, -3L)));

    private static Gen<long> ClassIndexValue(int classes, long ignoreIndex) => classes > 0
        ? Gen.Frequency(
            (14, Gen.Int[0, classes - 1].Select(i => (long)i)),
            (2, Gen.Const(ignoreIndex)),
            (1, Gen.OneOfConst((long)classes, -1L, -5L, 1000L, DefaultIgnoreIndex)))
        : Gen.Frequency((1, Gen.Const(ignoreIndex)), (1, Gen.OneOfConst(0L, -1L)));

    private static Gen<Tensor> ClassTarget(int[] shape, int classes, long ignoreIndex) =>
        ClassIndexValue(classes, ignoreIndex).Array[Tensor.NumelOf(shape)].Select(v => Tensor.FromArray(v, shape));

    /// <summary>label_smoothing values: mostly 0 or in [0, 1], sometimes invalid.</summary>
    internal static Gen<double> LabelSmoothing => Gen.Frequency(
        (5, Gen.Const(0.0)),
        (3, Gen.Double[0, 1]),
        (1, Gen.OneOfConst(1.0, 0.1, 0.5)),
        (1, Gen.OneOfConst(1.5, -0.1, -1.0, 2.0, 1.0000001, double.NaN)));

    /// <summary>Class-index calls of nll_loss (log-probability inputs) or cross_entropy (logits, label smoothing).</summary>
    internal static Gen<OpCall> ClassIndexFuzz(OpDefinition op, FuzzBounds b)
    {
        bool nll = op is NllLoss;
        return from dtype in FuzzCases.FloatType
               from shape in ClassInputShape(b)
               let classes = shape.Length == 1 ? shape[0] : shape[1]
               from ignoreIndex in IgnoreIndex(classes)
               from targetShape in shape.Length == 1 ? Gen.Frequency((3, Gen.Const(Array.Empty<int>())), (1, Gen.Const(new[] { 1 }))) : Gen.Const(TargetShapeOf(shape))
               from target in ClassTarget(targetShape, classes, ignoreIndex)
               from input in FuzzCases.Values(dtype, shape, nll ? ValueKind.LogProbability : ValueKind.Logit)
               from weight in FuzzCases.Optional(FuzzCases.Values(dtype, [classes], ValueKind.Weight))
               from reduction in FuzzCases.AnyReduction
               from smoothing in nll ? Gen.Const(0.0) : LabelSmoothing
               from mutation in FuzzCases.Mutation
               select Mutate(new OpCall(op, A(reduction, ignoreIndex, nll ? null : smoothing), ("input", input), ("target", target), ("weight", weight)), mutation);
    }

    /// <summary>Calls of cross_entropy with probability targets.</summary>
    internal static Gen<OpCall> SoftTargetFuzz(OpDefinition op, FuzzBounds b) =>
        from dtype in FuzzCases.FloatType
        from shape in ClassInputShape(b)
        let classes = shape.Length == 1 ? shape[0] : shape[1]
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from target in FuzzCases.Values(dtype, shape, ValueKind.SoftTarget)
        from weight in FuzzCases.Optional(FuzzCases.Values(dtype, [classes], ValueKind.Weight))
        from ignoreIndex in Gen.Frequency((6, Gen.Const(DefaultIgnoreIndex)), (1, Gen.OneOfConst(0L, -1L)))
        from reduction in FuzzCases.AnyReduction
        from smoothing in LabelSmoothing
        select new OpCall(op, A(reduction, ignoreIndex, smoothing), ("input", input), ("target", target), ("weight", weight));

    /// <summary>A deliberate structural mistake: a float target, a weight of C + 1, a batch of N + 1, an extra target dimension.</summary>
    private static OpCall Mutate(OpCall call, int mutation)
    {
        if (mutation < 0)
        {
            return call;
        }
        var input = call.Required("input");
        var target = call.Required("target");
        int[] shape = input.ShapeArray();
        return mutation switch
        {
            0 => call.With("target", target.To(input.DType)),
            1 => call.With("weight", OpBackends.Ones(input.DType, [(shape.Length == 1 ? shape[0] : shape[1]) + 1])),
            2 when shape.Length >= 2 => call.With("target", Tensor.Zeros(DType.Int64, [shape[0] + 1, .. target.Shape[1..]])),
            _ => call.With("target", Tensor.Zeros(DType.Int64, [.. target.Shape, 2])),
        };
    }
}
