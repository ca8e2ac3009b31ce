using CsCheck;

namespace Parity.Harness.Fuzz;

/// <summary>What a generated tensor holds, which decides the ordinary range and the adversarial specials drawn for it.</summary>
public enum ValueKind
{
    /// <summary>Logits: any real, with huge magnitudes, exp overflow/underflow edges, subnormals, −0, NaN and ±∞.</summary>
    Logit,

    /// <summary>Probabilities (the <c>input</c> of <c>binary_cross_entropy</c>): [0, 1] with exact 0 and 1, subnormals and values one ulp inside.</summary>
    Probability,

    /// <summary>Binary targets: 0, 1 and fractional values in between, sometimes slightly outside.</summary>
    BinaryTarget,

    /// <summary>Class probabilities (soft targets of <c>cross_entropy</c>); rows need not sum to 1.</summary>
    SoftTarget,

    /// <summary>Log-probabilities (the <c>input</c> of <c>nll_loss</c>): mostly ≤ 0, with −∞, 0 and huge magnitudes.</summary>
    LogProbability,

    /// <summary>Weights (<c>weight</c>, <c>pos_weight</c>): mostly positive, with zeros, negatives, huge values and NaN.</summary>
    Weight,
}

/// <summary>CsCheck generators of scalar values per <see cref="ValueKind"/>, ordinary and adversarial.</summary>
public static class FuzzValues
{
    // float32 edges: the largest finite value, the smallest normal, the smallest subnormal, exp() overflow (~88.72)
    // and underflow to subnormals (~-103.97); float64: exp() overflow (~709.78) and underflow (~-745.13).
    private const double F32Max = 3.4028234663852886e38;
    private const double F32MinNormal = 1.1754943508222875e-38;
    private const double F32Subnormal = 1.401298464324817e-45;
    private const double F64Subnormal = 4.94065645841247e-324;

    private static readonly double[] LogitSpecials =
    [
        0.0, -0.0, 1e4, -1e4, 1e5, -1e5, 88.72, -88.72, 89.0, -89.0, 103.98, -103.98, 709.79, -709.79, 745.2, -745.2,
        1e30, -1e30, F32Max, -F32Max, 1e300, -1e300, double.MaxValue, -double.MaxValue, F32MinNormal, F32Subnormal,
        -F32Subnormal, F64Subnormal, -F64Subnormal, 16.7, -16.7, 36.8, -36.8, double.NaN, double.PositiveInfinity,
        double.NegativeInfinity,
    ];

    private static readonly double[] ProbabilitySpecials =
    [
        0.0, 1.0, 0.0, 1.0, -0.0, 0.5, F32Subnormal, F64Subnormal, F32MinNormal, 1e-12, 1e-300,
        0.99999994039535522, 0.99999999999999989, 1e-7, 1.0 - 1e-7,
    ];

    private static readonly double[] ProbabilityInvalid = [double.NaN, -1e-7, 1.0000001, 2.0, -1.0, double.PositiveInfinity];

    private static readonly double[] LogProbabilitySpecials =
    [
        0.0, -0.0, double.NegativeInfinity, -1e4, -1e30, -F32Max, -F32Subnormal, 1e4, double.PositiveInfinity, double.NaN, -88.72,
    ];

    private static readonly double[] WeightSpecials =
    [
        0.0, 0.0, -0.0, -1.0, -2.5, 1e4, -1e4, 1e30, F32Subnormal, F64Subnormal, double.NaN, double.PositiveInfinity, 1.0,
    ];

    private static readonly double[] SoftTargetSpecials = [0.0, 1.0, -0.5, 2.0, 1e4, F32Subnormal, double.NaN, double.PositiveInfinity];

    /// <summary>A value in the ordinary range of <paramref name="kind"/>.</summary>
    /// <remarks>
    /// CsCheck's <c>Gen.Double[a, b]</c> favours integers, the bounds and tiny magnitudes (1e-40, 1e-90), so even
    /// "ordinary" float32 tensors meet subnormals and flushes to zero now and then; shrunk cases tend to small integers.
    /// </remarks>
    public static Gen<double> Ordinary(ValueKind kind) => kind switch
    {
        ValueKind.Logit => Gen.Double[-6, 6],
        ValueKind.Probability => Gen.Double[0, 1],
        ValueKind.BinaryTarget => Gen.Frequency((2, Gen.Const(0.0)), (2, Gen.Const(1.0)), (3, Gen.Double[0, 1])),
        ValueKind.SoftTarget => Gen.Double[0, 1],
        ValueKind.LogProbability => Gen.Double[-8, 0],
        ValueKind.Weight => Gen.Double[0, 3],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A special (edge or adversarial) value for <paramref name="kind"/>; only valid values for the kinds libtorch range-checks.</summary>
    public static Gen<double> Special(ValueKind kind) => kind switch
    {
        ValueKind.Logit => Gen.OneOfConst(LogitSpecials),
        ValueKind.Probability or ValueKind.BinaryTarget => Gen.OneOfConst(ProbabilitySpecials),
        ValueKind.SoftTarget => Gen.OneOfConst(SoftTargetSpecials),
        ValueKind.LogProbability => Gen.OneOfConst(LogProbabilitySpecials),
        ValueKind.Weight => Gen.OneOfConst(WeightSpecials),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// One element: ordinary mostly, special sometimes, and for probabilities/binary targets rarely an out-of-range
    /// value (NaN, slightly below 0 or above 1), which libtorch's BCE rejects.
    /// </summary>
    public static Gen<double> Adversarial(ValueKind kind) => kind is ValueKind.Probability or ValueKind.BinaryTarget
        ? Gen.Frequency((12, Ordinary(kind)), (6, Special(kind)), (1, Gen.OneOfConst(ProbabilityInvalid)))
        : Gen.Frequency((2, Ordinary(kind)), (1, Special(kind)));

    /// <summary>
    /// <paramref name="count"/> elements: most tensors are wholly ordinary (to exercise numeric agreement), the rest
    /// sprinkled with specials (to exercise edge handling).
    /// </summary>
    public static Gen<double[]> Array(int count, ValueKind kind) =>
        Gen.Int[0, 9].SelectMany(mode => (mode < 6 ? Ordinary(kind) : Adversarial(kind)).Array[count]);
}
