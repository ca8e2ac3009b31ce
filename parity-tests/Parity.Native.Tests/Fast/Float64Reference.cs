using Parity.Native;

namespace Parity.Native.Tests.Fast;

/// <summary>
/// Straightforward float64 definitions of the losses and their gradients, written from the formulas (loops, no
/// vectorisation, no blocking), shared by nothing with the fast kernels. Inputs are doubles; float32 cases pass their
/// float values widened exactly.
/// </summary>
internal static class Float64Reference
{
    /// <summary>Cross-entropy with class-index targets over (n, c, inner); returns (reduced or 0, per-sample, grad).</summary>
    public static (double Loss, double[] PerSample, double[] Grad) CrossEntropy(
        double[] x, long[] t, int n, int c, int inner, double[]? w, long ignore, Reduction reduction, double[]? gradOut = null)
    {
        long samples = (long)n * inner;
        var per = new double[samples];
        var grad = new double[x.Length];
        double total = 0, divisor = 0;
        for (int b = 0; b < n; b++)
        {
            for (int j = 0; j < inner; j++)
            {
                long i = ((long)b * inner) + j;
                if (t[i] == ignore)
                {
                    continue;
                }
                double wt = w?[t[i]] ?? 1.0;
                divisor += wt;
                double m = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    m = Math.Max(m, x[Index(b, k, j, c, inner)]);
                }
                double s = 0;
                for (int k = 0; k < c; k++)
                {
                    s += Math.Exp(x[Index(b, k, j, c, inner)] - m);
                }
                double lse = m + Math.Log(s);
                per[i] = wt * (lse - x[Index(b, (int)t[i], j, c, inner)]);
                total += per[i];
            }
        }
        double loss = reduction switch { Reduction.Mean => total / divisor, Reduction.Sum => total, _ => 0 };
        for (int b = 0; b < n; b++)
        {
            for (int j = 0; j < inner; j++)
            {
                long i = ((long)b * inner) + j;
                if (t[i] == ignore)
                {
                    continue;
                }
                double wt = w?[t[i]] ?? 1.0;
                double g = reduction switch
                {
                    Reduction.Mean => (gradOut?[0] ?? 1.0) / divisor,
                    Reduction.Sum => gradOut?[0] ?? 1.0,
                    _ => gradOut?[i] ?? 1.0,
                };
                double m = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    m = Math.Max(m, x[Index(b, k, j, c, inner)]);
                }
                double s = 0;
                for (int k = 0; k < c; k++)
                {
                    s += Math.Exp(x[Index(b, k, j, c, inner)] - m);
                }
                for (int k = 0; k < c; k++)
                {
                    double p = Math.Exp(x[Index(b, k, j, c, inner)] - m) / s;
                    grad[Index(b, k, j, c, inner)] = g * wt * (p - (k == t[i] ? 1 : 0));
                }
            }
        }
        return (loss, per, grad);
    }

    /// <summary>nll_loss over (n, c, inner).</summary>
    public static (double Loss, double[] PerSample, double[] Grad) NllLoss(
        double[] x, long[] t, int n, int c, int inner, double[]? w, long ignore, Reduction reduction)
    {
        var per = new double[(long)n * inner];
        var grad = new double[x.Length];
        double total = 0, divisor = 0;
        for (long i = 0; i < per.Length; i++)
        {
            if (t[i] == ignore)
            {
                continue;
            }
            double wt = w?[t[i]] ?? 1.0;
            divisor += wt;
            per[i] = -wt * x[Index((int)(i / inner), (int)t[i], (int)(i % inner), c, inner)];
            total += per[i];
        }
        for (long i = 0; i < per.Length; i++)
        {
            if (t[i] != ignore)
            {
                double wt = w?[t[i]] ?? 1.0;
                grad[Index((int)(i / inner), (int)t[i], (int)(i % inner), c, inner)] = -wt / (reduction == Reduction.Mean ? divisor : 1.0);
            }
        }
        return (reduction switch { Reduction.Mean => total / divisor, Reduction.Sum => total, _ => 0 }, per, grad);
    }

    /// <summary>log_softmax over dim 1 of (n, c, inner).</summary>
    public static double[] LogSoftmax(double[] x, int n, int c, int inner)
    {
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
        {
            for (int j = 0; j < inner; j++)
            {
                double m = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    m = Math.Max(m, x[Index(b, k, j, c, inner)]);
                }
                double s = 0;
                for (int k = 0; k < c; k++)
                {
                    s += Math.Exp(x[Index(b, k, j, c, inner)] - m);
                }
                for (int k = 0; k < c; k++)
                {
                    y[Index(b, k, j, c, inner)] = x[Index(b, k, j, c, inner)] - m - Math.Log(s);
                }
            }
        }
        return y;
    }

    /// <summary>binary_cross_entropy with PyTorch's −100 clamp and ε = 1e-12f in the gradient; weight broadcast by index modulo its length.</summary>
    public static (double Loss, double[] PerElement, double[] Grad) Bce(double[] x, double[] y, double[]? w, Reduction reduction, double eps)
    {
        var per = new double[x.Length];
        var grad = new double[x.Length];
        double total = 0;
        double scale = reduction == Reduction.Mean ? 1.0 / x.Length : 1.0;
        for (int i = 0; i < x.Length; i++)
        {
            double wt = w == null ? 1.0 : w[i % w.Length];
            per[i] = wt * (((y[i] - 1) * Math.Max(Log1p(-x[i]), -100)) - (y[i] * Math.Max(Math.Log(x[i]), -100)));
            total += per[i];
            grad[i] = scale * wt * (x[i] - y[i]) / Math.Max((1 - x[i]) * x[i], eps);
        }
        return (reduction switch { Reduction.Mean => total / x.Length, Reduction.Sum => total, _ => 0 }, per, grad);
    }

    /// <summary>binary_cross_entropy_with_logits, optional weight and pos_weight broadcast by index modulo their length.</summary>
    public static (double Loss, double[] PerElement, double[] Grad) BceWithLogits(
        double[] x, double[] y, double[]? w, double[]? pw, Reduction reduction)
    {
        var per = new double[x.Length];
        var grad = new double[x.Length];
        double total = 0;
        double scale = reduction == Reduction.Mean ? 1.0 / x.Length : 1.0;
        for (int i = 0; i < x.Length; i++)
        {
            double wt = w == null ? 1.0 : w[i % w.Length];
            double p = pw == null ? 1.0 : pw[i % pw.Length];
            // log σ(x) = −log(1 + e^{−x}), written per sign so that it neither overflows nor cancels.
            double logSig = x[i] >= 0 ? -Log1p(Math.Exp(-x[i])) : x[i] - Log1p(Math.Exp(x[i]));
            double logOneMinusSig = x[i] >= 0 ? -x[i] - Log1p(Math.Exp(-x[i])) : -Log1p(Math.Exp(x[i]));
            per[i] = -wt * ((p * y[i] * logSig) + ((1 - y[i]) * logOneMinusSig));
            total += per[i];
            double sig = x[i] >= 0 ? 1 / (1 + Math.Exp(-x[i])) : Math.Exp(x[i]) / (1 + Math.Exp(x[i]));
            grad[i] = scale * wt * ((p * y[i] * (sig - 1)) + ((1 - y[i]) * sig));
        }
        return (reduction switch { Reduction.Mean => total / x.Length, Reduction.Sum => total, _ => 0 }, per, grad);
    }

    /// <summary>log(1 + z) to double accuracy without the libm call (the series for small z).</summary>
    public static double Log1p(double z)
    {
        double u = 1 + z;
        return u == 1 ? z : Math.Log(u) * z / (u - 1);
    }

    private static long Index(int b, int k, int j, int c, int inner) => ((((long)b * c) + k) * inner) + j;
}
