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
    /// <summary>
    /// Python's <c>str(float)</c> (= <c>repr</c>): shortest round-trip digits, positional for decimal exponents in
    /// [−4, 16), else <c>d.ddde±XX</c>; <c>inf</c>, <c>-inf</c>, <c>nan</c>; integral values end in <c>.0</c>.
    /// </summary>
    public static string PyFloat(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0.0" : "0.0";
        }
        // "E16" is not shortest; take the shortest digits from "R" and place the point ourselves.
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exp; // decimal exponent of the first digit
        int e = r.IndexOf('E', StringComparison.Ordinal);
        string mant = e < 0 ? r : r[..e];
        int shift = e < 0 ? 0 : int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        int dot = mant.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot < 0 ? mant : mant[..dot], frac = dot < 0 ? "" : mant[(dot + 1)..];
        string all = intPart + frac;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
        }
        digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        exp = intPart.Length - 1 - lead + shift;
        string sign = v < 0 ? "-" : "";
        if (exp is >= -4 and < 16)
        {
            if (exp < 0)
            {
                return sign + "0." + new string('0', -exp - 1) + digits;
            }
            if (digits.Length <= exp + 1)
            {
                return sign + digits + new string('0', exp + 1 - digits.Length) + ".0";
            }
            return sign + digits[..(exp + 1)] + "." + digits[(exp + 1)..];
        }
        string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return sign + m + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>A float's tag in a case name (invariant, round-trip; ±∞ as Infinity).</summary>
    public static string Tag(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>if margin &lt;= 0: raise ValueError(f"margin must be greater than 0, got {margin}")</c> (both triplet losses).</summary>
    public static void CheckTripletMargin(double margin)
    {
        if (margin <= 0)
        {
            throw new TorchException(TorchErrorKind.ValueError, $"margin must be greater than 0, got {PyFloat(margin)}");
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
