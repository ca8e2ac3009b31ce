using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.kl_div(input, target, reduction, log_target)</c>: native <see cref="Functional.KlDiv"/>;
/// reference <c>aten::kl_div</c> after Python's steps ('mean' warns; 'batchmean' asks ATen for the sum and divides by
/// <c>input.size()[0]</c> unless input is 0-D).
/// </summary>
public sealed class KlDiv : OpDefinition
{
    private const long Seed = 7202;

    /// <summary>The UserWarning Python's kl_div issues for reduction='mean' (torch/nn/functional.py; its sentences run together).</summary>
    private const string MeanWarning =
        "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.";

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("kl_div",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true)],
        [ScalarParam.Reduction("none", "mean", "sum", "batchmean"), new ScalarParam("log_target", ArgKind.Bool, ArgValue.Of(false))]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.kl_div`, `nn.KLDivLoss`", "`Functional.KlDiv(input, target, reduction, logTarget)`, `KLDivLoss`",
        "TorchScript `torch.kl_div`, then Python's 'batchmean' division",
        "`reduction` (with `'batchmean'`), `log_target` / both / no `'batchmean'`; `log_target` defaults to true");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.KlDiv(call.Required("input"), call.Required("target"), call.Reduction, call.Bool("log_target"));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var grads = new Lazy<KlDivGrads>(() =>
        {
            // The native backward repeats the frontend's steps, 'mean' warning included; Python warned once, in the forward.
            using var repeated = TorchWarnings.Capture(out _);
            return Functional.KlDivBackward(gradOutput, call.Required("input"), call.Required("target"), call.Reduction, call.Bool("log_target"));
        });
        return Pick(wrt, ("input", () => grads.Value.Input), ("target", () => grads.Value.Target));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def kl_div(input: Tensor, target: Tensor, reduction: int, log_target: bool, batchmean: bool) -> Tensor:
            reduced = torch.kl_div(input, target, reduction, log_target=log_target)
            if batchmean and input.dim() != 0:
                reduced = reduced / input.size()[0]
            return reduced
        """;

    /// <inheritdoc/>
    /// <remarks>
    /// torch/nn/functional.py, kl_div: 'mean' warns (before the reduction is looked up), 'batchmean' becomes
    /// <c>_Reduction.get_enum("sum")</c>, any other string goes through <c>_Reduction.get_enum</c> (ValueError).
    /// </remarks>
    public override ReferenceCall Reference(OpCall call)
    {
        string reduction = call.Arg("reduction").AsString;
        if (reduction == "mean")
        {
            TorchWarnings.Warn(MeanWarning);
        }
        bool batchmean = reduction == "batchmean";
        long enumValue = batchmean ? 2 : AtenReduction(call);
        return new("kl_div", [call.Required("input"), call.Required("target"), enumValue, call.Bool("log_target"), batchmean]);
    }

    private static readonly string[] AllReductions = ["none", "mean", "sum", "batchmean"];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (string red in AllReductions)
            {
                foreach (bool logTarget in new[] { false, true })
                {
                    foreach (var s in SoftMarginLoss.ElementAndBroadcastShapes.Append(SoftMarginLoss.Outer))
                    {
                        var target = logTarget ? InputSpec.Randn("target", s.Target, InputMap.LogSoftmax) : InputSpec.Randn("target", s.Target, InputMap.Softmax);
                        yield return new CaseSpec
                        {
                            Name = $"kl_div.{dtype.Name()}.{red}.lt={(logTarget ? "T" : "F")}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seed,
                            Inputs = [InputSpec.Randn("input", s.Input, InputMap.LogSoftmax), target],
                            // float32 log targets go through exp (MKL's in libtorch, ≈1 % of values 1 ulp from glibc's).
                            Args = ArgSet.Of(("reduction", red), ("log_target", logTarget ? true : null)), Grad = true, ExpectBitIdentical = !logTarget || dtype == DType.Float64,
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
            foreach (string r in AllReductions)
            {
                // Zero targets (xlogy gives 0, the target gradient NaN), −∞ log-probabilities, NaN, subnormals.
                yield return new CaseSpec
                {
                    Name = $"kl_div.{dt.Name()}.{r}.lt=F.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [2, 5], -1, -Inf, 0, -2, NaN, -0.5, -1e30, -3, 0, -Inf)),
                        I("target", V(dt, [2, 5], 0, 0.5, 1, 1e-40, 0.25, NaN, 0, 2, -0.5, 0)),
                    ],
                    Args = ArgSet.Of(("reduction", r)), Grad = true,
                };
                yield return new CaseSpec
                {
                    Name = $"kl_div.{dt.Name()}.{r}.lt=T.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [2, 5], -1, -Inf, 0, -2, NaN, -0.5, -1e30, -3, 0, 5)),
                        I("target", V(dt, [2, 5], -Inf, -0.5, 0, -100, -1, NaN, 89, 710, -Inf, Inf)),
                    ],
                    Args = ArgSet.Of(("reduction", r), ("log_target", true)), Grad = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x3 = F([3], -1.2, -0.9, -1.3);
        var t3 = F([3], 0.2, 0.3, 0.5);
        return
        [
            new("int64-input", R, "kl_div: Integral inputs not supported.", [I("input", L([3], 0, 1, 2)), I("target", t3)]),
            new("int64-target", R, "kl_div: Integral inputs not supported.", [I("input", x3), I("target", L([3], 0, 1, 2))]),
            new("not-broadcastable", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0", [I("input", x3), I("target", F([2], 0.5, 0.5))]),
            new("reduction", TorchErrorKind.ValueError, "average is not a valid value for reduction", [I("input", x3), I("target", t3)], ArgSet.Of(("reduction", "average"))),
            new("reduction-batchsum", TorchErrorKind.ValueError, "batchsum is not a valid value for reduction", [I("input", x3), I("target", t3)], ArgSet.Of(("reduction", "batchsum"))),
            new("not-broadcastable.lt", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0", [I("input", x3), I("target", F([2], -0.5, -0.5))], ArgSet.Of(("log_target", true))),
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, bounds)
        from tshape in Gen.Frequency((4, Gen.Const(shape)), (1, FuzzCases.BroadcastShape(shape)))
        from logTarget in Gen.Bool
        from input in FuzzCases.Values(dtype, shape, ValueKind.LogProbability)
        from target in FuzzCases.Values(dtype, tshape, logTarget ? ValueKind.LogProbability : ValueKind.SoftTarget)
        from reduction in Gen.OneOfConst(AllReductions)
        from mutation in FuzzCases.Mutation
        select SoftMarginLoss.MutateTarget(new OpCall(this, ArgSet.Of(("reduction", reduction), ("log_target", logTarget)), ("input", input), ("target", target)), mutation);
}
