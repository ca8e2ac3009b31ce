using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.soft_margin_loss(input, target, reduction)</c>: native <see cref="Functional.SoftMarginLoss"/>;
/// reference <c>aten::soft_margin_loss</c> (Python only maps the reduction string with <c>_Reduction.get_enum</c>).
/// </summary>
/// <remarks>
/// The target must broadcast <i>into</i> input's shape (ATen's out-kernel writes into an input-shaped tensor), and it is
/// not differentiable: libtorch refuses a target that requires a gradient when the forward runs.
/// </remarks>
public sealed class SoftMarginLoss : OpDefinition
{
    private const long Seed = 7201;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("soft_margin_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", NoGradError: Functional.SoftMarginTargetNotDifferentiable)],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.soft_margin_loss`, `nn.SoftMarginLoss`", "`Functional.SoftMarginLoss(input, target, reduction)`, `SoftMarginLoss`",
        "TorchScript `torch.soft_margin_loss`", "`reduction` / `reduction` / `reduction`");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.SoftMarginLoss(call.Required("input"), call.Required("target"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.SoftMarginLossBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def soft_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
            return torch.soft_margin_loss(input, target, reduction)
        """;

    /// <inheritdoc/>
    /// <remarks>torch/nn/functional.py, soft_margin_loss: <c>_Reduction.get_enum(reduction)</c>, then ATen.</remarks>
    public override ReferenceCall Reference(OpCall call) =>
        new("soft_margin_loss", [call.Required("input"), call.Required("target"), AtenReduction(call)]);

    /// <summary>Element-wise shapes plus a target broadcast along the batch (<c>.tb</c>: target (C) against input (N, C)).</summary>
    internal static IReadOnlyList<MatrixShape> ElementAndBroadcastShapes { get; } =
        [.. ElementShapes, new("N4C5.tb", [4, 5], [5]), new("N4C5.t0d", [4, 5], [])];

    /// <summary>Input (N,1) against target (1,C): the broadcast enlarges both (allowed where ATen does not write in place).</summary>
    internal static MatrixShape Outer { get; } = new("N4C1xC5", [4, 1], [1, 5]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var s in ElementAndBroadcastShapes)
                {
                    foreach (string t in new[] { "t=pm1", "t=real" })
                    {
                        if (t == "t=real" && s.Input.Length != 2)
                        {
                            continue;
                        }
                        yield return new CaseSpec
                        {
                            Name = $"soft_margin_loss.{dtype.Name()}.{red.Name()}.{t}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seed,
                            Inputs = [InputSpec.Randn("input", s.Input), t == "t=pm1" ? InputSpec.Randint("target", -1, 2, s.Target) : InputSpec.Randn("target", s.Target)],
                            // float32 real-valued targets: exp is MKL's in libtorch (1 ulp from glibc's on some values).
                            Args = ArgSet.Of(("reduction", red)), Grad = true, ExpectBitIdentical = !(dtype == DType.Float32 && t == "t=real"),
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
            foreach (var r in CaseKit.Reductions)
            {
                // −y·x past exp's overflow (≈88.7 float32, ≈709.8 float64) gives +∞ (libtorch's formula is not overflow-safe).
                yield return new CaseSpec
                {
                    Name = $"soft_margin_loss.{dt.Name()}.{r.Name()}.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [12], 0, -0.0, 100, -100, 800, -800, 88.8, 1e-30, NaN, Inf, -Inf, 20)),
                        I("target", V(dt, [12], 1, -1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 0)),
                    ],
                    Args = ArgSet.Of(("reduction", r)), Grad = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x3 = F([3], 0.5, -1, 2);
        return
        [
            new("target-enlarges", R, "output with shape [3] doesn't match the broadcast shape [3, 3]", [I("input", x3), I("target", F([3, 1], 1, -1, 1))]),
            new("target-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0", [I("input", x3), I("target", F([2], 1, -1))]),
            new("reduction", TorchErrorKind.ValueError, "batchmean is not a valid value for reduction", [I("input", x3), I("target", F([3], 1, -1, 1))], ArgSet.Of(("reduction", "batchmean"))),
            new("reduction-elementwise", TorchErrorKind.ValueError, "avg is not a valid value for reduction", [I("input", x3), I("target", F([3], 1, -1, 1))], ArgSet.Of(("reduction", "avg"))),
            new("int64-input", R, "result type Float can't be cast to the desired output type Long", [I("input", L([3], 1, 2, 3)), I("target", F([3], 1, -1, 1))]),
            new("target-grad", R, Functional.SoftMarginTargetNotDifferentiable, [I("input", x3), I("target", F([3], 1, -1, 1))]) { Grad = true, GradOnly = ["target"] },
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        CaseSpec Finding(string name, DType dt, Tensor input, Tensor target, Reduction r) => new()
        {
            Name = $"fuzz.soft_margin_loss.{name}", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
            Inputs = [I("input", input), I("target", target)], Args = ArgSet.Of(("reduction", r)), Grad = true,
        };
        // exp(−y·x) past 1e38 (float32) / 1e307 (float64): libtorch's SLEEF log1p returns log(d) there (the native port
        // returned +∞, SLEEF's older cut-off).
        yield return Finding("seed=7.case=40", DType.Float32, F([1, 1], -88.7), F([1, 1], 1), Reduction.Sum);
        yield return Finding("log1p-large.float32", DType.Float32, F([4], -88.0, -87.6, 88.5, -88.72), F([4], 1, 1, -1, 1), Reduction.None);
        yield return Finding("log1p-large.float64", DType.Float64, D([4], -709.0, -707.5, 708.9, -709.7), D([4], 1, 1, -1, 1), Reduction.None);
        // An int64 target of −2⁶³: the backward's −target wraps to −2⁶³ in int64, so exp(−target·x) is 0, not ∞ (native gave NaN).
        yield return Finding("seed=7.case=159", DType.Float32, F([1, 1], 1), L([1, 1], long.MinValue), Reduction.None);
        yield return Finding("seed=7.case=348", DType.Float64, D([1], 1), L([1], long.MinValue), Reduction.Sum);
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, bounds)
        from tshape in TargetShape(shape)
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from target in SignTargets(dtype, tshape)
        from reduction in FuzzCases.AnyReduction
        from mutation in FuzzCases.Mutation
        select MutateTarget(new OpCall(this, ArgSet.Of(("reduction", reduction)), ("input", input), ("target", target)), mutation);

    /// <summary>The target shape: mostly the input's, sometimes a broadcastable suffix.</summary>
    internal static Gen<int[]> TargetShape(int[] shape) =>
        Gen.Frequency((3, Gen.Const(shape)), (1, FuzzCases.BroadcastShape(shape)));

    /// <summary>±1 labels mostly, with 0, other reals, NaN and ±∞.</summary>
    internal static Gen<Tensor> SignTargets(DType dtype, int[] shape) =>
        Gen.Frequency(
            (12, Gen.OneOfConst(1.0, -1.0)),
            (1, Gen.OneOfConst(0.0, -0.0, 2.0, 0.5, -3.0, 1e30)),
            (1, Gen.OneOfConst(double.NaN, double.PositiveInfinity, double.NegativeInfinity)))
        .Array[Tensor.NumelOf(shape)].Select(v => Tensor.FromDoubles(dtype, v, shape));

    /// <summary>A deliberate mistake: a target of the other dtype, int64, one that does not broadcast, or one that enlarges.</summary>
    internal static OpCall MutateTarget(OpCall call, int mutation)
    {
        if (mutation < 0)
        {
            return call;
        }
        var input = call.Required("input");
        var target = call.Required("target");
        var other = input.DType == DType.Float32 ? DType.Float64 : DType.Float32;
        int last = input.Dim == 0 ? 1 : input.Shape[^1];
        return mutation switch
        {
            0 => call.With("target", target.To(other)),
            1 => call.With("target", target.To(DType.Int64)),
            2 => call.With("target", OpBackends.Ones(input.DType, [last + 1])),
            _ => call.With("target", OpBackends.Ones(input.DType, [2, .. input.ShapeArray()])),
        };
    }
}
