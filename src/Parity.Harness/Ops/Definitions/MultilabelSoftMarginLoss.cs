using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.multilabel_soft_margin_loss(input, target, weight, reduction)</c>: native
/// <see cref="Functional.MultilabelSoftMarginLoss"/>; the reference reproduces Python's composition (it has no ATen op)
/// in TorchScript, one differentiable op per <c>if eager:</c> block (see <see cref="GaussianNllLoss"/> for why).
/// </summary>
public sealed class MultilabelSoftMarginLoss : OpDefinition
{
    private const long Seed = 7205;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("multilabel_soft_margin_loss",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("weight", Required: false, Differentiable: true)],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.multilabel_soft_margin_loss`, `nn.MultiLabelSoftMarginLoss`", "`Functional.MultilabelSoftMarginLoss(input, target, weight, reduction)`, `MultiLabelSoftMarginLoss`",
        "TorchScript of Python's composition (log_sigmoid, mul, rsub, neg, add, weight, sum over the last dimension, / C), one op per `if` block",
        "`weight`, `reduction` / both / both");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => GaussianNllLoss.WithPythonReduction(call, r =>
        Functional.MultilabelSoftMarginLoss(call.Required("input"), call.Required("target"), call["weight"], r));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var grads = new Lazy<MultilabelSoftMarginLossGrads>(() => GaussianNllLoss.WithPythonReduction(call, r =>
            Functional.MultilabelSoftMarginLossBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], r)));
        return Pick(wrt, ("input", () => grads.Value.Input), ("target", () => grads.Value.Target!), ("weight", () => grads.Value.Weight!));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, eager: bool) -> Tensor:
            a = input
            if eager:
                a = torch.log_sigmoid(input)
            b = a
            if eager:
                b = target * a
            one_minus = target
            if eager:
                one_minus = 1 - target
            neg = input
            if eager:
                neg = -input
            c = neg
            if eager:
                c = torch.log_sigmoid(neg)
            e = c
            if eager:
                e = one_minus * c
            f = b
            if eager:
                f = b + e
            loss = f
            if eager:
                loss = -f
            if weight is not None:
                w = weight
                if eager:
                    loss = loss * w
            class_dim = input.dim() - 1
            C = input.size(class_dim)
            if eager:
                loss = loss.sum(dim=class_dim)
            if eager:
                loss = loss / C
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
    /// torch/nn/functional.py, multilabel_soft_margin_loss: the loss is computed first and a reduction other than
    /// none/mean/sum raises <c>ValueError(reduction + " is not valid")</c> after it. TorchScript cannot raise that text, so
    /// for such a reduction the computation's own failures are decided here from the shapes and dtypes (an integer input,
    /// a target or weight that does not broadcast, a 0-D input): when one applies, the unreduced computation runs on
    /// libtorch and raises it; otherwise the ValueError is raised.
    /// </remarks>
    public override ReferenceCall Reference(OpCall call)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        var weight = call["weight"];
        string reduction = call.Arg("reduction").AsString;
        long aten;
        switch (reduction)
        {
            case "none": aten = 0; break;
            case "mean": aten = 1; break;
            case "sum": aten = 2; break;
            default:
                int[]? shape = BroadcastShape(input.ShapeArray(), target.ShapeArray());
                bool fails = !input.DType.IsFloatingPoint() || shape is null || (weight is not null && BroadcastShape(shape, weight.ShapeArray()) is null) || input.Dim == 0;
                if (!fails)
                {
                    throw new TorchException(TorchErrorKind.ValueError, reduction + " is not valid");
                }
                aten = 0;
                break;
        }
        return new("multilabel_soft_margin_loss", [input, target, weight, aten, true]);
    }

    /// <summary>The broadcast of two shapes, or null when they do not broadcast.</summary>
    private static int[]? BroadcastShape(int[] a, int[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        var r = new int[n];
        for (int i = 0; i < n; i++)
        {
            int x = i < n - a.Length ? 1 : a[i - (n - a.Length)];
            int y = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (x != y && x != 1 && y != 1)
            {
                return null;
            }
            r[i] = x == 1 ? y : x;
        }
        return r;
    }

    /// <inheritdoc/>
    public override TorchErrorKind? AtenErrorKind(string message) =>
        message.StartsWith("Dimension specified as", StringComparison.Ordinal) ? TorchErrorKind.IndexError : null;

    private static readonly MatrixShape[] Shapes =
    [
        new("C5", [5], [5]), new("N4C5", [4, 5], [4, 5]), new("N2C3d4", [2, 3, 4], [2, 3, 4]), new("N0C5", [0, 5], [0, 5]),
        new("N4C1", [4, 1], [4, 1]), new("N4C0", [4, 0], [4, 0]), new("N4C5.tb", [4, 5], [5]),
    ];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (string w in new[] { "nw", "wC", "wfull" })
                {
                    foreach (string t in new[] { "t=01", "t=p" })
                    {
                        foreach (var s in Shapes)
                        {
                            if (t == "t=p" && s.Input.Length != 2)
                            {
                                continue;
                            }
                            var inputs = new List<InputSpec>
                            {
                                InputSpec.Randn("input", s.Input),
                                t == "t=01" ? InputSpec.Randint("target", 0, 2, s.Target) : InputSpec.Rand("target", s.Target),
                            };
                            if (w != "nw")
                            {
                                inputs.Add(InputSpec.Rand("weight", w == "wC" ? [s.Last] : s.Input));
                            }
                            yield return new CaseSpec
                            {
                                Name = $"multilabel_soft_margin_loss.{dtype.Name()}.{red.Name()}.{w}.{t}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seed,
                                Inputs = inputs, Args = ArgSet.Of(("reduction", red)), Grad = true, ExpectBitIdentical = true,
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
                // Saturated logits (log_sigmoid never overflows), ±∞, NaN, −0, subnormals; targets outside [0, 1]; zero and ∞ weights.
                yield return new CaseSpec
                {
                    Name = $"multilabel_soft_margin_loss.{dt.Name()}.{r.Name()}.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seed,
                    Inputs =
                    [
                        I("input", V(dt, [2, 6], 100, -100, 1e4, -1e4, Inf, -Inf, NaN, 0, -0.0, 1e-40, 30, -30)),
                        I("target", V(dt, [2, 6], 1, 0, 0, 1, 1, 0, 1, 0.5, 1, 0, 2, -1)),
                        I("weight", V(dt, [6], 1, 0, 2, Inf, 0.5, -1)),
                    ],
                    Args = ArgSet.Of(("reduction", r)), Grad = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var t23 = F([2, 3], 0, 1, 0, 1, 0, 1);
        return
        [
            new("weight-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1", [I("input", x23), I("target", t23), I("weight", F([2], 1, 2))]),
            new("target-not-broadcastable", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1", [I("input", x23), I("target", F([2], 0, 1))]),
            new("0d-input", TorchErrorKind.IndexError, "Dimension specified as -1 but tensor has no dimensions", [I("input", F([], 0.5)), I("target", F([], 1))]),
            new("int64-input", TorchErrorKind.NotImplementedError, "\"log_sigmoid_cpu\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", F([2], 0, 1))]),
            new("reduction", V, "batchmean is not valid", [I("input", x23), I("target", t23)], ArgSet.Of(("reduction", "batchmean"))),
            new("reduction-after-broadcast", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1", [I("input", x23), I("target", t23), I("weight", F([2], 1, 2))], ArgSet.Of(("reduction", "avg"))),
            new("reduction-after-0d", TorchErrorKind.IndexError, "Dimension specified as -1 but tensor has no dimensions", [I("input", F([], 0.5)), I("target", F([], 1))], ArgSet.Of(("reduction", "avg"))),
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 4, bounds)
        from tshape in Gen.Frequency((4, Gen.Const(shape)), (1, FuzzCases.BroadcastShape(shape)))
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from target in FuzzCases.Values(dtype, tshape, ValueKind.BinaryTarget)
        from weight in FuzzCases.Optional(FuzzCases.BroadcastShape(shape).SelectMany(s => FuzzCases.Values(dtype, s, ValueKind.Weight)))
        from reduction in Gen.Frequency((12, FuzzCases.AnyReduction.Select(r => r.Name())), (1, Gen.Const("avg")))
        from mutation in FuzzCases.Mutation
        select SoftMarginLoss.MutateTarget(new OpCall(this, ArgSet.Of(("reduction", reduction)), ("input", input), ("target", target), ("weight", weight)), mutation);
}
