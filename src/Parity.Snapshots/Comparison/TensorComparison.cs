using System.Globalization;
using Parity.Native;

namespace Parity.Comparison;

/// <summary>The result of comparing an actual tensor with an expected one under a <see cref="Tolerance"/>.</summary>
public sealed record TensorComparison
{
    /// <summary>Whether shapes and dtypes agree and every element passes.</summary>
    public required bool Match { get; init; }

    /// <summary>Whether every bit is equal (shape, dtype and storage).</summary>
    public required bool BitIdentical { get; init; }

    /// <summary>Set when the shapes or dtypes differ; the element statistics are then empty.</summary>
    public string? StructuralMismatch { get; init; }

    /// <summary>Largest |actual − expected| over finite pairs (0 when none).</summary>
    public double MaxAbsDiff { get; init; }

    /// <summary>Largest |actual − expected| / |expected| over finite pairs with expected ≠ 0.</summary>
    public double MaxRelDiff { get; init; }

    /// <summary>Largest distance in units in the last place of the tensor's dtype (NaN vs NaN counts 0; NaN vs number counts <see cref="long.MaxValue"/>).</summary>
    public long MaxUlpDiff { get; init; }

    /// <summary>Number of failing elements.</summary>
    public int FailCount { get; init; }

    /// <summary>Row-major index of the worst element (the first failing one with the largest excess, else the largest abs diff), or -1.</summary>
    public int WorstIndex { get; init; } = -1;

    /// <summary>The expected value at <see cref="WorstIndex"/>.</summary>
    public double WorstExpected { get; init; }

    /// <summary>The actual value at <see cref="WorstIndex"/>.</summary>
    public double WorstActual { get; init; }

    /// <summary>The tolerance used.</summary>
    public required Tolerance Tolerance { get; init; }

    /// <summary>The shape, for turning <see cref="WorstIndex"/> into a multi-index.</summary>
    public int[] Shape { get; init; } = [];

    /// <summary>
    /// Several comparisons as one (for the gradients of a case): matching and bit-identical when all are, the largest
    /// statistics, the worst element of the first failing one. Null for none.
    /// </summary>
    public static TensorComparison? Combine(IEnumerable<TensorComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var list = comparisons.ToList();
        if (list.Count <= 1)
        {
            return list.FirstOrDefault();
        }
        var worst = list.FirstOrDefault(c => !c.Match) ?? list.MaxBy(c => c.MaxUlpDiff)!;
        return worst with
        {
            Match = list.All(c => c.Match),
            BitIdentical = list.All(c => c.BitIdentical),
            MaxAbsDiff = list.Where(c => c.StructuralMismatch is null).Select(c => c.MaxAbsDiff).DefaultIfEmpty(0).Max(),
            MaxRelDiff = list.Where(c => c.StructuralMismatch is null).Select(c => c.MaxRelDiff).DefaultIfEmpty(0).Max(),
            MaxUlpDiff = list.Where(c => c.StructuralMismatch is null).Select(c => c.MaxUlpDiff).DefaultIfEmpty(0).Max(),
            FailCount = list.Sum(c => c.FailCount),
        };
    }

    /// <summary>A one-paragraph description of a mismatch naming the tensor, the worst element and the differences.</summary>
    public string Describe(string what)
    {
        if (StructuralMismatch is not null)
        {
            return $"{what}: {StructuralMismatch}";
        }
        if (Match)
        {
            return $"{what}: match (max abs {Num(MaxAbsDiff)}, max rel {Num(MaxRelDiff)}, max ulp {MaxUlpDiff})";
        }
        return $"{what}: {FailCount} element(s) outside {Tolerance}; worst at {IndexString(WorstIndex)}: " +
               $"expected {Num(WorstExpected)}, actual {Num(WorstActual)}, abs diff {Num(Math.Abs(WorstActual - WorstExpected))}, " +
               $"rel diff {Num(WorstExpected == 0 ? double.PositiveInfinity : Math.Abs(WorstActual - WorstExpected) / Math.Abs(WorstExpected))}, " +
               $"ulp diff {MaxUlpDiff}";
    }

    private string IndexString(int flat)
    {
        if (flat < 0)
        {
            return "-";
        }
        var idx = new int[Shape.Length];
        for (int d = Shape.Length - 1; d >= 0; d--)
        {
            idx[d] = Shape[d] == 0 ? 0 : flat % Shape[d];
            flat = Shape[d] == 0 ? 0 : flat / Shape[d];
        }
        return "[" + string.Join(", ", idx) + "]";
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Compares tensors element by element under the tolerance model, with abs/rel/ULP statistics.</summary>
public static class TensorComparer
{
    /// <summary>Compares <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    /// <param name="expected">The reference (libtorch or a snapshot).</param>
    /// <param name="actual">The value under test.</param>
    /// <param name="tolerance">The tolerance; null means <see cref="Tolerance.For"/> the expected dtype.</param>
    public static TensorComparison Compare(Tensor expected, Tensor actual, Tolerance? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var tol = tolerance ?? Tolerance.For(expected.DType);
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            return new TensorComparison
            {
                Match = false, BitIdentical = false, Tolerance = tol, Shape = expected.ShapeArray(),
                StructuralMismatch = $"shape {Tensor.ShapeString(actual.Shape)} differs from the expected {Tensor.ShapeString(expected.Shape)}",
            };
        }
        if (expected.DType != actual.DType)
        {
            return new TensorComparison
            {
                Match = false, BitIdentical = false, Tolerance = tol, Shape = expected.ShapeArray(),
                StructuralMismatch = $"dtype {actual.DType.Name()} differs from the expected {expected.DType.Name()}",
            };
        }

        double maxAbs = 0, maxRel = 0;
        long maxUlp = 0;
        int fails = 0;
        // The worst element: among failing ones the largest excess over the bound; when none fails, the largest abs diff.
        int worst = -1;
        double worstScore = double.NegativeInfinity;
        for (int i = 0; i < expected.Numel; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            maxUlp = Math.Max(maxUlp, UlpDistance(expected, actual, i));
            bool ok = tol.Accepts(e, a);
            double abs = Math.Abs(a - e);
            if (double.IsFinite(abs))
            {
                maxAbs = Math.Max(maxAbs, abs);
                if (e != 0)
                {
                    maxRel = Math.Max(maxRel, abs / Math.Abs(e));
                }
            }
            double score;
            if (ok)
            {
                if (fails > 0)
                {
                    continue;
                }
                score = double.IsFinite(abs) ? abs : 0;
            }
            else
            {
                double excess = abs - (tol.Atol + (tol.Rtol * Math.Abs(e)));
                score = double.IsFinite(excess) ? excess : double.PositiveInfinity;
                if (fails++ == 0)
                {
                    worstScore = double.NegativeInfinity;
                }
            }
            if (score > worstScore)
            {
                worst = i;
                worstScore = score;
            }
        }
        return new TensorComparison
        {
            Match = fails == 0,
            BitIdentical = expected.BitEquals(actual),
            MaxAbsDiff = maxAbs,
            MaxRelDiff = maxRel,
            MaxUlpDiff = maxUlp,
            FailCount = fails,
            WorstIndex = worst,
            WorstExpected = worst >= 0 ? expected.GetDouble(worst) : 0,
            WorstActual = worst >= 0 ? actual.GetDouble(worst) : 0,
            Tolerance = tol,
            Shape = expected.ShapeArray(),
        };
    }

    /// <summary>Distance in units in the last place between element <paramref name="i"/> of two tensors of one dtype.</summary>
    public static long UlpDistance(Tensor expected, Tensor actual, int i)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        return expected.DType switch
        {
            DType.Float32 => UlpDistance(expected.Float32Span[i], actual.Float32Span[i]),
            DType.Float64 => UlpDistance(expected.Float64Span[i], actual.Float64Span[i]),
            DType.Int32 => expected.Int32Span[i] == actual.Int32Span[i] ? 0 : long.MaxValue,
            _ => expected.Int64Span[i] == actual.Int64Span[i] ? 0 : long.MaxValue,
        };
    }

    /// <summary>ULP distance between two floats (−0 and +0 are 0 apart; NaN/NaN is 0; NaN/number is <see cref="long.MaxValue"/>).</summary>
    public static long UlpDistance(float a, float b)
    {
        if (float.IsNaN(a) || float.IsNaN(b))
        {
            return float.IsNaN(a) && float.IsNaN(b) ? 0 : long.MaxValue;
        }
        return Math.Abs(Ordered(BitConverter.SingleToInt32Bits(a)) - Ordered(BitConverter.SingleToInt32Bits(b)));
        static long Ordered(int bits) => bits < 0 ? int.MinValue - (long)bits : bits;
    }

    /// <summary>ULP distance between two doubles (saturating at <see cref="long.MaxValue"/>).</summary>
    public static long UlpDistance(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return double.IsNaN(a) && double.IsNaN(b) ? 0 : long.MaxValue;
        }
        Int128 d = Ordered(BitConverter.DoubleToInt64Bits(a)) - Ordered(BitConverter.DoubleToInt64Bits(b));
        if (d < 0)
        {
            d = -d;
        }
        return d > long.MaxValue ? long.MaxValue : (long)d;
        static Int128 Ordered(long bits) => bits < 0 ? (Int128)long.MinValue - bits : bits;
    }
}
