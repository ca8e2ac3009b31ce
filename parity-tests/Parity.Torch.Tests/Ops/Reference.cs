using Parity.Native;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// Independent expected values: the losses written from their mathematical definitions in double precision,
/// straightforwardly (no stability tricks beyond the max shift), plus comparison helpers with named tolerances.
/// Nothing here calls libtorch or the native kernels.
/// </summary>
internal static class Reference
{
    /// <summary>
    /// float64 libtorch kernels versus these double formulas: only the summation order and last-ulp libm differences
    /// separate them, so agreement is ~1e-15 relative; 1e-12 leaves room and is still millions of times smaller than
    /// the effect of any argument under test.
    /// </summary>
    public const double Float64Tolerance = 1e-12;

    /// <summary>float32 kernels versus double formulas: a few float ulps (2⁻²³ ≈ 1.2e-7) of accumulated rounding.</summary>
    public const double Float32Tolerance = 2e-6;

    /// <summary>Central finite-difference step for float64 gradients, and the tolerance that goes with it (O(h²) truncation).</summary>
    public const double FiniteDifferenceStep = 1e-5;

    /// <summary>Tolerance for gradients checked by finite differences of a double formula.</summary>
    public const double FiniteDifferenceTolerance = 1e-7;

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>log_softmax over one row.</summary>
    public static double[] LogSoftmax(ReadOnlySpan<double> row)
    {
        double max = double.NegativeInfinity;
        foreach (double v in row)
        {
            max = Math.Max(max, v);
        }
        double sum = 0;
        foreach (double v in row)
        {
            sum += Math.Exp(v - max);
        }
        double log = Math.Log(sum);
        var r = new double[row.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = row[i] - max - log;
        }
        return r;
    }

    /// <summary>
    /// Moves dimension <paramref name="dim"/> of a row-major array last and returns the rows along it:
    /// rows[k] lists the elements whose other coordinates are the k-th combination (row-major, dim removed).
    /// </summary>
    public static double[][] RowsAlong(Tensor t, int dim)
    {
        int[] shape = t.ShapeArray();
        dim = dim < 0 ? dim + shape.Length : dim;
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++)
        {
            outer *= shape[d];
        }
        for (int d = dim + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }
        int n = shape.Length == 0 ? 1 : shape[dim];
        var rows = new double[outer * inner][];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                var row = new double[n];
                for (int c = 0; c < n; c++)
                {
                    row[c] = t.GetDouble((((o * n) + c) * inner) + i);
                }
                rows[(o * inner) + i] = row;
            }
        }
        return rows;
    }

    /// <summary>The inverse of <see cref="RowsAlong"/>: scatters rows back into a row-major array of the given shape.</summary>
    public static double[] FromRows(double[][] rows, int[] shape, int dim)
    {
        dim = dim < 0 ? dim + shape.Length : dim;
        int inner = 1;
        for (int d = dim + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }
        int n = shape.Length == 0 ? 1 : shape[dim];
        var r = new double[rows.Length * n];
        for (int k = 0; k < rows.Length; k++)
        {
            int o = k / inner, i = k % inner;
            for (int c = 0; c < n; c++)
            {
                r[(((o * n) + c) * inner) + i] = rows[k][c];
            }
        }
        return r;
    }

    /// <summary>
    /// Cross entropy straight from its definition, for input (N, C, d…) or (C), index targets, weight, ignore_index and
    /// label smoothing: per item ℓ = (1−ε)·(−w[y]·lsm[y]) + (ε/C)·(−Σ_c w[c]·lsm[c]), ignored items 0; 'mean' divides by
    /// Σ w[y] over non-ignored items (the count when there is no weight).
    /// </summary>
    public static double[] CrossEntropy(Tensor input, Tensor target, double[]? weight, Reduction reduction, long ignoreIndex, double smoothing)
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        double[][] rows = RowsAlong(input, classDim);
        int c = input.Size(classDim);
        var items = new double[rows.Length];
        double denominator = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            long y = (long)target.GetDouble(k);
            if (y == ignoreIndex)
            {
                continue;
            }
            double[] lsm = LogSoftmax(rows[k]);
            double wy = weight?[y] ?? 1;
            double smooth = 0;
            for (int j = 0; j < c; j++)
            {
                smooth -= (weight?[j] ?? 1) * lsm[j];
            }
            items[k] = ((1 - smoothing) * -wy * lsm[y]) + (smoothing / c * smooth);
            denominator += wy;
        }
        return Reduce(items, reduction, denominator);
    }

    /// <summary>Cross entropy with class-probability targets of the input's shape: −Σ_c w[c]·t'[c]·lsm[c], t' = t(1−ε) + ε/C; 'mean' divides by the item count.</summary>
    public static double[] CrossEntropyProbabilities(Tensor input, Tensor target, double[]? weight, Reduction reduction, double smoothing)
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        double[][] rows = RowsAlong(input, classDim);
        double[][] targets = RowsAlong(target, classDim);
        int c = input.Size(classDim);
        var items = new double[rows.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            double[] lsm = LogSoftmax(rows[k]);
            for (int j = 0; j < c; j++)
            {
                double t = (targets[k][j] * (1 - smoothing)) + (smoothing / c);
                items[k] -= (weight?[j] ?? 1) * t * lsm[j];
            }
        }
        return Reduce(items, reduction, items.Length);
    }

    /// <summary>NLL from its definition: ℓ = −w[y]·x[y] per item, ignored items 0; 'mean' divides by Σ w[y] over non-ignored items.</summary>
    public static double[] NllLoss(Tensor input, Tensor target, double[]? weight, Reduction reduction, long ignoreIndex)
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        double[][] rows = RowsAlong(input, classDim);
        var items = new double[rows.Length];
        double denominator = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            long y = (long)target.GetDouble(k);
            if (y == ignoreIndex)
            {
                continue;
            }
            double wy = weight?[y] ?? 1;
            items[k] = -wy * rows[k][y];
            denominator += wy;
        }
        return Reduce(items, reduction, denominator);
    }

    /// <summary>'none' returns the items, 'sum' their sum, 'mean' the sum over <paramref name="denominator"/>.</summary>
    public static double[] Reduce(double[] items, Reduction reduction, double denominator) => reduction switch
    {
        Reduction.None => items,
        Reduction.Sum => [items.Sum()],
        _ => [items.Sum() / denominator],
    };

    /// <summary>Gradient of Σ gradOutput·f(x) by central differences, for a double function of a float64 tensor.</summary>
    public static double[] FiniteDifferenceGradient(Tensor input, Func<Tensor, double[]> f, double[] gradOutput)
    {
        var g = new double[input.Numel];
        for (int i = 0; i < g.Length; i++)
        {
            var plus = input.Clone();
            var minus = input.Clone();
            plus.SetDouble(i, input.GetDouble(i) + FiniteDifferenceStep);
            minus.SetDouble(i, input.GetDouble(i) - FiniteDifferenceStep);
            double[] fp = f(plus), fm = f(minus);
            double d = 0;
            for (int k = 0; k < fp.Length; k++)
            {
                d += gradOutput[k] * (fp[k] - fm[k]);
            }
            g[i] = d / (2 * FiniteDifferenceStep);
        }
        return g;
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance·max(1, |expected|) element-wise, with shape and index in the message.</summary>
    public static void AssertClose(double[] expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Numel);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i), e = expected[i];
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"element {i}: expected NaN, got {a:R}");
                continue;
            }
            Assert.True(Math.Abs(a - e) <= tolerance * Math.Max(1, Math.Abs(e)),
                $"element {i} of {Tensor.ShapeString(actual.Shape)}: expected {e:R}, got {a:R} (|Δ| = {Math.Abs(a - e):E3}, tolerance {tolerance:E1})");
        }
    }

    /// <summary>A float64 tensor of the given shape with deterministic, irregular values in about [−2, 2].</summary>
    public static Tensor Logits(int seed, params int[] shape)
    {
        var rng = new System.Random(seed);
        var t = Tensor.Zeros(DType.Float64, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, (rng.NextDouble() * 4) - 2);
        }
        return t;
    }
}
