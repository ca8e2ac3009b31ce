using Parity.Native;

namespace Parity.Native.Tests.Ops;

/// <summary>Seeds, random tensors, float64 finite differences and comparisons shared by the op tests.</summary>
internal static class OpsTestSupport
{
    /// <summary>The seed of every random case in these tests (System.Random, so cases are reproducible).</summary>
    public const int Seed = 20261129;

    /// <summary>Central-difference step for float64 inputs: balances truncation (h²) against rounding (ε/h).</summary>
    public const double FdStep = 1e-6;

    /// <summary>Absolute tolerance of a float64 central difference against an analytic gradient (≈ ε/h plus h² terms).</summary>
    public const double FdAbsTol = 1e-7;

    /// <summary>Relative tolerance of the same comparison.</summary>
    public const double FdRelTol = 1e-6;

    /// <summary>Tolerance for float64 values against a float64 reference written differently (a few ulp of log/exp).</summary>
    public const double F64RelTol = 1e-13;

    public static Tensor Uniform(System.Random rng, double lo, double hi, params int[] shape)
    {
        var v = new double[Tensor.NumelOf(shape)];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = lo + ((hi - lo) * rng.NextDouble());
        }
        return Tensor.FromDoubles(DType.Float64, v, shape);
    }

    public static Tensor Classes(System.Random rng, int classes, long ignoreIndex, double pIgnore, params int[] shape)
    {
        var v = new long[Tensor.NumelOf(shape)];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = rng.NextDouble() < pIgnore ? ignoreIndex : rng.Next(classes);
        }
        return Tensor.FromArray(v, shape);
    }

    /// <summary>Probabilities along dim 1 (rows of positive values normalised in double, independently of the code under test).</summary>
    public static Tensor Probabilities(System.Random rng, int n, int c)
    {
        var v = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < c; j++)
            {
                v[(i * c) + j] = 0.05 + rng.NextDouble();
                s += v[(i * c) + j];
            }
            for (int j = 0; j < c; j++)
            {
                v[(i * c) + j] /= s;
            }
        }
        return Tensor.FromArray(v, n, c);
    }

    /// <summary>
    /// d(Σ f(x)·g)/dx by float64 central differences — an estimate of the gradient that shares nothing with the
    /// analytic backward under test but the forward.
    /// </summary>
    public static double[] FiniteDifference(Func<Tensor, Tensor> f, Tensor x, Tensor g)
    {
        Assert.Equal(DType.Float64, x.DType);
        var grad = new double[x.Numel];
        double[] gv = g.ToDoubleArray();
        for (int i = 0; i < x.Numel; i++)
        {
            Tensor plus = x.Clone();
            Tensor minus = x.Clone();
            double v = x.GetDouble(i);
            plus.SetDouble(i, v + FdStep);
            minus.SetDouble(i, v - FdStep);
            grad[i] = (Dot(f(plus), gv) - Dot(f(minus), gv)) / (2 * FdStep);
        }
        return grad;
    }

    private static double Dot(Tensor t, double[] g)
    {
        Assert.Equal(g.Length, t.Numel);
        double s = 0;
        for (int i = 0; i < g.Length; i++)
        {
            s += t.GetDouble(i) * g[i];
        }
        return s;
    }

    /// <summary>A random upstream gradient shaped as <paramref name="output"/>.</summary>
    public static Tensor RandomGrad(System.Random rng, Tensor output) =>
        Uniform(rng, -1.5, 1.5, output.ShapeArray());

    /// <summary>Asserts the analytic gradient equals the finite difference of Σ f(x)·g for a random g.</summary>
    public static void AssertGradientMatchesFiniteDifferences(Func<Tensor, Tensor> forward, Func<Tensor, Tensor, Tensor> backward, Tensor x, System.Random rng)
    {
        Tensor output = forward(x);
        Tensor g = RandomGrad(rng, output);
        Tensor analytic = backward(g, x);
        Assert.Equal(x.ShapeArray(), analytic.ShapeArray());
        Assert.Equal(DType.Float64, analytic.DType);
        double[] fd = FiniteDifference(forward, x, g);
        AssertClose(fd, analytic.ToDoubleArray(), FdAbsTol, FdRelTol);
    }

    public static void AssertClose(double[] expected, double[] actual, double absTol, double relTol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"element {i}: expected NaN, got {a:R}");
                continue;
            }
            if (double.IsInfinity(e))
            {
                Assert.Equal(e, a);
                continue;
            }
            double tol = absTol + (relTol * Math.Abs(e));
            Assert.True(Math.Abs(e - a) <= tol, $"element {i}: expected {e:R}, got {a:R} (|Δ| = {Math.Abs(e - a):E3} > {tol:E3})");
        }
    }

    public static void AssertClose(double expected, Tensor actual, double relTol = F64RelTol)
    {
        Assert.Equal(0, actual.Dim);
        AssertClose([expected], actual.ToDoubleArray(), 0, relTol);
    }

    /// <summary>Runs <paramref name="action"/> and returns the TorchException, asserting its kind and exact message.</summary>
    public static void AssertTorchError(TorchErrorKind kind, string message, Action action)
    {
        var e = Assert.Throws<TorchException>(action);
        Assert.Equal(message, e.Message);
        Assert.Equal(kind, e.Kind);
    }

    /// <summary>log_softmax of a row in float64, written as x − log Σ exp(x) with the max shift (a plain reference).</summary>
    public static double[] RefLogSoftmaxRow(ReadOnlySpan<double> row)
    {
        double m = double.NegativeInfinity;
        foreach (double v in row)
        {
            m = Math.Max(m, v);
        }
        double s = 0;
        foreach (double v in row)
        {
            s += Math.Exp(v - m);
        }
        double lse = m + Math.Log(s);
        var r = new double[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            r[i] = row[i] - lse;
        }
        return r;
    }
}
