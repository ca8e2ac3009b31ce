using Parity.Harness.Cases;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>A shape pair of the matrix: a tag for the case name, the input shape and the target shape.</summary>
/// <param name="Tag">The name tag: <c>S</c> 0-D, <c>C5</c> unbatched, <c>N4C5</c>, <c>N2C3d4</c> (3-D), <c>N2C3d2x1x2</c> (5-D), <c>N0C5</c> (empty batch), <c>N4C1</c>.</param>
/// <param name="Input">The input shape.</param>
/// <param name="Target">The target shape.</param>
public sealed record MatrixShape(string Tag, int[] Input, int[] Target)
{
    /// <summary>The class count: dim 1, or dim 0 for 1-D input, or 1 for 0-D.</summary>
    public int C => Input.Length == 0 ? 1 : Input.Length == 1 ? Input[0] : Input[1];

    /// <summary>The last input dimension (0 for 0-D).</summary>
    public int Last => Input.Length == 0 ? 0 : Input[^1];
}

/// <summary>Small builders the op definitions share for writing their catalogues.</summary>
public static class CaseKit
{
    /// <summary>Element-wise shapes: target = input shape.</summary>
    public static IReadOnlyList<MatrixShape> ElementShapes { get; } =
    [
        new("S", [], []),
        new("C5", [5], [5]),
        new("N4C5", [4, 5], [4, 5]),
        new("N2C3d4", [2, 3, 4], [2, 3, 4]),
        new("N2C3d2x1x2", [2, 3, 2, 1, 2], [2, 3, 2, 1, 2]),
        new("N0C5", [0, 5], [0, 5]),
        new("N4C1", [4, 1], [4, 1]),
    ];

    /// <summary>Class shapes: an index target is the input shape without the class dimension.</summary>
    public static IReadOnlyList<MatrixShape> ClassShapes { get; } =
    [
        new("C5", [5], []),
        new("N4C5", [4, 5], [4]),
        new("N2C3d4", [2, 3, 4], [2, 4]),
        new("N2C3d2x1x2", [2, 3, 2, 1, 2], [2, 2, 1, 2]),
        new("N0C5", [0, 5], [0]),
        new("N4C1", [4, 1], [4]),
    ];

    /// <summary>float32 and float64.</summary>
    public static IReadOnlyList<DType> FloatTypes { get; } = [DType.Float32, DType.Float64];

    /// <summary>The three reductions every loss takes.</summary>
    public static IReadOnlyList<Reduction> Reductions { get; } = [Reduction.None, Reduction.Mean, Reduction.Sum];

    /// <summary>A float32 tensor.</summary>
    public static Tensor F(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float32, v, shape);

    /// <summary>A float64 tensor.</summary>
    public static Tensor D(int[] shape, params double[] v) => Tensor.FromDoubles(DType.Float64, v, shape);

    /// <summary>A tensor of <paramref name="dtype"/>.</summary>
    public static Tensor V(DType dtype, int[] shape, params double[] v) => Tensor.FromDoubles(dtype, v, shape);

    /// <summary>An int64 tensor.</summary>
    public static Tensor L(int[] shape, params long[] v) => Tensor.FromArray(v, shape);

    /// <summary>An explicit-values input.</summary>
    public static InputSpec I(string name, Tensor t) => InputSpec.FromValues(name, t);

    /// <summary>The written arguments of the first ops, in the order the catalogue has always written them.</summary>
    public static ArgSet A(Reduction? reduction = null, long? ignoreIndex = null, double? labelSmoothing = null, int? dim = null) =>
        ArgSet.Of(("reduction", reduction), ("ignore_index", ignoreIndex), ("label_smoothing", labelSmoothing), ("dim", dim));

    /// <summary>Converts a bad input into its <c>bad.{op}.{name}</c> case (seeded; the dtype is the first input's).</summary>
    public static CaseSpec ToCase(OpDefinition op, BadInput bad)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(bad);
        return new CaseSpec
        {
            Name = $"bad.{op.Name}.{bad.Name}", Op = op,
            DType = bad.Inputs[0].EffectiveDType(DType.Float32) == DType.Float64 ? DType.Float64 : DType.Float32, DTypeWritten = true,
            Seed = Seeds.BadInputs, Inputs = bad.Inputs, Args = bad.Args ?? ArgSet.Empty, Grad = bad.Grad, GradOnly = bad.GradOnly,
            ExpectError = bad.Message, ExpectErrorKind = bad.Kind,
        };
    }

    /// <summary>
    /// A pairwise covering design: rows of level indices (row[k] in [0, levels[k])) such that every value of every
    /// factor, and every pair of values of every two factors, appears in at least one row. Deterministic (greedy,
    /// first uncovered pair first, then the value covering most new pairs, ties to the smaller index). Use it where the
    /// full Cartesian grid of an op's arguments explodes; a factor of one level is covered trivially.
    /// </summary>
    /// <param name="levels">The number of values of each factor (each ≥ 1).</param>
    public static IReadOnlyList<int[]> Pairwise(params int[] levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Any(l => l < 1))
        {
            throw new ArgumentException("every factor needs at least one value", nameof(levels));
        }
        int n = levels.Length;
        var uncovered = new HashSet<(int, int, int, int)>();
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                for (int a = 0; a < levels[i]; a++)
                {
                    for (int b = 0; b < levels[j]; b++)
                    {
                        uncovered.Add((i, a, j, b));
                    }
                }
            }
        }
        var rows = new List<int[]>();
        if (n < 2)
        {
            for (int a = 0; a < (n == 1 ? levels[0] : 1); a++)
            {
                rows.Add(n == 1 ? [a] : []);
            }
            return rows;
        }
        while (uncovered.Count > 0)
        {
            var first = uncovered.OrderBy(p => p.Item1).ThenBy(p => p.Item3).ThenBy(p => p.Item2).ThenBy(p => p.Item4).First();
            var row = Enumerable.Repeat(-1, n).ToArray();
            row[first.Item1] = first.Item2;
            row[first.Item3] = first.Item4;
            for (int k = 0; k < n; k++)
            {
                if (row[k] >= 0)
                {
                    continue;
                }
                int best = 0, bestGain = -1;
                for (int v = 0; v < levels[k]; v++)
                {
                    int gain = 0;
                    for (int m = 0; m < n; m++)
                    {
                        if (m != k && row[m] >= 0 && uncovered.Contains(m < k ? (m, row[m], k, v) : (k, v, m, row[m])))
                        {
                            gain++;
                        }
                    }
                    if (gain > bestGain)
                    {
                        (best, bestGain) = (v, gain);
                    }
                }
                row[k] = best;
            }
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    uncovered.Remove((i, row[i], j, row[j]));
                }
            }
            rows.Add(row);
        }
        return rows;
    }
}
