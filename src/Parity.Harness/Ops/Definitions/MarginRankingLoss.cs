using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.margin_ranking_loss(input1, input2, target, margin, reduction)</c>: native
/// <see cref="Functional.MarginRankingLoss"/>; reference <c>aten::margin_ranking_loss</c> after Python's dimension check.
/// </summary>
/// <remarks>
/// Python's frontend (<c>margin_ranking_loss</c> in torch/nn/functional.py) reads the reduction first
/// (<c>_Reduction.get_enum</c>, a ValueError), then raises a <b>RuntimeError</b> (not a ValueError) when the three tensors
/// do not have the same number of dimensions — its text ends in a space — and calls ATen, whose composite
/// <c>clamp_min(-target * (input1 - input2) + margin, 0)</c> broadcasts the three (same rank, any sizes that broadcast).
/// Autograd differentiates all three tensors, target included. The legacy <c>size_average</c>/<c>reduce</c> arguments
/// are not modelled.
/// </remarks>
public sealed class MarginRankingLoss : OpDefinition
{
    private const long MatrixSeed = 7201, EdgeSeed = 7202, FindingSeed = 7203;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("margin_ranking_loss",
        [new TensorParam("input1", Differentiable: true), new TensorParam("input2", Differentiable: true), new TensorParam("target", Differentiable: true)],
        [new ScalarParam("margin", ArgKind.Float, ArgValue.Of(0.0)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.margin_ranking_loss`, `nn.MarginRankingLoss`", "`Functional.MarginRankingLoss(input1, input2, target, margin, reduction)`, `MarginRankingLoss`",
        "TorchScript `torch.margin_ranking_loss` after Python's dimension check",
        "`margin`, `reduction`; gradients of input1, input2 and target / all / all (TorchSharp's dimension check has no trailing space and prints sizes as `[3]`)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.MarginRankingLoss(
        call.Required("input1"), call.Required("input2"), call.Required("target"), call.Float("margin"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var grads = Functional.MarginRankingLossBackward(gradOutput, call.Required("input1"), call.Required("input2"), call.Required("target"), call.Float("margin"), call.Reduction);
        return Pick(wrt, ("input1", () => grads.Input1!), ("input2", () => grads.Input2!), ("target", () => grads.Target!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float, reduction: int) -> Tensor:
            return torch.margin_ranking_loss(input1, input2, target, margin, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        // torch/nn/functional.py margin_ranking_loss: get_enum, the dimension check, then ATen.
        long reduction = AtenReduction(call);
        var input1 = call.Required("input1");
        var input2 = call.Required("input2");
        var target = call.Required("target");
        if (input1.Dim != input2.Dim || input1.Dim != target.Dim)
        {
            throw new TorchException(TorchErrorKind.RuntimeError,
                $"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: {PythonSize(input1.Shape)}, input2: {PythonSize(input2.Shape)}, target: {PythonSize(target.Shape)} ");
        }
        return new("margin_ranking_loss", [input1, input2, target, call.Float("margin"), reduction]);
    }

    /// <summary>Shape triples (input1, input2, target) of one rank: equal, and broadcasting within the rank.</summary>
    private static readonly (string Tag, int[] X1, int[] X2, int[] Y)[] Shapes =
    [
        .. ElementShapes.Select(s => (s.Tag, s.Input, s.Input, s.Target)),
        ("b.N4C5.x2=N4C1.t=1xC5", [4, 5], [4, 1], [1, 5]),
        ("b.N4C1.x2=1xC5.t=N4C1", [4, 1], [1, 5], [4, 1]),
    ];

    private static readonly double?[] Margins = [null, 0.5, -0.25];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (double? margin in Margins)
                {
                    // Targets ±1 (and 0) from randint(-1, 2); with margin 0.5 also real-valued targets (any value is accepted).
                    foreach (string t in margin == 0.5 ? new[] { "t=pm1", "t=randn" } : ["t=pm1"])
                    {
                        foreach (var (tag, x1, x2, y) in Shapes)
                        {
                            yield return new CaseSpec
                            {
                                Name = $"margin_ranking_loss.{dtype.Name()}.{red.Name()}.m={(margin is { } m ? SmoothL1Loss.Tag(m) : "def")}.{t}.{tag}",
                                Op = this, DType = dtype, DTypeWritten = true, Seed = MatrixSeed,
                                Inputs =
                                [
                                    InputSpec.Randn("input1", x1), InputSpec.Randn("input2", x2),
                                    t == "t=pm1" ? InputSpec.Randint("target", -1, 2, y) : InputSpec.Randn("target", y),
                                ],
                                Args = ArgSet.Of(("margin", margin), ("reduction", red.Name())), Grad = true, ExpectBitIdentical = true,
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
        const double Inf = double.PositiveInfinity, NaN = double.NaN;
        foreach (var dt in FloatTypes)
        {
            string d = dt.Name();
            CaseSpec Case(string name, IReadOnlyList<InputSpec> inputs, ArgSet args) => new()
            {
                Name = $"margin_ranking_loss.{d}.{name}", Op = this, DType = dt, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = inputs, Args = args, Grad = true, ExpectBitIdentical = true,
            };
            foreach (var r in CaseKit.Reductions)
            {
                string rn = r.Name();
                // The kink (−y·(x1 − x2) + margin = 0 exactly: clamp_min passes the gradient there), ±∞, NaN, huge values, −0.
                var x1 = V(dt, [10], 1, 0.5, 0, Inf, -Inf, NaN, 1e30, -0.0, 2, 0.25);
                var x2 = V(dt, [10], 0.5, 1, 0, 0, Inf, 0, -1e30, 0, 2, 0.75);
                var y = V(dt, [10], 1, -1, 1, -1, 1, 1, -1, -1, 0, 1);
                yield return Case($"{rn}.m=0.5.edges.kink", [I("input1", x1), I("input2", x2), I("target", y)], ArgSet.Of(("margin", 0.5), ("reduction", rn)));
                yield return Case($"{rn}.m=def.edges.kink", [I("input1", x1), I("input2", x2), I("target", y)], ArgSet.Of(("reduction", rn)));
                yield return Case($"{rn}.m=inf.edges.margins", [InputSpec.Randn("input1", [4]), InputSpec.Randn("input2", [4]), InputSpec.Randint("target", -1, 2, [4])],
                    ArgSet.Of(("margin", Inf), ("reduction", rn)));
                yield return Case($"{rn}.m=nan.edges.margins", [InputSpec.Randn("input1", [4]), InputSpec.Randn("input2", [4]), InputSpec.Randint("target", -1, 2, [4])],
                    ArgSet.Of(("margin", NaN), ("reduction", rn)));
                yield return Case($"{rn}.m=1e-40.edges.margins", [InputSpec.Randn("input1", [4]), InputSpec.Randn("input2", [4]), InputSpec.Randint("target", -1, 2, [4])],
                    ArgSet.Of(("margin", 1e-40), ("reduction", rn)));
            }
            // Mixed dtypes (x1 − x2 in their promotion, then with target's), an int64 target (not differentiated).
            var other = dt == DType.Float32 ? DType.Float64 : DType.Float32;
            yield return Case($"mean.m=0.5.edges.input2-{other.Name()}",
                [InputSpec.Randn("input1", [3, 4]), InputSpec.Randn("input2", [3, 4], dtype: other), InputSpec.Randint("target", -1, 2, [3, 4])], ArgSet.Of(("margin", 0.5)));
            yield return Case($"none.m=0.5.edges.target-{other.Name()}",
                [InputSpec.Randn("input1", [3, 4]), InputSpec.Randn("input2", [1, 4]), InputSpec.Randn("target", [3, 1], dtype: other)], ArgSet.Of(("margin", 0.5), ("reduction", "none")));
            yield return Case("sum.m=0.1.edges.target-int64",
                [InputSpec.Randn("input1", [5]), InputSpec.Randn("input2", [5]), I("target", L([5], 1, -1, 1, -1, 0))], ArgSet.Of(("margin", 0.1), ("reduction", "sum")));
        }
        // Three int64 tensors: the result is float32 (adding the float margin); nothing to differentiate.
        foreach (var r in CaseKit.Reductions)
        {
            yield return new CaseSpec
            {
                Name = $"margin_ranking_loss.int64.{r.Name()}.m=0.5.edges.int64", Op = this, DType = DType.Float32, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = [I("input1", L([4], 3, -2, 7, 0)), I("input2", L([4], 1, 5, 7, -9)), I("target", L([4], 1, -1, 1, -1))],
                Args = ArgSet.Of(("margin", 0.5), ("reduction", r.Name())), ExpectBitIdentical = true,
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var a = F([3], 0.5, -1, 2);
        var b = F([3], 0, 1, 0.25);
        var y = F([3], 1, -1, 1);
        return
        [
            new("dims", R, "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size([3]), input2: torch.Size([3]), target: torch.Size([1, 3]) ",
                [I("input1", a), I("input2", b), I("target", F([1, 3], 1, -1, 1))]),
            new("dims.input2-0d", R, "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size([3]), input2: torch.Size([]), target: torch.Size([3]) ",
                [I("input1", a), I("input2", F([], 0.5)), I("target", y)]),
            new("dims.input1-2d.float64", R, "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size([1, 2]), input2: torch.Size([2]), target: torch.Size([2]) ",
                [I("input1", D([1, 2], 1, 2)), I("input2", D([2], 0, 0)), I("target", D([2], 1, -1))]),
            new("inputs-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                [I("input1", a), I("input2", F([4], 0, 1, 2, 3)), I("target", y)]),
            new("target-not-broadcastable", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
                [I("input1", a), I("input2", b), I("target", F([2], 1, -1))]),
            new("reduction", V, "bad is not a valid value for reduction", [I("input1", a), I("input2", b), I("target", y)], ArgSet.Of(("reduction", "bad"))),
            // get_enum comes before the dimension check.
            new("reduction.dims", V, "batchmean is not a valid value for reduction",
                [I("input1", a), I("input2", b), I("target", F([1, 3], 1, -1, 1))], ArgSet.Of(("reduction", "batchmean"))),
            new("int64-input2.grad", R, "only Tensors of floating point and complex dtype can require gradients",
                [I("input1", a), I("input2", L([3], 0, 1, 2)), I("target", y)]) { Grad = true, GradOnly = ["input2"] },
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // An int64 target of −2⁶³ (a float target converted to int64): libtorch negates it in int64, where −(−2⁶³) wraps to
        // −2⁶³; the native side negated it in double (seed 7, cases 405, 1918 and 7272, shrunk).
        const long Min = long.MinValue;
        const double Inf = double.PositiveInfinity;
        CaseSpec Finding(string name, DType dtype, IReadOnlyList<InputSpec> inputs, ArgSet args, bool grad = true) => new()
        {
            Name = $"fuzz.margin_ranking_loss.{name}", Op = this, DType = dtype, DTypeWritten = true, Seed = FindingSeed,
            Inputs = inputs, Args = args, Grad = grad, ExpectBitIdentical = true,
        };
        yield return Finding("seed=7.case=405", DType.Float32,
            [I("input1", F([1, 1], 0)), I("input2", F([1, 1], 1)), I("target", L([1, 1], Min))], ArgSet.Of(("reduction", "sum")));
        yield return Finding("seed=7.case=1918", DType.Float64,
            [I("input1", D([1, 2, 3], 0, 0, 0, 0, 0, 0)), I("input2", D([1, 2, 3], 0, 0, 0, 0, 0, Inf)), I("target", L([1, 2, 3], Min, 1, -1, 0, -3, 0))],
            ArgSet.Of(("reduction", "sum")));
        yield return Finding("seed=7.case=7272", DType.Float64,
            [I("input1", D([1, 1, 1], Inf)), I("input2", D([1, 1, 1], 0)), I("target", L([1, 1, 1], Min))], ArgSet.Of(("reduction", "sum")));
        yield return Finding("int64-wrap.none.int64-inputs", DType.Float32,
            [I("input1", L([3], Min, long.MaxValue, 5)), I("input2", L([3], 1, -1, 2)), I("target", F([3], 1, -1, 0.5))], ArgSet.Of(("margin", 0.5), ("reduction", "none")), grad: false);
        // A target gradient summed over two broadcast dimensions that are not adjacent (1 and 4 of (1, 3, 1, 3, 3)), with
        // ±1e300 terms: libtorch sums row by row over the innermost reduced block and accumulates the rows into the
        // output; the native side summed in a different order (seed 7, case 5910, shrunk: 0.5 against −0 originally).
        double[] a = new double[27], b = new double[27];
        a[25] = 1;
        b[5] = 1e300;
        b[21] = -1e300;
        b[23] = 0.5;
        b[24] = double.NaN;
        yield return Finding("seed=7.case=5910", DType.Float64,
            [I("input1", D([1, 3, 1, 3, 3], a)), I("input2", D([1, 3, 1, 3, 3], b)), I("target", D([1, 1, 1, 3, 1], 0, 0, 0))],
            ArgSet.Of(("margin", 1e30), ("reduction", "none")));
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 5, bounds)
        from s1 in SameRankBroadcast(shape)
        from s2 in SameRankBroadcast(shape)
        from st in SameRankBroadcast(shape)
        from x1 in FuzzCases.Values(dtype, s1, ValueKind.Logit)
        from x2 in FuzzCases.Values(dtype, s2, ValueKind.Logit)
        from y in TargetValues(st).Select(v => Tensor.FromDoubles(dtype, v, st))
        from margin in Gen.Frequency(
            (3, Gen.Const<double?>(() => null)), (2, Gen.Const<double?>(() => 0.5)), (4, Gen.Double[-2, 2].Select(v => (double?)v)),
            (1, Gen.OneOfConst<double?>(-0.0, 1e-40, 5e-324, 1e30, double.PositiveInfinity, double.NegativeInfinity, double.NaN)))
        from reduction in FuzzCases.AnyReduction
        from mutation in FuzzCases.Mutation
        select Mutate(new OpCall(this, ArgSet.Of(("margin", margin), ("reduction", reduction.Name())), ("input1", x1), ("input2", x2), ("target", y)), mutation);

    /// <summary>Mostly <paramref name="shape"/> itself; sometimes with some dimensions set to 1 (same rank, broadcastable).</summary>
    private static Gen<int[]> SameRankBroadcast(int[] shape) =>
        Gen.Frequency(
            (4, Gen.Const(() => (int[])shape.Clone())),
            (1, Gen.Bool.Array[shape.Length].Select(ones => shape.Select((d, i) => ones[i] ? 1 : d).ToArray())));

    /// <summary>Targets: ±1 mostly, some 0, some arbitrary (adversarial) reals.</summary>
    private static Gen<double[]> TargetValues(int[] shape) =>
        Gen.Frequency((6, Gen.OneOfConst(1.0, -1.0)), (1, Gen.Const(0.0)), (2, FuzzValues.Adversarial(ValueKind.Logit))).Array[Tensor.NumelOf(shape)];

    /// <summary>A deliberate mistake: a tensor of another rank, one that does not broadcast, another dtype, an int64 target, an invalid reduction.</summary>
    private static OpCall Mutate(OpCall call, int mutation)
    {
        if (mutation < 0)
        {
            return call;
        }
        var x1 = call.Required("input1");
        var other = x1.DType == DType.Float32 ? DType.Float64 : DType.Float32;
        int[] shape = x1.ShapeArray();
        return mutation switch
        {
            0 => call.With("target", call.Required("target").Reshape([1, .. call.Required("target").ShapeArray()])),
            1 => call.With("input2", OpBackends.Ones(x1.DType, shape.Length == 0 ? [2] : [.. shape[..^1], shape[^1] + 2])),
            2 => call.With("input2", call.Required("input2").To(other)),
            _ => x1.Numel % 2 == 0 ? call.With("target", call.Required("target").To(DType.Int64)) : call.WithArg("reduction", "avg"),
        };
    }
}
