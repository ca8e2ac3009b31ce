using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)</c>: native
/// <see cref="Functional.TripletMarginLoss"/>; reference <c>aten::triplet_margin_loss</c> after Python's margin check.
/// </summary>
/// <remarks>
/// Python's frontend (<c>triplet_margin_loss</c> in torch/nn/functional.py) reads the reduction
/// (<c>_Reduction.get_enum</c>), then raises <c>ValueError(f"margin must be greater than 0, got {margin}")</c> — a check
/// ATen does not make (it computes any margin) — then calls ATen, which checks the ranks and builds
/// <c>clamp_min(margin + d(a, p) − d(a, n), 0)</c> from <c>pairwise_distance</c>. All three tensors are differentiable;
/// with p = 0 the norm's backward gives no gradient at all, so autograd reports the inputs as unused. The legacy
/// <c>size_average</c>/<c>reduce</c> arguments are not modelled.
/// </remarks>
public sealed class TripletMarginLoss : OpDefinition
{
    private const long MatrixSeed = 5601, EdgeSeed = 5602, FindingSeed = 5604;

    /// <inheritdoc/>
    /// <remarks>
    /// libtorch's norm backward (<c>norm_backward</c>, FunctionsManual.cpp) forms each term sign(v)·|v|^(p−1)·n^(1−p) with
    /// two <c>tensor.pow</c> calls whose vector lanes are SLEEF's <c>Sleef_powf8_u10</c> (≤ 1 ulp, not correctly rounded;
    /// the native side uses libm's powf there, which differs by one ulp on some values). When the terms of two distances
    /// cancel in a gradient, one ulp of a term can exceed the tolerance of the sum (seed 11, case 18546: ±3.42e18 terms).
    /// So the absolute tolerance of each gradient grows by 2 ulp of each of the two pow factors (relative 2·2⁻²² = 2⁻²¹ in
    /// float32, 2⁻⁵⁰ in float64, the dtype of the inputs) of every norm-backward term that reaches the element:
    /// |v|^(p−1)·n^(1−p) of d(a, p), d(a, n) and (with swap) d(p, n), for the two inputs each distance reads, weighted by the
    /// upstream gradient (1, or 1/count for 'mean'; the clamp's mask and swap's choice ignored, an upper bound), summed as the
    /// gradient sums broadcast terms to the input's shape, maximum over elements. Terms that are not finite add nothing;
    /// the output (a forward norm, no SLEEF pow) keeps the standard tolerance.
    /// </remarks>
    public override Parity.Comparison.Tolerance FuzzTolerance(OpCall call, string result, Parity.Comparison.Tolerance standard)
    {
        if (result == "output" || call["anchor"] is not { } ta || call["positive"] is not { } tp || call["negative"] is not { } tn
            || !ta.DType.IsFloatingPoint() || !tp.DType.IsFloatingPoint() || !tn.DType.IsFloatingPoint())
        {
            return standard;
        }
        double p = call.Float("p"), eps = call.Float("eps");
        if (!double.IsFinite(p) || p == 0)
        {
            return standard;
        }
        bool f64 = ta.DType == DType.Float64 || tp.DType == DType.Float64 || tn.DType == DType.Float64;
        double rel = f64 ? Math.ScaleB(1, -50) : Math.ScaleB(1, -21);
        int[][] shapes = [ta.ShapeArray(), tp.ShapeArray(), tn.ShapeArray()];
        int rank = shapes.Max(s => s.Length);
        if (rank == 0)
        {
            return standard;
        }
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            shape[d] = 1;
            foreach (var s in shapes)
            {
                int k = d - (rank - s.Length) >= 0 ? s[d - (rank - s.Length)] : 1;
                if (k != 1 && shape[d] != 1 && k != shape[d])
                {
                    return standard;
                }
                shape[d] = k == 1 ? shape[d] : k;
            }
        }
        int dim = shape[rank - 1], rows = 1;
        for (int d = 0; d < rank - 1; d++)
        {
            rows *= shape[d];
        }
        if (dim == 0 || rows == 0)
        {
            return standard;
        }
        double[][] vals = [ta.ToDoubleArray(), tp.ToDoubleArray(), tn.ToDoubleArray()];
        int own = result switch { "anchor" => 0, "positive" => 1, "negative" => 2, _ => -1 };
        if (own < 0)
        {
            return standard;
        }
        double w = call.Reduction == Reduction.Mean ? 1.0 / rows : 1.0;
        // The distances that read this input: (0,1), (0,2), (1,2) for swap.
        var pairs = new List<(int X, int Y)> { (0, 1), (0, 2) };
        if (call.Bool("swap"))
        {
            pairs.Add((1, 2));
        }
        var err = new double[vals[own].Length];
        var idx = new int[rank];
        var v = new double[dim];
        var off = new int[3][];
        for (int k = 0; k < 3; k++)
        {
            off[k] = new int[dim];
        }
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < dim; j++)
            {
                idx[rank - 1] = j;
                for (int k = 0; k < 3; k++)
                {
                    off[k][j] = Offset(idx, shapes[k], rank);
                    if (off[k][j] >= vals[k].Length)
                    {
                        return standard;
                    }
                }
            }
            foreach (var (x, y) in pairs)
            {
                if (x != own && y != own)
                {
                    continue;
                }
                double n = 0;
                for (int j = 0; j < dim; j++)
                {
                    v[j] = vals[x][off[x][j]] - vals[y][off[y][j]] + eps;
                    n += Math.Pow(Math.Abs(v[j]), p);
                }
                n = Math.Pow(n, 1 / p);
                for (int j = 0; j < dim; j++)
                {
                    double e = rel * w * Math.Pow(Math.Abs(v[j]), p - 1) * Math.Pow(n, 1 - p);
                    if (double.IsFinite(e))
                    {
                        err[off[own][j]] += e;
                    }
                }
            }
            for (int d = rank - 2; d >= 0 && ++idx[d] == shape[d]; d--)
            {
                idx[d] = 0;
            }
        }
        double extra = err.Length == 0 ? 0 : err.Max();
        return double.IsFinite(extra) && extra > 0 ? standard with { Atol = standard.Atol + extra } : standard;
    }

    private static int Offset(int[] idx, int[] own, int rank)
    {
        int o = 0, lead = rank - own.Length;
        for (int d = 0; d < own.Length; d++)
        {
            o = (o * own[d]) + (own[d] == 1 ? 0 : idx[d + lead]);
        }
        return o;
    }

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("triplet_margin_loss",
        [new TensorParam("anchor", Differentiable: true), new TensorParam("positive", Differentiable: true), new TensorParam("negative", Differentiable: true)],
        [
            new ScalarParam("margin", ArgKind.Float, ArgValue.Of(1.0)), new ScalarParam("p", ArgKind.Float, ArgValue.Of(2.0)),
            new ScalarParam("eps", ArgKind.Float, ArgValue.Of(1e-6)), new ScalarParam("swap", ArgKind.Bool, ArgValue.Of(false)), ScalarParam.Reduction(),
        ]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.triplet_margin_loss`, `nn.TripletMarginLoss`", "`Functional.TripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction)`, `TripletMarginLoss`",
        "TorchScript `torch.triplet_margin_loss` after Python's margin > 0 check",
        "`margin`, `p`, `eps`, `swap`, `reduction` / all / all (`p` an integer; no margin check)");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.TripletMarginLoss(
        call.Required("anchor"), call.Required("positive"), call.Required("negative"),
        call.Float("margin"), call.Float("p"), call.Float("eps"), call.Bool("swap"), call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        if (call.Float("p") == 0 && wrt.Count > 0)
        {
            // libtorch's norm backward gives no gradient for p = 0 (an undefined tensor, not zeros).
            throw DistanceFamily.UnusedInGraph(0);
        }
        var g = Functional.TripletMarginLossBackward(gradOutput, call.Required("anchor"), call.Required("positive"), call.Required("negative"),
            call.Float("margin"), call.Float("p"), call.Float("eps"), call.Bool("swap"), call.Reduction);
        return Pick(wrt, ("anchor", () => g.Anchor), ("positive", () => g.Positive), ("negative", () => g.Negative));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float, p: float, eps: float, swap: bool, reduction: int) -> Tensor:
            return torch.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        // torch/nn/functional.py triplet_margin_loss: get_enum, the margin check, then ATen (which checks the ranks).
        long reduction = AtenReduction(call);
        DistanceFamily.CheckTripletMargin(call.Float("margin"));
        return new("triplet_margin_loss",
            [call.Required("anchor"), call.Required("positive"), call.Required("negative"), call.Float("margin"), call.Float("p"), call.Float("eps"), call.Bool("swap"), reduction]);
    }

    /// <summary>(tag, anchor, positive, negative shapes): batches, one triplet, broadcasting, an empty batch, D = 1 and D = 0.</summary>
    internal static readonly (string Tag, int[] A, int[] P, int[] N)[] Shapes =
    [
        ("N4D5", [4, 5], [4, 5], [4, 5]),
        ("D5", [5], [5], [5]),
        ("b.N4D5.p=1xD5", [4, 5], [1, 5], [4, 5]),
        ("b.N4D5.n=N4x1", [4, 5], [4, 5], [4, 1]),
        ("N0D5", [0, 5], [0, 5], [0, 5]),
        ("N3D1", [3, 1], [3, 1], [3, 1]),
        ("N3D0", [3, 0], [3, 0], [3, 0]),
    ];

    /// <summary>The three tensors of a shape row, drawn from randn.</summary>
    internal static InputSpec[] Draw((string Tag, int[] A, int[] P, int[] N) s) =>
        [InputSpec.Randn("anchor", s.A), InputSpec.Randn("positive", s.P), InputSpec.Randn("negative", s.N)];

    private static readonly double?[] Margins = [null, 0.5, 2.0];
    private static readonly double?[] Ps = [null, 1.0, 3.0, double.PositiveInfinity, 0.5, 0.0];
    private static readonly double?[] Epss = [null, 0.0];

    private static string T(double? v) => v is { } x ? DistanceFamily.Tag(x) : "def";

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        // Every dtype × reduction × shape × swap with the default margin, p and eps …
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (var s in Shapes)
                {
                    foreach (bool swap in new[] { false, true })
                    {
                        yield return DistanceFamily.Case(this, dtype, $"{red.Name()}.swap={(swap ? 1 : 0)}.{s.Tag}", MatrixSeed, Draw(s),
                            ArgSet.Of(("swap", swap), ("reduction", red.Name())));
                    }
                }
            }
        }
        // … and a pairwise covering design of all seven arguments.
        foreach (int[] row in Pairwise(FloatTypes.Count, 3, Shapes.Length, Margins.Length, Ps.Length, Epss.Length, 2))
        {
            var dtype = FloatTypes[row[0]];
            var red = CaseKit.Reductions[row[1]];
            var s = Shapes[row[2]];
            double? margin = Margins[row[3]], p = Ps[row[4]], eps = Epss[row[5]];
            bool swap = row[6] == 1;
            yield return DistanceFamily.Case(this, dtype, $"{red.Name()}.margin={T(margin)}.p={T(p)}.eps={T(eps)}.swap={(swap ? 1 : 0)}.{s.Tag}", MatrixSeed, Draw(s),
                ArgSet.Of(("margin", margin), ("p", p), ("eps", eps), ("swap", swap), ("reduction", red.Name())));
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
                // The kink (margin + d(a, p) = d(a, n)) with eps = 0, swap ties (d(a, n) = d(p, n)), equal points, and ±∞/NaN.
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.eps=0.edges.kink", EdgeSeed,
                    [I("anchor", V(dt, [2, 2], 0, 0, 0, 0)), I("positive", V(dt, [2, 2], 3, 4, 0, 0)), I("negative", V(dt, [2, 2], 6, 8, 1, 0))],
                    ArgSet.Of(("eps", 0.0), ("margin", 1.0), ("reduction", r.Name())));
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.eps=0.swap=1.edges.swap-tie", EdgeSeed,
                    [I("anchor", V(dt, [2, 2], 0, 0, 1, 1)), I("positive", V(dt, [2, 2], 2, 0, 1, 1)), I("negative", V(dt, [2, 2], 1, 3, 5, 5))],
                    ArgSet.Of(("eps", 0.0), ("swap", true), ("reduction", r.Name())));
                yield return DistanceFamily.Case(this, dt, $"{r.Name()}.swap=1.edges.specials", EdgeSeed,
                    [I("anchor", V(dt, [3, 2], 1e30, 0, Inf, 1, NaN, 0)), I("positive", V(dt, [3, 2], -1e30, 0, 0, 1, 0, 0)), I("negative", V(dt, [3, 2], 0, 0, 1, 1, 1, 1))],
                    ArgSet.Of(("swap", true), ("reduction", r.Name())));
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs() => TripletBadInputs(this);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // Seed 11 (fixed natively): the norm backward's |v|^(p−1) and n^(1−p) are std::pow(float, double) in libtorch (the
        // exponent unrounded, the power in double); the native side had rounded the exponent to float.
        yield return DistanceFamily.Finding(this, "triplet_margin_loss.seed=11.case=777", DType.Float32, FindingSeed,
            [I("anchor", F([1, 2], 0, 1)), I("positive", F([1, 2], 0, 0)), I("negative", F([1, 2], 1, 1))],
            ArgSet.Of(("margin", double.PositiveInfinity), ("p", 0.4444444444444444), ("eps", 2.225e-33), ("swap", true), ("reduction", "sum")));
        // 16 floats: the vector lanes of pow (SLEEF's powf, exponent in float), the scalar tail in double.
        yield return DistanceFamily.Finding(this, "triplet_margin_loss.seed=11.case=3163", DType.Float32, FindingSeed,
            [I("anchor", F([4, 1, 4], 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0)),
             I("positive", F([4, 1, 4], 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, -1e-45f, 0, 3.8f, 0)),
             I("negative", F([4, 1, 4], 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0))],
            ArgSet.Of(("margin", 0.6666666666666666), ("p", 0.74076463213407), ("eps", 0.0), ("swap", false), ("reduction", "none")));
        // Seed 11: ∂/∂anchor at [0, 1, 3] sums two ±3.42e18 norm-backward terms cancelling to 7.24e14; the positive's term
        // is a SLEEF powf lane in libtorch, one ulp (2³⁸) from libm's powf, which is 4,096 ulp of the sum. The tolerance is
        // the one FuzzTolerance derives for that element: 2⁻²¹·(3.42e18 + 3.42e18) ≈ 3.3e12, rounded up to 4e12.
        yield return DistanceFamily.Finding(this, "triplet_margin_loss.seed=11.case=18546", DType.Float32, FindingSeed,
            [I("anchor", F([2, 2, 4], 0, 0, 0, 0, 1, 0, -1e30f, -10000, 0, 1, 0, 0, float.NegativeInfinity, 0, 0, 0)),
             I("positive", F([2, 2, 4], 0, 0, 0, 1, 0, 0, 0, 3.9678302f, 0, 0, 0, 0, 0, 0, 0, 0)),
             I("negative", F([2, 2, 1], 1, 1, 0, 0))],
            ArgSet.Of(("margin", 2.5), ("p", 0.28713480033715477), ("eps", 0.0), ("swap", false), ("reduction", "none")))
            with { GradTolerance = new Comparison.Tolerance(Comparison.Tolerance.Float32.Rtol, 4e12) };
    }

    /// <summary>The bad inputs both triplet losses share (Python's margin check, the rank check, broadcasting, the reduction).</summary>
    internal static IEnumerable<BadInput> TripletBadInputs(OpDefinition op)
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        var a = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        var p = F([2, 3], 1, 0, 2, 0, 0, 1);
        var n = F([2, 3], -1, 1, 0, 2, 1, 0);
        InputSpec[] abc = [I("anchor", a), I("positive", p), I("negative", n)];
        return
        [
            new("margin=0", V, "margin must be greater than 0, got 0.0", abc, ArgSet.Of(("margin", 0.0))),
            new("margin=-1", V, "margin must be greater than 0, got -1.0", abc, ArgSet.Of(("margin", -1.0))),
            new("margin=-1e-20", V, "margin must be greater than 0, got -1e-20", abc, ArgSet.Of(("margin", -1e-20))),
            new("margin=-inf", V, "margin must be greater than 0, got -inf", abc, ArgSet.Of(("margin", double.NegativeInfinity))),
            new("margin=-0.125", V, "margin must be greater than 0, got -0.125", abc, ArgSet.Of(("margin", -0.125))),
            new("reduction-before-margin", V, "total is not a valid value for reduction", abc, ArgSet.Of(("margin", -1.0), ("reduction", "total"))),
            new("margin-before-rank", V, "margin must be greater than 0, got -2.0",
                [I("anchor", a), I("positive", p), I("negative", F([3], 1, 2, 3))], ArgSet.Of(("margin", -2.0))),
            new("rank", R, "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs",
                [I("anchor", a), I("positive", p), I("negative", F([3], 1, 2, 3))]),
            new("rank.anchor", R, "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor 1D, positive 2D, and negative 2D inputs",
                [I("anchor", F([3], 1, 2, 3)), I("positive", p), I("negative", n)]),
            new("not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                [I("anchor", a), I("positive", F([2, 4], 1, 2, 3, 4, 5, 6, 7, 8)), I("negative", n)]),
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from shapes in TripletShapes(bounds)
        from dtype in FuzzCases.FloatType
        from a in FuzzCases.Values(dtype, shapes.A, ValueKind.Logit)
        from pos in FuzzCases.Values(dtype, shapes.P, ValueKind.Logit)
        from neg in FuzzCases.Values(dtype, shapes.N, ValueKind.Logit)
        from margin in TripletMargin
        from p in DistanceFamily.FloatArg(Gen.Double[-2, 5], 2.0, 1.0, 0.0, 3.0, 0.5, 1.5, -1.0, double.PositiveInfinity, double.NegativeInfinity)
        from eps in DistanceFamily.FloatArg(Gen.Double[0, 1], 1e-6, 0.0, -1e-6, 1e-3)
        from swap in Gen.Bool
        from reduction in FuzzCases.AnyReduction
        select new OpCall(this, ArgSet.Of(("margin", margin), ("p", p), ("eps", eps), ("swap", swap), ("reduction", reduction.Name())),
            ("anchor", a), ("positive", pos), ("negative", neg));

    /// <summary>Margins: mostly positive, sometimes 0, negative (Python's ValueError) or non-finite.</summary>
    internal static Gen<double> TripletMargin =>
        Gen.Frequency((8, Gen.Double[0.01, 3]), (2, Gen.OneOfConst(1.0, 0.5, 1e30, double.PositiveInfinity, double.NaN, 1e-30)), (1, Gen.OneOfConst(0.0, -0.0, -1.0, -1e-20)));

    /// <summary>
    /// Three shapes: rank 1–3 (mostly 2), the same shape or some broadcast against the anchor, and rarely a rank mismatch or
    /// an incompatible dimension.
    /// </summary>
    internal static Gen<(int[] A, int[] P, int[] N)> TripletShapes(FuzzBounds b) =>
        from a in FuzzCases.Shape(1, 3, b)
        from p in Gen.Frequency((8, Gen.Const(a)), (2, OnesIn(a)), (1, DistanceFamily.PartnerShape(a)))
        from n in Gen.Frequency((8, Gen.Const(a)), (2, OnesIn(a)), (1, DistanceFamily.PartnerShape(a)))
        select (a, p, n);

    /// <summary>The same rank as <paramref name="shape"/> with some dimensions set to 1 (broadcasts, keeps the rank).</summary>
    private static Gen<int[]> OnesIn(int[] shape) =>
        Gen.Bool.Array[shape.Length].Select(ones => shape.Select((d, i) => ones[i] ? 1 : d).ToArray());
}
