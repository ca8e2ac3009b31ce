using System.Globalization;
using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// What the distance and margin ops (pairwise_distance, cosine_similarity, cosine_embedding_loss, multi_margin_loss,
/// multilabel_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss) share on the reference side and in
/// their catalogues: Python's float spelling for messages, the triplet checks of torch/nn/functional.py, case-name tags,
/// and small fuzz pieces. Each op's own file holds its schema, kernels, reference and catalogue.
/// </summary>
internal static class DistanceFamily
{
    /// <summary>A float's tag in a case name (invariant, round-trip; ±∞ as Infinity).</summary>
    public static string Tag(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>if margin &lt;= 0: raise ValueError(f"margin must be greater than 0, got {margin}")</c> (both triplet losses).</summary>
    public static void CheckTripletMargin(double margin)
    {
        if (margin <= 0)
        {
            throw new TorchException(TorchErrorKind.ValueError, $"margin must be greater than 0, got {PythonFormat.Float(margin)}");
        }
    }

    /// <summary>Python's <c>_Reduction.get_enum</c>: the reduction string must be one of none, mean, sum.</summary>
    public static void CheckReduction(OpCall call) => _ = call.Reduction;

    /// <summary>
    /// A case of one of these ops: named <c>{op}.{dtype}.{rest}</c>, seeded, every gradient asked for unless
    /// <paramref name="grad"/> is false.
    /// </summary>
    public static CaseSpec Case(OpDefinition op, DType dtype, string rest, long seed, IReadOnlyList<InputSpec> inputs, ArgSet args, bool grad = true) => new()
    {
        Name = $"{op.Name}.{dtype.Name()}.{rest}", Op = op, DType = dtype, DTypeWritten = true, Seed = seed, Inputs = inputs, Args = args, Grad = grad,
    };

    /// <summary>A pinned fuzz-finding case <c>fuzz.{name}</c>: seeded, every gradient asked for.</summary>
    public static CaseSpec Finding(OpDefinition op, string name, DType dtype, long seed, IReadOnlyList<InputSpec> inputs, ArgSet args) => new()
    {
        Name = $"fuzz.{name}", Op = op, DType = dtype, DTypeWritten = true, Seed = seed, Inputs = inputs, Args = args, Grad = true,
    };

    /// <summary>The float arguments a fuzz case draws: mostly <paramref name="ordinary"/>, sometimes one of <paramref name="specials"/>.</summary>
    public static Gen<double> FloatArg(Gen<double> ordinary, params double[] specials) =>
        Gen.Frequency((3, ordinary), (2, Gen.OneOfConst(specials)));

    /// <summary>A shape of rank 1–<paramref name="maxRank"/> whose last dimension is D in [0, maxDim] (mostly ≥ 1).</summary>
    public static Gen<int[]> RowsShape(FuzzBounds b, int minRank, int maxRank) => FuzzCases.Shape(minRank, maxRank, b);

    /// <summary>
    /// A shape that broadcasts with <paramref name="shape"/>: the same, a suffix, some dimensions set to 1, a scalar,
    /// or (rarely) one with a dimension made incompatible.
    /// </summary>
    public static Gen<int[]> PartnerShape(int[] shape) => Gen.Frequency(
        (6, Gen.Const(shape)),
        (3, FuzzCases.BroadcastShape(shape)),
        (1, Gen.Int[0, Math.Max(0, shape.Length - 1)].Select(i =>
        {
            if (shape.Length == 0)
            {
                return new[] { 2 };
            }
            var s = (int[])shape.Clone();
            s[i] = s[i] + 2;
            return s;
        })));

    /// <summary>
    /// What <c>torch.autograd.grad(outputs, inputs)</c> (allow_unused=False, as the reference side runs it) raises when
    /// the backward graph gives no gradient to input <paramref name="index"/>: libtorch's norm backward returns an
    /// undefined gradient for p = 0, so a p = 0 distance leaves its inputs unused.
    /// </summary>
    public static TorchException UnusedInGraph(int index) => new(TorchErrorKind.RuntimeError,
        $"element {index}of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.");

    /// <summary>The names of the three tensors of the triplet losses, in PyTorch's order.</summary>
    public static readonly string[] TripletNames = ["anchor", "positive", "negative"];
}
