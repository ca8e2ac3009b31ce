using System.Numerics;
using Parity.Native;

namespace Parity.Native.Tests.Fast;

/// <summary>Seeds, case data and comparisons for the fast-kernel tests.</summary>
internal static class FastTestSupport
{
    /// <summary>The seed of every random case here (System.Random, reproducible).</summary>
    public const int Seed = 7077;

    /// <summary>
    /// float64 kernel vs the float64 reference: both are within a few ulp of the exact value, so 1e-12 relative is ~4500 ulp
    /// of headroom for sums over up to 10⁵ terms, and still far below any float32-sized error.
    /// </summary>
    public const double F64RelTol = 1e-12;

    /// <summary>
    /// float32 scalar loss vs the float64 reference, relative: the result is one rounding (6e-8) of a value whose
    /// log-sum-exp was accumulated from ~1-ulp exponentials; 5e-7 is about 8 float ulps.
    /// </summary>
    public const double F32LossRelTol = 5e-7;

    /// <summary>
    /// float32 gradient elements vs the float64 reference: |Δ| ≤ F32GradRelTol·|ref| + F32GradAbsTol·max|ref|. The
    /// relative part is ~8 ulps (exp, one division, one product); the absolute part covers the softmax − 1 cancellation
    /// at the target class, whose error is relative to the row's scale, not the element's.
    /// </summary>
    public const double F32GradRelTol = 5e-7;

    /// <inheritdoc cref="F32GradRelTol"/>
    public const double F32GradAbsTol = 2e-7;

    public static float[] UniformF(System.Random rng, int count, double lo, double hi)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = (float)(lo + ((hi - lo) * rng.NextDouble()));
        }
        return v;
    }

    public static double[] Uniform(System.Random rng, int count, double lo, double hi)
    {
        var v = new double[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = lo + ((hi - lo) * rng.NextDouble());
        }
        return v;
    }

    public static long[] Classes(System.Random rng, int count, int classes, long ignore, double pIgnore)
    {
        var v = new long[count];
        for (int i = 0; i < count; i++)
        {
            v[i] = rng.NextDouble() < pIgnore ? ignore : rng.Next(classes);
        }
        return v;
    }

    public static double[] Widen(float[] v) => Array.ConvertAll(v, f => (double)f);

    public static double[] Widen<T>(T[] v)
        where T : IFloatingPointIeee754<T> => Array.ConvertAll(v, double.CreateTruncating);

    /// <summary>Asserts |actual − expected| ≤ rel·|expected| + abs·max|expected| elementwise, naming the first offender.</summary>
    public static void Close(double[] expected, double[] actual, double rel, double abs)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = (rel * Math.Abs(expected[i])) + (abs * scale);
            if (!(Math.Abs(actual[i] - expected[i]) <= tol) && !(double.IsNaN(expected[i]) && double.IsNaN(actual[i])))
            {
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R} (|Δ| = {Math.Abs(actual[i] - expected[i]):E3} > {tol:E3})");
            }
        }
    }

    /// <summary>Asserts a scalar within rel·|expected| (+ a tiny absolute floor for values near 0).</summary>
    public static void CloseScalar(double expected, double actual, double rel)
    {
        double tol = (rel * Math.Abs(expected)) + 1e-300;
        Assert.True(Math.Abs(actual - expected) <= tol, $"expected {expected:R}, got {actual:R} (|Δ| = {Math.Abs(actual - expected):E3} > {tol:E3})");
    }

    /// <summary>Bitwise equality of two arrays.</summary>
    public static void BitEqual<T>(T[] expected, T[] actual)
        where T : unmanaged
    {
        Assert.True(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan())),
            "arrays differ bitwise");
    }
}
