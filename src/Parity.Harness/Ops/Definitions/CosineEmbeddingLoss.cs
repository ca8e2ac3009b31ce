using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.cosine_embedding_loss(input1, input2, target, margin, reduction)</c>: native
/// <see cref="Functional.CosineEmbeddingLoss"/>; reference <c>aten::cosine_embedding_loss</c>.
/// </summary>
/// <remarks>
/// Python's frontend (<c>cosine_embedding_loss</c> in torch/nn/functional.py) reads the reduction
/// (<c>_Reduction.get_enum</c>, whose ValueError comes first) and calls <c>torch.cosine_embedding_loss</c>; the legacy
/// <c>size_average</c>/<c>reduce</c> arguments are not modelled. ATen's composite differentiates both inputs; the
/// target only selects (through comparisons), so a floating target asked for a gradient is unused in the graph.
/// </remarks>
public sealed class CosineEmbeddingLoss : OpDefinition
{
    private const long MatrixSeed = 5301, EdgeSeed = 5302, FindingSeed = 5304;

    /// <summary>
    /// What libtorch raises for <c>"grad": ["target"]</c>: the target only feeds comparisons, so the loss does not require
    /// grad. (Asked together with an input it would instead be "element 1of the differentiated Tensors appears to not have
    /// been used in the graph…"; the schema holds one text, that of asking for the target alone.)
    /// </summary>
    private const string NoTargetGrad = "element 0 of tensors does not require grad and does not have a grad_fn";

    /// <inheritdoc/>
    /// <remarks>
    /// libtorch's float sqrt (<c>sqrt_</c> of m1·m2 in Loss.cpp) is MKL VML's <c>vmsSqrt</c>/<c>vmdSqrt</c> (VML_HA), ±1 ulp
    /// from the correctly rounded root on 17 % of floats (1.3 % of doubles) and not reproducible natively. So the
    /// absolute tolerance grows by what 2 ulp of δ = √(m1·m2) (relative ε = 2⁻²² in float32, 2⁻⁵¹ in float64, the
    /// result dtype of the inputs, where the root is taken) move each result, propagated to first order:
    /// cos = P/δ moves by |cos|·ε, so each loss term by |cos|·ε (summed for 'sum', ÷ count for 'mean', max for 'none');
    /// ∂ℓ/∂P = gc/δ moves by ε and ∂ℓ/∂m = −gc·P/(2δ³)·(the other m) by 3ε, so ∂/∂x1 = 2·x1·∂ℓ/∂m1 + x2·∂ℓ/∂P moves by
    /// ε·(|x2·gc/δ| + 3·|2·x1·gc·P·m2/(2δ³)|) per term, summed as the gradient sums the terms to x1's shape (likewise x2);
    /// |gc| is bounded by the upstream weight of each row's losses (1, or 1/count for 'mean'). A dissimilar loss with
    /// |cos − margin| ≤ 4ε·|cos| can fall on either side of the clamp's mask, so its share of the row's gradient is added whole.
    /// The maximum over the elements is added; terms that are not finite add nothing.
    /// </remarks>
    public override Parity.Comparison.Tolerance FuzzTolerance(OpCall call, string result, Parity.Comparison.Tolerance standard)
    {
        if (call["input1"] is not { } t1 || call["input2"] is not { } t2 || call["target"] is not { } ty
            || !t1.DType.IsFloatingPoint() || !t2.DType.IsFloatingPoint() || t1.Dim != t2.Dim || t1.Dim is < 1 or > 2 || ty.Dim != t1.Dim - 1)
        {
            return standard;
        }
        double eps = t1.DType == DType.Float64 || t2.DType == DType.Float64 ? Math.ScaleB(1, -51) : Math.ScaleB(1, -22);
        int[] s1 = t1.ShapeArray(), s2 = t2.ShapeArray();
        int r1 = s1.Length == 2 ? s1[0] : 1, r2 = s2.Length == 2 ? s2[0] : 1, d1 = s1[^1], d2 = s2[^1];
        int ny = ty.Dim == 1 ? ty.ShapeArray()[0] : 1;
        if ((r1 != r2 && r1 != 1 && r2 != 1) || (d1 != d2 && d1 != 1 && d2 != 1))
        {
            return standard;
        }
        int rows = r1 == 1 ? r2 : r1, d = d1 == 1 ? d2 : d1;
        if (ny != rows && ny != 1 && rows != 1)
        {
            return standard;
        }
        int no = ny == 1 ? rows : ny;
        if (no == 0 || rows == 0)
        {
            return standard;
        }
        double[] x1 = t1.ToDoubleArray(), x2 = t2.ToDoubleArray(), y = ty.ToDoubleArray();
        Reduction reduction = call.Reduction;
        double margin = call.Float("margin"), w = reduction == Reduction.Mean ? 1.0 / no : 1.0;
        var cos = new double[rows];
        var delta = new double[rows];
        var m1 = new double[r1];
        var m2 = new double[r2];
        for (int r = 0; r < r1; r++)
        {
            for (int j = 0; j < d1; j++)
            {
                m1[r] += x1[(r * d1) + j] * x1[(r * d1) + j];
            }
            m1[r] += 1e-12;
        }
        for (int r = 0; r < r2; r++)
        {
            for (int j = 0; j < d2; j++)
            {
                m2[r] += x2[(r * d2) + j] * x2[(r * d2) + j];
            }
            m2[r] += 1e-12;
        }
        double A(int r, int j) => x1[((r1 == 1 ? 0 : r) * d1) + (d1 == 1 ? 0 : j)];
        double B(int r, int j) => x2[((r2 == 1 ? 0 : r) * d2) + (d2 == 1 ? 0 : j)];
        for (int r = 0; r < rows; r++)
        {
            double p = 0;
            for (int j = 0; j < d; j++)
            {
                p += A(r, j) * B(r, j);
            }
            delta[r] = Math.Sqrt(m1[r1 == 1 ? 0 : r] * m2[r2 == 1 ? 0 : r]);
            cos[r] = p / delta[r];
        }
        if (result == "output")
        {
            double sum = 0, max = 0;
            for (int i = 0; i < no; i++)
            {
                double c = cos[rows == 1 ? 0 : i], yi = y[ny == 1 ? 0 : i];
                double e = yi == 1 || (yi == -1 && c - margin > 0) ? eps * Math.Abs(c) : 0;
                if (double.IsFinite(e))
                {
                    sum += e;
                    max = Math.Max(max, e);
                }
            }
            double extra = reduction switch { Reduction.Sum => sum, Reduction.None => max, _ => sum / no };
            return Widen(standard, extra);
        }
        // |gc| per row: the upstream weights of the losses that read it.
        // A dissimilar loss whose cos − margin is within the root's reach of 0 may pass its gradient on one side and not
        // the other (the clamp's mask): its row's whole gradient is added (flip), not ε of it.
        var gc = new double[rows];
        var flip = new double[rows];
        for (int i = 0; i < no; i++)
        {
            int r = rows == 1 ? 0 : i;
            double yi = y[ny == 1 ? 0 : i];
            gc[r] += Math.Abs(yi) == 1 ? w : 0;
            flip[r] += yi == -1 && Math.Abs(cos[r] - margin) <= 4 * eps * Math.Abs(cos[r]) ? w : 0;
        }
        bool first = result == "input1";
        int own = first ? r1 : r2, ownD = first ? d1 : d2;
        var err = new double[own * ownD];
        for (int r = 0; r < rows; r++)
        {
            double gProd = gc[r] / delta[r], gm = gc[r] * Math.Abs(cos[r]) / (2 * delta[r] * delta[r]);
            double mOther = first ? m2[r2 == 1 ? 0 : r] : m1[r1 == 1 ? 0 : r];
            for (int j = 0; j < d; j++)
            {
                double self = first ? A(r, j) : B(r, j), other = first ? B(r, j) : A(r, j);
                double full = (Math.Abs(other) * gProd) + Math.Abs(2 * self * gm * mOther);
                double e = (eps * ((Math.Abs(other) * gProd) + (3 * Math.Abs(2 * self * gm * mOther))))
                    + (gc[r] > 0 ? flip[r] / gc[r] * full : 0);
                if (double.IsFinite(e))
                {
                    err[((own == 1 ? 0 : r) * ownD) + (ownD == 1 ? 0 : j)] += e;
                }
            }
        }
        return Widen(standard, err.Length == 0 ? 0 : err.Max());
    }

    private static Parity.Comparison.Tolerance Widen(Parity.Comparison.Tolerance standard, double extra) =>
        double.IsFinite(extra) && extra > 0 ? standard with { Atol = standard.Atol + extra } : standard;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("cosine_embedding_loss",
        [
            new TensorParam("input1", Differentiable: true), new TensorParam("input2", Differentiable: true),
            new TensorParam("target", NoGradError: NoTargetGrad),
        ],
        [new ScalarParam("margin", ArgKind.Float, ArgValue.Of(0.0)), ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.cosine_embedding_loss`, `nn.CosineEmbeddingLoss`", "`Functional.CosineEmbeddingLoss(input1, input2, target, margin, reduction)`, `CosineEmbeddingLoss`",
        "TorchScript `torch.cosine_embedding_loss`",
        "`margin`, `reduction` / both / both");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.CosineEmbeddingLoss(call.Required("input1"), call.Required("input2"), call.Required("target"), call.Float("margin"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var g = Functional.CosineEmbeddingLossBackward(gradOutput, call.Required("input1"), call.Required("input2"), call.Required("target"), call.Float("margin"), call.Reduction);
        return Pick(wrt, ("input1", () => g.Input1), ("input2", () => g.Input2));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float, reduction: int) -> Tensor:
            return torch.cosine_embedding_loss(input1, input2, target, margin, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) =>
        // torch/nn/functional.py cosine_embedding_loss: get_enum (ValueError), then ATen.
        new("cosine_embedding_loss", [call.Required("input1"), call.Required("input2"), call.Required("target"), call.Float("margin"), AtenReduction(call)]);

    /// <summary>(tag, input1 shape, input2 shape, target shape).</summary>
    private static readonly (string Tag, int[] X1, int[] X2, int[] Y)[] Shapes =
    [
        ("N4D5", [4, 5], [4, 5], [4]),
        ("D5", [5], [5], []),
        ("b.N4D5.x2=1xD5", [4, 5], [1, 5], [4]),
        ("b.N4D5.y=1", [4, 5], [4, 5], [1]),
        ("N0D5", [0, 5], [0, 5], [0]),
        ("N3D1", [3, 1], [3, 1], [3]),
        ("N3D0", [3, 0], [3, 0], [3]),
    ];

    private static readonly double?[] Margins = [null, 0.5, -0.5];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var (tag, s1, s2, sy) in Shapes)
                {
                    foreach (double? margin in Margins)
                    {
                        // Targets −1, 0 (contributes 0) and 1, drawn in the case dtype; int64 on the middle margin.
                        bool intTarget = margin == 0.5;
                        yield return DistanceFamily.Case(this, dtype,
                            $"{red.Name()}.margin={(margin is { } m ? DistanceFamily.Tag(m) : "def")}.{(intTarget ? "y=int64" : "y=float")}.{tag}", MatrixSeed,
                            [InputSpec.Randn("input1", s1), InputSpec.Randn("input2", s2), InputSpec.Randint("target", -1, 2, sy, intTarget ? DType.Int64 : null)],
                            ArgSet.Of(("margin", margin), ("reduction", red.Name())));
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
                // cos = margin exactly for y = −1 (the clamp's kink: 0·(...) passes), zero vectors (ε only), parallel rows,
                // targets other than ±1, ±∞ and NaN.
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.margin=0.edges.kink-and-zero", EdgeSeed,
                    [I("input1", V(dt, [4, 2], 1, 0, 0, 0, 1, 1, 3, 4)), I("input2", V(dt, [4, 2], 0, 1, 1, 1, 1, 1, -3, -4)), I("target", V(dt, [4], -1, -1, 1, -1))],
                    ArgSet.Of(("margin", 0.0), ("reduction", r.Name())));
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.edges.other-targets", EdgeSeed,
                    [InputSpec.Randn("input1", [5, 3]), InputSpec.Randn("input2", [5, 3]), I("target", V(dt, [5], 2, 0.5, -2, NaN, 1))],
                    ArgSet.Of(("reduction", r.Name())));
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.edges.specials", EdgeSeed,
                    [I("input1", V(dt, [3, 2], 1e30, 1e30, Inf, 1, NaN, 1)), I("input2", V(dt, [3, 2], 1e30, -1e30, 1, 1, 1, 1)), I("target", V(dt, [3], 1, -1, 1))],
                    ArgSet.Of(("reduction", r.Name())));
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var y2 = F([2], 1, -1);
        return
        [
            new("target-2d", R, "0D or 1D target tensor expected, multi-target not supported", [I("input1", x23), I("input2", x23), I("target", F([2, 1], 1, -1))]),
            new("1d-target-1d-inputs", R, "1D target tensor expects 2D input tensors, but found inputs with sizes [3] and [3].",
                [I("input1", F([3], 1, 2, 3)), I("input2", F([3], 3, 2, 1)), I("target", F([1], 1))]),
            new("0d-target-2d-inputs", R, "0D target tensor expects 1D input tensors, but found inputs with sizes [2, 3] and [2, 3].",
                [I("input1", x23), I("input2", x23), I("target", F([], 1))]),
            new("inputs-not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                [I("input1", x23), I("input2", F([2, 4], 1, 2, 3, 4, 5, 6, 7, 8)), I("target", y2)]),
            new("target-size", R, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
                [I("input1", x23), I("input2", x23), I("target", F([3], 1, -1, 1))]),
            new("reduction", TorchErrorKind.ValueError, "batchmean is not a valid value for reduction", [I("input1", x23), I("input2", x23), I("target", y2)],
                ArgSet.Of(("reduction", "batchmean"))),
            new("target.grad", R, NoTargetGrad,
                [I("input1", x23), I("input2", x23), I("target", y2)]) { Grad = true, GradOnly = ["target"] },
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // Seed 11 (fixed natively): inputs whose last dimensions broadcast (1 against D, or D = 0 against 1) — each Σx²
        // runs over its own input's last dimension; the native side had used the broadcast one (a crash).
        yield return DistanceFamily.Finding(this, "cosine_embedding_loss.seed=11.case=64", DType.Float32, FindingSeed,
            [I("input1", F([1, 1], 0)), I("input2", F([1, 2], 0, 0)), I("target", F([1], 0))], ArgSet.Of(("margin", 0.5555555555555556), ("reduction", "none")));
        yield return DistanceFamily.Finding(this, "cosine_embedding_loss.seed=11.case=313", DType.Float32, FindingSeed,
            [InputSpec.Randn("input1", [1, 0]), I("input2", F([1, 1], 0)), I("target", F([1], 0))], ArgSet.Of(("margin", -0.2558077258480549), ("reduction", "mean")));
        yield return DistanceFamily.Finding(this, "cosine_embedding_loss.last-dim-broadcast", DType.Float64, FindingSeed,
            [I("input1", D([2, 1], 0.5, -2)), I("input2", D([2, 3], 1, 2, 3, -1, 0, 4)), I("target", D([2], 1, -1))], ArgSet.Of(("reduction", "sum")));
        // Seed 11 (13 cases like it): input2 = −0 makes each δ = √(m1·1e-12) ≈ 1e-6, so ∂/∂input2 = Σ x1·gc/δ adds two
        // ≈ ±1e6 terms that cancel; libtorch's roots are MKL's vmsSqrt (±1 ulp), so the sum is 0.0625 there and 0 here.
        // The tolerance is the one FuzzTolerance derives: 2⁻²²·(1e6 + 1e6) ≈ 0.48 on the gradient.
        yield return DistanceFamily.Finding(this, "cosine_embedding_loss.seed=11.case=38", DType.Float32, FindingSeed,
            [I("input1", F([2, 1], 1, -0.62596005)), I("input2", F([1, 1], -0.0)), I("target", F([1], 1))], ArgSet.Of(("margin", -1.0), ("reduction", "sum")))
            with { GradTolerance = new Comparison.Tolerance(Comparison.Tolerance.Float32.Rtol, 0.5) };
        // Seed 7 (3 cases like it): row 2 is dissimilar with cos ≈ margin = 1 (nearly parallel rows); the root's ulp puts
        // cos − margin at ≥ 0 in libtorch (the gradient passes) and < 0 here (0). FuzzTolerance adds the row's whole
        // share of the gradient, about 1.6e-5 per element with 'mean' over 4.
        yield return DistanceFamily.Finding(this, "cosine_embedding_loss.seed=7.case=12655", DType.Float32, FindingSeed,
            [I("input1", F([4, 2], 1, 1, 1, 1, -4.181818f, 3, 1, 0)), I("input2", F([1, 2], -5.720588f, 4.10732f)), I("target", F([4], 0, 1, -1, 0))],
            ArgSet.Of(("margin", 1.0), ("reduction", "mean")))
            with { GradTolerance = new Comparison.Tolerance(Comparison.Tolerance.Float32.Rtol, 5e-5) };
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from batched in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
        from n in FuzzCases.Dim(bounds)
        from d in FuzzCases.Dim(bounds)
        let s1 = batched ? new[] { n, d } : new[] { d }
        from s2 in Gen.Frequency((5, Gen.Const(s1)), (1, Gen.Const(batched ? new[] { 1, d } : s1)), (1, Gen.Const(batched ? new[] { n, d + 1 } : new[] { d + 1 })))
        from ys in Gen.Frequency((8, Gen.Const(batched ? new[] { n } : Array.Empty<int>())), (1, Gen.Const(batched ? new[] { 1 } : new[] { 1 })), (1, Gen.Const(new[] { n, 1 })))
        from x1 in FuzzCases.Values(dtype, s1, ValueKind.Logit)
        from x2 in FuzzCases.Values(dtype, s2, ValueKind.Logit)
        from yv in Gen.Frequency((10, Gen.OneOfConst(1.0, -1.0)), (1, Gen.OneOfConst(0.0, 2.0, 0.5, double.NaN))).Array[Tensor.NumelOf(ys)]
        from yInt in Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true)))
        from margin in DistanceFamily.FloatArg(Gen.Double[-1, 1], 0.0, 0.5, -0.5, 1.0, -1.0, double.NaN, double.PositiveInfinity)
        from reduction in FuzzCases.AnyReduction
        let target = yInt ? Tensor.FromArray(yv.Select(v => double.IsNaN(v) ? 0L : (long)v).ToArray(), ys) : Tensor.FromDoubles(dtype, yv, ys)
        select new OpCall(this, ArgSet.Of(("margin", margin), ("reduction", reduction.Name())), ("input1", x1), ("input2", x2), ("target", target));
}
