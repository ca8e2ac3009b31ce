using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.smooth_l1_loss(input, target, reduction, beta)</c>: native <see cref="Functional.SmoothL1Loss"/>;
/// reference <c>aten::smooth_l1_loss</c> (or <c>aten::l1_loss</c> for beta = 0) after Python's steps.
/// </summary>
/// <remarks>
/// Python's frontend (<c>smooth_l1_loss</c> in torch/nn/functional.py) warns when <c>target.size() != input.size()</c>,
/// broadcasts the two (<c>torch.broadcast_tensors</c>), reads the reduction (<c>_Reduction.get_enum</c>, whose ValueError
/// therefore comes after a broadcast error), and calls <c>l1_loss</c> when <c>beta == 0.0</c> (−0 included), else
/// <c>smooth_l1_loss</c>, whose meta function rejects a negative (or NaN) beta. Both tensors are differentiable.
/// The legacy <c>size_average</c>/<c>reduce</c> arguments are not modelled.
/// </remarks>
public sealed class SmoothL1Loss : OpDefinition
{
    private const long MatrixSeed = 7101, EdgeSeed = 7102, BadSeed = 7103, FindingSeed = 7104;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("smooth_l1_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true)],
        [ScalarParam.Reduction(), new ScalarParam("beta", ArgKind.Float, ArgValue.Of(1.0))]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.smooth_l1_loss`, `nn.SmoothL1Loss`", "`Functional.SmoothL1Loss(input, target, reduction, beta)`, `SmoothL1Loss`",
        "TorchScript `torch.smooth_l1_loss` (`torch.l1_loss` for beta = 0) after Python's size warning and `broadcast_tensors`",
        "`reduction`, `beta` / both / both (TorchSharp does not reroute beta = 0 to l1: its gradient at x = y is −1)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        if (InvalidReduction(call) is { } bad)
        {
            // Python's steps before get_enum (the warning, broadcast_tensors) run first; beta = 0 takes the l1 path,
            // which raises nothing of its own for 'none'.
            _ = Functional.SmoothL1Loss(input, target, Reduction.None, 0.0);
            throw NotAValidReduction(bad);
        }
        return Functional.SmoothL1Loss(input, target, call.Reduction, call.Float("beta"));
    }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        // The native backward repeats the frontend steps; Python warned once, in the forward.
        var grads = Quiet(() => Functional.SmoothL1LossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction, call.Float("beta")));
        return Pick(wrt, ("input", () => grads.Input!), ("target", () => grads.Target!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def smooth_l1_loss(input: Tensor, target: Tensor, reduction: int, beta: float) -> Tensor:
            expanded = torch.broadcast_tensors(input, target)
            if beta == 0.0:
                return torch.l1_loss(expanded[0], expanded[1], reduction)
            return torch.smooth_l1_loss(expanded[0], expanded[1], reduction, beta)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        // torch/nn/functional.py smooth_l1_loss: the size warning, broadcast_tensors, get_enum, then ATen.
        var input = call.Required("input");
        var target = call.Required("target");
        WarnTargetSize(input, target);
        if (InvalidReduction(call) is { } bad)
        {
            if (Broadcastable(input.Shape, target.Shape))
            {
                throw NotAValidReduction(bad);
            }
            // broadcast_tensors raises first: let libtorch raise it.
            return new("smooth_l1_loss", [input, target, 0L, 1.0]);
        }
        return new("smooth_l1_loss", [input, target, AtenReduction(call), call.Float("beta")]);
    }

    // ---- Python-frontend pieces shared by the regression losses (l1, mse, smooth_l1, huber, margin_ranking) ----------

    /// <summary>Runs <paramref name="f"/> with its warnings dropped (a native backward repeats the forward's frontend steps).</summary>
    internal static T Quiet<T>(Func<T> f)
    {
        using var scope = TorchWarnings.Capture(out _);
        return f();
    }

    /// <summary>The reduction string when it is not one Python's <c>_Reduction.get_enum</c> accepts, else null.</summary>
    internal static string? InvalidReduction(OpCall call)
    {
        string r = call.Arg("reduction").AsString;
        return r is "none" or "mean" or "sum" ? null : r;
    }

    /// <summary>Python's <c>_Reduction.get_enum</c> ValueError.</summary>
    internal static TorchException NotAValidReduction(string reduction) =>
        new(TorchErrorKind.ValueError, $"{reduction} is not a valid value for reduction");

    /// <summary>The UserWarning of Python's l1/mse/smooth_l1/huber frontends for a target of another size.</summary>
    internal static void WarnTargetSize(Tensor input, Tensor target)
    {
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            TorchWarnings.Warn($"Using a target size ({PythonSize(target.Shape)}) that is different to the input size ({PythonSize(input.Shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.");
        }
    }

    /// <summary>Whether two shapes broadcast (aligned at the right, each pair equal or one of them 1).</summary>
    internal static bool Broadcastable(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        for (int i = 1; i <= Math.Min(a.Length, b.Length); i++)
        {
            int x = a[^i], y = b[^i];
            if (x != y && x != 1 && y != 1)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Element-wise shapes plus pairs where target broadcasts against input (Python warns about these).</summary>
    internal static IReadOnlyList<MatrixShape> RegressionShapes { get; } =
    [
        .. ElementShapes,
        new("b.N4C5.t=C5", [4, 5], [5]),
        new("b.N4C1.t=1x5", [4, 1], [1, 5]),
        new("b.S.t=C3", [], [3]),
    ];

    /// <summary>A float's tag in a case name (invariant, round-trip).</summary>
    internal static string Tag(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    // ---- catalogue -------------------------------------------------------------------------------------------------

    private static readonly double?[] Betas = [null, 0.5, 0.0, 2.0];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (double? beta in Betas)
                {
                    foreach (var s in RegressionShapes)
                    {
                        yield return new CaseSpec
                        {
                            Name = $"smooth_l1_loss.{dtype.Name()}.{red.Name()}.beta={(beta is { } b ? Tag(b) : "def")}.{s.Tag}",
                            Op = this, DType = dtype, DTypeWritten = true, Seed = MatrixSeed,
                            Inputs = [InputSpec.Randn("input", s.Input), InputSpec.Randn("target", s.Target)],
                            Args = ArgSet.Of(("reduction", red.Name()), ("beta", beta)), Grad = true, ExpectBitIdentical = true,
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
            string d = dt.Name();
            CaseSpec Case(string name, IReadOnlyList<InputSpec> inputs, ArgSet args, bool grad = true) => new()
            {
                Name = $"smooth_l1_loss.{d}.{name}", Op = this, DType = dt, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = inputs, Args = args, Grad = grad, ExpectBitIdentical = true,
            };
            foreach (var r in CaseKit.Reductions)
            {
                string rn = r.Name();
                // |x − y| = beta exactly (the linear branch), just below and above it, x = y, ±∞, NaN, huge and tiny values.
                var x = V(dt, [12], 0.5, -0.5, 0.49999, 0.50001, 1, 0, Inf, -Inf, NaN, 1e30, 1e-30, 3);
                var y = V(dt, [12], 0, 0, 0, 0, 1, -0.0, 0, Inf, 0, -1e30, -1e-30, -3);
                yield return Case($"{rn}.beta=0.5.edges.kink", [I("input", x), I("target", y)], ArgSet.Of(("reduction", rn), ("beta", 0.5)));
                yield return Case($"{rn}.beta=1.edges.kink", [I("input", x), I("target", y)], ArgSet.Of(("reduction", rn), ("beta", 1.0)));
                // beta = 0 and −0: Python reroutes to l1_loss (gradient 0 at x = y, where ATen's kernel gives −1).
                var x0 = V(dt, [5], -2, -0.5, 0, 0.5, 2);
                var y0 = V(dt, [5], 0, 0, 0, 0, 0);
                yield return Case($"{rn}.beta=0.edges.reroute", [I("input", x0), I("target", y0)], ArgSet.Of(("reduction", rn), ("beta", 0.0)));
                yield return Case($"{rn}.beta=-0.edges.reroute", [I("input", x0), I("target", y0)], ArgSet.Of(("reduction", rn), ("beta", -0.0)));
                // A tiny beta (float32 subnormal range) and a huge one.
                yield return Case($"{rn}.beta=1e-40.edges.tiny-beta", [InputSpec.Randn("input", [6]), InputSpec.Randn("target", [6])], ArgSet.Of(("reduction", rn), ("beta", 1e-40)));
                yield return Case($"{rn}.beta=1e30.edges.huge-beta", [InputSpec.Randn("input", [6]), InputSpec.Randn("target", [6])], ArgSet.Of(("reduction", rn), ("beta", 1e30)));
            }
            // Mixed dtypes promote (to float64); broadcasting over both operands.
            var other = dt == DType.Float32 ? DType.Float64 : DType.Float32;
            yield return Case($"mean.edges.target-{other.Name()}", [InputSpec.Randn("input", [3, 4]), InputSpec.Randn("target", [3, 4], dtype: other)], ArgSet.Of(("reduction", "mean")));
            yield return Case($"sum.beta=0.edges.target-{other.Name()}", [InputSpec.Randn("input", [3, 4]), InputSpec.Randn("target", [4], dtype: other)], ArgSet.Of(("reduction", "sum"), ("beta", 0.0)));
            yield return Case("none.edges.both-broadcast", [InputSpec.Randn("input", [3, 1, 2]), InputSpec.Randn("target", [4, 1])], ArgSet.Of(("reduction", "none")));
        }
        // Two int64 tensors with beta = 0: l1_loss in int64 ('none' and 'sum'; no gradient).
        foreach (string rn in new[] { "none", "sum" })
        {
            yield return new CaseSpec
            {
                Name = $"smooth_l1_loss.int64.{rn}.beta=0.edges.int64", Op = this, DType = DType.Float32, DTypeWritten = true, Seed = EdgeSeed,
                Inputs = [I("input", L([4], 3, -2, 7, 0)), I("target", L([4], 1, 5, 7, -9))], Args = ArgSet.Of(("reduction", rn), ("beta", 0.0)), ExpectBitIdentical = true,
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        const string NegativeBeta = "smooth_l1_loss does not support negative values for beta.";
        var x = F([3], 0.5, -1, 2);
        var y = F([3], 0, 1, 0.25);
        return
        [
            new("negative-beta", R, NegativeBeta, [I("input", x), I("target", y)], ArgSet.Of(("beta", -0.5))),
            new("nan-beta", R, NegativeBeta, [I("input", x), I("target", y)], ArgSet.Of(("reduction", "sum"), ("beta", double.NaN))),
            new("negative-beta.float64", R, NegativeBeta, [I("input", D([2], 1, 2)), I("target", D([2], 0, 0))], ArgSet.Of(("reduction", "none"), ("beta", -1e-300))),
            new("not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                [I("input", x), I("target", F([4], 0, 1, 2, 3))]),
            new("reduction", V, "bad is not a valid value for reduction", [I("input", x), I("target", y)], ArgSet.Of(("reduction", "bad"))),
            // get_enum runs after broadcast_tensors and before ATen's beta check.
            new("reduction.not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
                [I("input", x), I("target", F([2], 0, 1))], ArgSet.Of(("reduction", "bad"))),
            new("reduction.negative-beta", V, "elementwise is not a valid value for reduction", [I("input", x), I("target", y)], ArgSet.Of(("reduction", "elementwise"), ("beta", -1.0))),
            new("int64", TorchErrorKind.NotImplementedError, "\"smooth_l1_cpu\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
            new("int64.beta=0.mean", R, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
                [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))], ArgSet.Of(("beta", 0.0))),
            new("int64-target.grad", R, "only Tensors of floating point and complex dtype can require gradients",
                [I("input", x), I("target", L([3], 0, 1, 2))]) { Grad = true, GradOnly = ["target"] },
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shapes in RegressionShapePair(bounds)
        from input in FuzzCases.Values(dtype, shapes.Input, ValueKind.Logit)
        from target in FuzzCases.Values(dtype, shapes.Target, ValueKind.Logit)
        from beta in Gen.Frequency(
            (3, Gen.Const<double?>(() => null)), (2, Gen.Const<double?>(() => 0.0)), (1, Gen.Const<double?>(() => -0.0)),
            (4, Gen.Double[0, 3].Select(v => (double?)v)), (1, Gen.OneOfConst<double?>(1e-40, 1e-7, 1e30, 5e-324, double.PositiveInfinity)),
            (1, Gen.OneOfConst<double?>(-1.0, double.NaN)))
        from reduction in FuzzCases.AnyReduction
        from mutation in FuzzCases.Mutation
        select RegressionMutate(new OpCall(this, ArgSet.Of(("reduction", reduction.Name()), ("beta", beta)), ("input", input), ("target", target)), mutation);

    /// <summary>Input and target shapes: equal mostly; else the target broadcasts to the input, or the input to the target.</summary>
    internal static Gen<(int[] Input, int[] Target)> RegressionShapePair(FuzzBounds b) =>
        from shape in FuzzCases.Shape(0, 5, b)
        from other in FuzzCases.BroadcastShape(shape)
        from kind in Gen.Frequency((6, Gen.Const(0)), (2, Gen.Const(1)), (1, Gen.Const(2)))
        select kind switch
        {
            0 => (shape, (int[])shape.Clone()),
            1 => (shape, other),
            _ => (other, shape),
        };

    /// <summary>A deliberate mistake: a target that does not broadcast, of the other dtype, int64, or an invalid reduction.</summary>
    internal static OpCall RegressionMutate(OpCall call, int mutation, string primary = "input", string second = "target")
    {
        if (mutation < 0)
        {
            return call;
        }
        var input = call.Required(primary);
        var target = call.Required(second);
        var dtype = input.DType;
        var other = dtype == DType.Float32 ? DType.Float64 : DType.Float32;
        int[] shape = input.ShapeArray();
        return mutation switch
        {
            0 => call.With(second, OpBackends.Ones(dtype, shape.Length == 0 ? [2] : [.. shape[..^1], shape[^1] + 2])),
            1 => call.With(second, target.To(other)),
            2 => call.With(second, target.To(DType.Int64)),
            _ => call.WithArg("reduction", "avg"),
        };
    }
}
