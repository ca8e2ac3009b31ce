using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.cosine_similarity(x1, x2, dim, eps)</c>: native <see cref="Functional.CosineSimilarity"/>;
/// reference <c>aten::cosine_similarity</c>.
/// </summary>
/// <remarks>
/// Python's <c>F.cosine_similarity</c> is <c>torch.cosine_similarity</c> itself (an <c>_add_docstr</c> alias in
/// torch/nn/functional.py): no Python step. ATen broadcasts the two, divides each by its norm clamped to eps and sums
/// the products along <c>dim</c> of the broadcast shape. Both tensors are differentiable.
/// </remarks>
public sealed class CosineSimilarity : OpDefinition
{
    private const long MatrixSeed = 5201, EdgeSeed = 5202, FindingSeed = 5204;

    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("cosine_similarity",
        [new TensorParam("x1", Differentiable: true), new TensorParam("x2", Differentiable: true)],
        [new ScalarParam("dim", ArgKind.Int, ArgValue.Of(1L)), new ScalarParam("eps", ArgKind.Float, ArgValue.Of(1e-8))]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.cosine_similarity`, `nn.CosineSimilarity`", "`Functional.CosineSimilarity(x1, x2, dim, eps)`, `CosineSimilarity`",
        "TorchScript `torch.cosine_similarity`",
        "`dim`, `eps` / both / both");

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.CosineSimilarity(call.Required("x1"), call.Required("x2"), checked((int)call.Int("dim")), call.Float("eps"));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt)
    {
        var g = Functional.CosineSimilarityBackward(gradOutput, call.Required("x1"), call.Required("x2"), checked((int)call.Int("dim")), call.Float("eps"));
        return Pick(wrt, ("x1", () => g.X1), ("x2", () => g.X2));
    }

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def cosine_similarity(x1: Tensor, x2: Tensor, dim: int, eps: float) -> Tensor:
            return torch.cosine_similarity(x1, x2, dim, eps)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) =>
        // torch/nn/functional.py: cosine_similarity = _add_docstr(torch.cosine_similarity, ...): straight to ATen.
        new("cosine_similarity", [call.Required("x1"), call.Required("x2"), call.Int("dim"), call.Float("eps")]);

    /// <summary>(tag, x1 shape, x2 shape, the dims that exist in the broadcast shape).</summary>
    private static readonly (string Tag, int[] X1, int[] X2, int[] Dims)[] Shapes =
    [
        ("N4D5", [4, 5], [4, 5], [1, 0, -1]),
        ("N2D3d4", [2, 3, 4], [2, 3, 4], [1, 2, -3]),
        ("D5", [5], [5], [0]),
        ("b.N4D5.x2=D5", [4, 5], [5], [1, 0]),
        ("b.N4x1.x2=1xD5", [4, 1], [1, 5], [1, 0]),
        ("b.N2x1xd4.x2=D3x1", [2, 1, 4], [3, 1], [1, -1]),
        ("N0D5", [0, 5], [0, 5], [1, 0]),
        ("N3D1", [3, 1], [3, 1], [1]),
        ("S", [], [], [0]),
    ];

    private static readonly double?[] Epss = [null, 0.0, 0.5];

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var (tag, s1, s2, dims) in Shapes)
            {
                foreach (int dim in dims)
                {
                    foreach (double? eps in Epss)
                    {
                        yield return DistanceFamily.Case(this, dtype, $"dim={dim}.eps={(eps is { } e ? DistanceFamily.Tag(e) : "def")}.{tag}", MatrixSeed,
                            [InputSpec.Randn("x1", s1), InputSpec.Randn("x2", s2)], ArgSet.Of(("dim", dim), ("eps", eps)));
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
            // Zero vectors (norm clamped to eps; the backward's unclamped norm is 0), norms just around eps, parallel and
            // antiparallel rows, huge values (the norm overflows in float32), ±∞ and NaN.
            yield return DistanceFamily.Case(this, dt, "edges.zero-and-tiny", EdgeSeed,
                [I("x1", V(dt, [4, 3], 0, 0, 0, 1e-9, 0, 0, 1e-8, 0, 0, 1, 2, 3)), I("x2", V(dt, [4, 3], 1, 2, 3, 0, 1e-9, 0, 1e-8, 1e-8, 0, 0, 0, 0))], ArgSet.Empty);
            yield return DistanceFamily.Case(this, dt, "edges.parallel", EdgeSeed,
                [I("x1", V(dt, [3, 3], 1, 2, 3, 1, 2, 3, -4, 0, 4)), I("x2", V(dt, [3, 3], 2, 4, 6, -1, -2, -3, -4, 0, 4))], ArgSet.Empty);
            yield return DistanceFamily.Case(this, dt, "edges.specials", EdgeSeed,
                [I("x1", V(dt, [4, 3], 1e30, 1e30, 1, Inf, 1, 2, NaN, 1, 2, 3e38, 3e38, 0)), I("x2", V(dt, [4, 3], 1e30, -1e30, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1))], ArgSet.Empty);
            // A reduced dimension of size 1 (last or not) is linalg_vector_norm's fast path, abs(x): no x² overflow.
            yield return DistanceFamily.Case(this, dt, "dim=1.edges.size-one-last", EdgeSeed,
                [I("x1", V(dt, [2, 1], 1e30, 1e-30)), I("x2", V(dt, [2, 1], 1e30, 3))], ArgSet.Of(("dim", 1)));
            yield return DistanceFamily.Case(this, dt, "dim=0.edges.size-one-inner", EdgeSeed,
                [I("x1", V(dt, [1, 2], 1e30, 1e-30)), I("x2", V(dt, [1, 2], 1e30, 3))], ArgSet.Of(("dim", 0)));
            yield return DistanceFamily.Case(this, dt, "eps=-1.edges.negative-eps", EdgeSeed,
                [I("x1", V(dt, [2, 2], 0, 0, 3, 4)), I("x2", V(dt, [2, 2], 1, 1, 3, 4))], ArgSet.Of(("eps", -1.0)));
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, X = TorchErrorKind.IndexError;
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        return
        [
            new("dim-out-of-range", X, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", [I("x1", x23), I("x2", x23)], ArgSet.Of(("dim", 2))),
            new("dim-out-of-range.negative", X, "Dimension out of range (expected to be in range of [-2, 1], but got -3)", [I("x1", x23), I("x2", x23)], ArgSet.Of(("dim", -3))),
            new("dim-out-of-range.1d-default", X, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", [I("x1", F([3], 1, 2, 3)), I("x2", F([3], 3, 2, 1))]),
            new("not-broadcastable", R, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
                [I("x1", x23), I("x2", F([2, 4], 1, 2, 3, 4, 5, 6, 7, 8))]),
            new("int64", R, "expected common dtype to be floating point, yet common dtype is Long",
                [I("x1", L([2, 3], 1, 2, 3, 4, 5, 6)), I("x2", L([2, 3], 1, 0, 0, 0, 0, 1))]),
            new("int64-x1.grad", R, "only Tensors of floating point and complex dtype can require gradients",
                [I("x1", L([2, 3], 1, 2, 3, 4, 5, 6)), I("x2", x23)]) { Grad = true },
        ];
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Pinned()
    {
        // Seed 1 (the live fuzz test; fixed natively): a broadcast x2 whose gradient is a sum that cancels to rounding
        // noise. Reduced dimensions separated only by size-1 dimensions are one block for TensorIterator, summed in one
        // cascade; the native sum_to_size had summed them block by block (exact 0 where libtorch gives −1.7e10).
        yield return DistanceFamily.Finding(this, "cosine_similarity.seed=1.case=664", DType.Float64, FindingSeed,
            [I("x1", D([1, 2, 1, 3], 0, 0, 3.927710843373494, 1, 0, -4)), I("x2", D([1, 1], -4.9680000000000004E-27))], ArgSet.Of(("dim", 1), ("eps", 9.76E-49)));
        yield return DistanceFamily.Finding(this, "cosine_similarity.seed=11.case=12039", DType.Float64, FindingSeed,
            [I("x1", D([2, 1, 2], 0.5, 1, -4.7, 4.7)), I("x2", D([1, 1], 4.6000000000000004e-66))], ArgSet.Of(("dim", 2), ("eps", 0.0)));
        // Seed 7 (fixed natively): x1 broadcast along dim. libtorch's norm reads the expanded view with stride 0 there,
        // a sequential acc + x·x (3a² rounds), not the contiguous reduction; x1/‖x1‖ then differs by an ulp, and the
        // gradient — a sum of ±1e16 terms that cancel — by 4.
        yield return DistanceFamily.Finding(this, "cosine_similarity.seed=7.case=4624", DType.Float64, FindingSeed,
            [I("x1", D([1, 1, 1], -4.8229999999999997E-17)), I("x2", D([1, 4, 1], 0, 0, 0, 1))], ArgSet.Of(("dim", 1), ("eps", 1e-30)));
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from s1 in FuzzCases.Shape(0, 4, bounds)
        from s2 in DistanceFamily.PartnerShape(s1)
        from flip in Gen.Bool
        let rank = Math.Max(s1.Length, s2.Length)
        from dim in Gen.Frequency(
            (8, Gen.Int[-Math.Max(1, rank), Math.Max(0, rank - 1)]),
            (1, Gen.OneOfConst(rank, -rank - 1, 1)))
        from x1 in FuzzCases.Values(dtype, flip ? s2 : s1, ValueKind.Logit)
        from x2 in FuzzCases.Values(dtype, flip ? s1 : s2, ValueKind.Logit)
        from eps in DistanceFamily.FloatArg(Gen.Double[0, 1], 1e-8, 0.0, -1.0, 0.5, 1e3, 1e-30)
        select new OpCall(this, ArgSet.Of(("dim", dim), ("eps", eps)), ("x1", x1), ("x2", x2));
}
