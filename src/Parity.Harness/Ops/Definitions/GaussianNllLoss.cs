using System.Globalization;
using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.gaussian_nll_loss(input, target, var, full, eps, reduction)</c> with a tensor <c>var</c>:
/// native <see cref="Functional.GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>; the reference
/// reproduces Python's function (it has no ATen op) step for step in TorchScript.
/// </summary>
/// <remarks>
/// <para>A Python float <c>var</c> (<c>Tensor | float</c>) is not in the schema: a parameter here is either a tensor or a
/// scalar under one name. The native float overload exists.</para>
/// <para><b>The graph executor.</b> TorchScript's profiling executor, from the second call of a function on, merges
/// chains of differentiable ops into a <c>DifferentiableGraph</c> whose gradients come from its symbolic formulas, not
/// from autograd's: e.g. div's gradient for its divisor becomes <c>−g·a/(b·b)</c> instead of autograd's
/// <c>−g·((a/b)/b)</c>, and var's gradient changed in its last bits after the first call. Each differentiable op of the
/// reference therefore sits alone in an <c>if eager:</c> block (<c>eager</c> is always true and passed in, so it is not
/// folded): the executor differentiates nothing across blocks, and every call runs autograd's eager formulas. The
/// in-place clamp runs on <c>var.detach()</c> (TorchScript here has no <c>torch.no_grad()</c>): the same kernel on the same
/// storage, unrecorded, as Python's <c>with torch.no_grad(): var.clamp_(min=eps)</c>.</para>
/// </remarks>
public sealed class GaussianNllLoss : OpDefinition
{
    private const long Seed = 7204;

    /// <summary>Python's <c>0.5 * math.log(2 * math.pi)</c>.</summary>
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("gaussian_nll_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("var", Differentiable: true)],
        [new ScalarParam("full", ArgKind.Bool, ArgValue.Of(false)), new ScalarParam("eps", ArgKind.Float, ArgValue.Of(1e-6)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.gaussian_nll_loss`, `nn.GaussianNLLLoss`", "`Functional.GaussianNllLoss(input, target, var, full, eps, reduction)`, `GaussianNLLLoss`",
        "TorchScript of Python's `gaussian_nll_loss` (clone, clamp, log, sub, pow, div, add, mul), one op per `if` block",
        "`var` (tensor or float), `full`, `eps`, `reduction` / all / a 1.8-era re-implementation (per-sample sums, no gradient to `variance`, module `eps` 1e-8)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => WithPythonReduction(call, r =>
        Functional.GaussianNllLoss(call.Required("input"), call.Required("target"), call.Required("var"), call.Bool("full"), call.Float("eps"), r));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var grads = new Lazy<GaussianNllLossGrads>(() => WithPythonReduction(call, r => Functional.GaussianNllLossBackward(
            gradOutput, call.Required("input"), call.Required("target"), call.Required("var"), call.Bool("full"), call.Float("eps"), r)));
        return Pick(wrt, ("input", () => grads.Value.Input!), ("target", () => grads.Value.Target!), ("var", () => grads.Value.Var!));
    }

    /// <summary>
    /// Runs a native call with the written reduction. Python's own check (<c>"{reduction} is not valid"</c>, raised at its
    /// place among the other checks) has no enum value to carry an arbitrary string, so an invalid one is passed as a
    /// value the native check rejects at the same place, and its text is put back.
    /// </summary>
    internal static T WithPythonReduction<T>(OpCall call, Func<Reduction, T> run)
    {
        string r = call.Arg("reduction").AsString;
        if (r is "none" or "mean" or "sum")
        {
            return run(Parity.Native.Reductions.Parse(r));
        }
        try
        {
            return run(Reduction.BatchMean);
        }
        catch (TorchException e) when (e.Kind == TorchErrorKind.ValueError && e.Message == "batchmean is not valid")
        {
            throw new TorchException(TorchErrorKind.ValueError, $"{r} is not valid");
        }
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, unsqueeze: bool, full: bool, eps: float, reduction: int, half_log_two_pi: float, eager: bool) -> Tensor:
            if unsqueeze:
                var = torch.unsqueeze(var, -1)
            if eager:
                var = var.clone()
            var.detach().clamp_(min=eps)
            lv = var
            if eager:
                lv = torch.log(var)
            d = input
            if eager:
                d = input - target
            sq = d
            if eager:
                sq = d ** 2
            ratio = sq
            if eager:
                ratio = sq / var
            s = ratio
            if eager:
                s = lv + ratio
            loss = s
            if eager:
                loss = 0.5 * s
            if full:
                loss += half_log_two_pi
            if reduction == 1:
                if eager:
                    loss = loss.mean()
            elif reduction == 2:
                if eager:
                    loss = loss.sum()
            return loss
        """;

    /// <inheritdoc/>
    /// <remarks>
    /// torch/nn/functional.py, gaussian_nll_loss (2.10): <c>torch.any(var &lt; 0)</c> → ValueError; a var of input's
    /// size without its last dimension is unsqueezed at −1; else the same rank with mismatching sizes of var summing to 1
    /// passes; else ValueError "var is of incorrect size"; then a reduction other than none/mean/sum →
    /// <c>ValueError(reduction + " is not valid")</c>; then the tensor steps.
    /// </remarks>
    public override ReferenceCall Reference(OpCall call)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        var var = call.Required("var");
        for (int i = 0; i < var.Numel; i++)
        {
            if (var.GetDouble(i) < 0)
            {
                throw new TorchException(TorchErrorKind.ValueError, "var has negative entry/entries");
            }
        }
        bool unsqueeze = false;
        if (!var.Shape.SequenceEqual(input.Shape))
        {
            int[] inShape = input.ShapeArray();
            int[] varShape = var.ShapeArray();
            if (inShape.AsSpan(0, Math.Max(0, inShape.Length - 1)).SequenceEqual(varShape))
            {
                unsqueeze = true;
            }
            else if (!(inShape.Length == varShape.Length && inShape.Zip(varShape).Where(p => p.First != p.Second).Sum(p => (long)p.Second) == 1))
            {
                throw new TorchException(TorchErrorKind.ValueError, "var is of incorrect size");
            }
        }
        string reduction = call.Arg("reduction").AsString;
        long aten = reduction switch
        {
            "none" => 0,
            "mean" => 1,
            "sum" => 2,
            _ => throw new TorchException(TorchErrorKind.ValueError, reduction + " is not valid"),
        };
        return new("gaussian_nll_loss", [input, target, var, unsqueeze, call.Bool("full"), call.Float("eps"), aten, HalfLogTwoPi, true]);
    }

    private static readonly (string Tag, int[] Input, int[] Target, int[] Var)[] Shapes =
    [
        ("S", [], [], []),
        ("C5", [5], [5], [5]),
        ("C5.vu", [5], [5], []),
        ("N4C5", [4, 5], [4, 5], [4, 5]),
        ("N4C5.vu", [4, 5], [4, 5], [4]),
        ("N4C5.v1", [4, 5], [4, 5], [4, 1]),
        ("N4C5.v1c", [4, 5], [4, 5], [1, 5]),
        ("N4C5.tb", [4, 5], [5], [4, 5]),
        ("N2C3d4.v1", [2, 3, 4], [2, 3, 4], [2, 1, 4]),
        ("N0C5", [0, 5], [0, 5], [0, 5]),
        ("N0C5.vu", [0, 5], [0, 5], [0]),
    ];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (bool full in new[] { false, true })
                {
                    foreach (double? eps in new double?[] { null, 0.5 })
                    {
                        foreach (var s in Shapes)
                        {
                            string e = eps is { } v ? "eps=" + v.ToString("R", CultureInfo.InvariantCulture) : "eps=default";
                            yield return new CaseSpec
                            {
                                Name = $"gaussian_nll_loss.{dtype.Name()}.{red.Name()}.full={(full ? "T" : "F")}.{e}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seed,
                                Inputs = [InputSpec.Randn("input", s.Input), InputSpec.Randn("target", s.Target), InputSpec.Rand("var", s.Var)],
                                Args = ArgSet.Of(("full", full ? true : null), ("eps", eps), ("reduction", red)), Grad = true, ExpectBitIdentical = true,
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
            foreach (var r in CaseKit.Reductions)
            {
                // var below eps (clamped; the gradient still flows as if unclamped), exactly eps, 0, NaN (kept), ∞, huge differences.
                yield return new CaseSpec
                {
                    Name = $"gaussian_nll_loss.{dt.Name()}.{r.Name()}.edges.clamp", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [10], 0, 1, -1, 2, 0.5, NaN, Inf, 1e30, 3, -0.0)),
                        I("target", V(dt, [10], 0, 0, 1, 2, -0.5, 0, 0, -1e30, Inf, 0)),
                        I("var", V(dt, [10], 0, 1e-7, 1e-6, 1e-40, NaN, 1, 2, 1e30, Inf, 0)),
                    ],
                    Args = ArgSet.Of(("reduction", r)), Grad = true, ExpectBitIdentical = true,
                };
                foreach (double eps in new[] { 0.0, 1.0, 1e-45 })
                {
                    yield return new CaseSpec
                    {
                        Name = $"gaussian_nll_loss.{dt.Name()}.{r.Name()}.full=T.eps={eps.ToString("R", CultureInfo.InvariantCulture).Replace("+", "", StringComparison.Ordinal)}.edges.clamp", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                        Inputs = [I("input", V(dt, [2, 3], 0, 1, -1, 2, 0.5, 4)), I("target", V(dt, [2, 3], 0, 0, 1, 2, -0.5, 0)), I("var", V(dt, [2, 1], 0, 0.25))],
                        Args = ArgSet.Of(("full", true), ("eps", eps), ("reduction", r)), Grad = true, ExpectBitIdentical = true,
                    };
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var t23 = F([2, 3], 0, 1, 0, 1, 0, 1);
        var v23 = F([2, 3], 1, 2, 3, 1, 2, 3);
        return
        [
            new("var-negative", V, "var has negative entry/entries", [I("input", x23), I("target", t23), I("var", F([2, 3], 1, 2, -3, 1, 2, 3))]),
            new("var-negative-before-size", V, "var has negative entry/entries", [I("input", x23), I("target", t23), I("var", F([4], 1, -2, 3, 1))]),
            new("var-size", V, "var is of incorrect size", [I("input", x23), I("target", t23), I("var", F([3], 1, 2, 3))]),
            new("var-size-two-mismatches", V, "var is of incorrect size", [I("input", x23), I("target", t23), I("var", F([1, 1], 1))]),
            new("var-size-rank", V, "var is of incorrect size", [I("input", x23), I("target", t23), I("var", F([2, 3, 1], 1, 2, 3, 1, 2, 3))]),
            new("reduction", V, "batchmean is not valid", [I("input", x23), I("target", t23), I("var", v23)], ArgSet.Of(("reduction", "batchmean"))),
            new("reduction-after-size", V, "var is of incorrect size", [I("input", x23), I("target", t23), I("var", F([3], 1, 2, 3))], ArgSet.Of(("reduction", "avg"))),
            new("reduction-before-broadcast", V, "avg is not valid", [I("input", x23), I("target", F([4], 0, 1, 0, 1)), I("var", v23)], ArgSet.Of(("reduction", "avg"))),
            new("target-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", [I("input", x23), I("target", F([4], 0, 1, 0, 1)), I("var", v23)]),
            new("var-int64", R, "result type Float can't be cast to the desired output type long int", [I("input", x23), I("target", t23), I("var", L([2, 3], 1, 2, 3, 1, 2, 3))]),
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned() => [];

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, bounds)
        from tshape in Gen.Frequency((4, Gen.Const(shape)), (1, FuzzCases.BroadcastShape(shape)))
        from vshape in VarShape(shape)
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from target in FuzzCases.Values(dtype, tshape, ValueKind.Logit)
        from var in VarValues(dtype, vshape)
        from full in Gen.Bool
        from eps in Gen.Frequency((3, Gen.Const((double?)null)), (1, Gen.OneOfConst<double?>(0.0, 1e-45, 0.5, 1.0, 1e30, -1.0, double.NaN, double.PositiveInfinity)))
        from reduction in Gen.Frequency((12, FuzzCases.AnyReduction.Select(r => r.Name())), (1, Gen.Const("avg")))
        select new OpCall(this, ArgSet.Of(("full", full), ("eps", eps), ("reduction", reduction)), ("input", input), ("target", target), ("var", var));

    /// <summary>var shapes: input's; input's without the last dimension; one dimension set to 1; or (rarely) a wrong one.</summary>
    private static Gen<int[]> VarShape(int[] shape) => shape.Length == 0
        ? Gen.Frequency((6, Gen.Const(shape)), (1, Gen.Const(new[] { 1 })))
        : Gen.Frequency(
            (4, Gen.Const(shape)),
            (2, Gen.Const(shape[..^1])),
            (2, Gen.Int[0, shape.Length - 1].Select(d => shape.Select((x, i) => i == d ? 1 : x).ToArray())),
            (1, Gen.Const(shape.Select(x => x + 1).ToArray())));

    /// <summary>Variances: mostly positive, with zeros, values below eps, NaN, ∞ and (rarely) negatives.</summary>
    private static Gen<Tensor> VarValues(DType dtype, int[] shape)
    {
        var valid = Gen.Frequency(
            (10, Gen.Double[0, 4]),
            (2, Gen.OneOfConst(0.0, -0.0, 1e-7, 1e-6, 1e-40, 1.401298464324817e-45, 1e30, double.PositiveInfinity, double.NaN)));
        var withNegatives = Gen.Frequency((6, valid), (1, Gen.OneOfConst(-1e-7, -1.0)));
        // One var tensor in 13 may hold negatives (the ValueError); the others exercise the arithmetic.
        int n = Tensor.NumelOf(shape);
        return Gen.Frequency((12, valid.Array[n]), (1, withNegatives.Array[n])).Select(v => Tensor.FromDoubles(dtype, v, shape));
    }
}
