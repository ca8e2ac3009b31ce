using static Parity.Native.Ops.RegressionLoss;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.KlDiv"/>.</summary>
/// <param name="Input">∂loss/∂input (log-probabilities), input-shaped.</param>
/// <param name="Target">∂loss/∂target, target-shaped (NaN where a probability target is 0).</param>
public readonly record struct KlDivGrads(Tensor Input, Tensor Target);

public static partial class Functional
{
    /// <summary>The UserWarning Python's kl_div issues for reduction='mean' (its sentences run together, as in PyTorch).</summary>
    public const string KlDivMeanWarning =
        "reduction: 'mean' divides the total loss by both the batch size and the support size." +
        "'batchmean' divides only by the batch size, and aligns with the KL div math definition." +
        "'mean' will be changed to behave the same as 'batchmean' in the next major release.";

    /// <summary><c>torch.nn.functional.kl_div(input, target, reduction, log_target)</c> (<c>nn.KLDivLoss</c>).</summary>
    /// <param name="input">Log-probabilities, float32 or float64.</param>
    /// <param name="target">Probabilities, or log-probabilities when <paramref name="logTarget"/>; broadcast with input silently.</param>
    /// <param name="reduction">None, Mean (with a warning), Sum or <see cref="Reduction.BatchMean"/>.</param>
    /// <param name="logTarget">Whether target holds log-probabilities.</param>
    /// <returns>The loss: broadcast-shaped for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError "kl_div: Integral inputs not supported." for an int64 input or target, or when they do not broadcast;
    /// ValueError for a reduction other than none/mean/sum/batchmean.
    /// </exception>
    /// <remarks>
    /// <para>ℓ = y·log y − y·x (0 where y = 0: xlogy), or with log targets ℓ = eʸ·(y − x).</para>
    /// <para>'mean' is Σℓ over every element ÷ their count (Python warns that this is not the KL divergence);
    /// 'batchmean' is Σℓ ÷ input.size(0) (Σℓ for 0-D input): Python asks ATen for the sum and divides.</para>
    /// <para>libtorch composes it from <c>xlogy</c> (a scalar loop calling glibc's log), <c>mul</c>, <c>sub</c> and
    /// <c>exp</c>: the probability-target path is bit-identical; the log-target path's exp is MKL's, which rounds ≈1 % of
    /// values 1 ulp away from glibc's used here.</para>
    /// </remarks>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        KlPlan k = PlanKl(input, target, reduction);
        double[] loss = KlValues(k, input, target, logTarget);
        if (reduction != Reduction.BatchMean)
        {
            return ReduceLoss(loss, k.Shape, k.Out, reduction);
        }
        double s = Sum(loss, k.Out);
        return ToTensor([input.Dim == 0 ? s : Rd(s / input.Size(0), k.Out)], [], k.Out);
    }

    /// <summary>The gradients of <see cref="KlDiv"/>, as libtorch's autograd composes them.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="logTarget">The forward log_target.</param>
    /// <returns>
    /// With G the upstream gradient of each element (g, g/n for 'mean', g/size(0) for 'batchmean'): input −G·y; target
    /// −G·x + G·log y + G·y/y (NaN at y = 0), or with log targets G·eʸ + G·(y − x)·eʸ; each summed back over the
    /// dimensions broadcasting added.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or a gradOutput of the wrong shape.</exception>
    public static KlDivGrads KlDivBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        KlPlan k = PlanKl(input, target, reduction);
        int n = Tensor.NumelOf(k.Shape);
        double[] g;
        if (reduction == Reduction.BatchMean)
        {
            double g0 = Rd(GradValues<double>(gradOutput, [])[0], k.Out);
            double gv = input.Dim == 0 ? g0 : Rd(g0 / input.Size(0), k.Out);
            g = new double[n];
            Array.Fill(g, gv);
        }
        else
        {
            g = ElementGrad(gradOutput, k.Shape, reduction, k.Out);
        }
        double[] x = Load(input, k.Shape, input.DType);
        double[] yb = Load(target, k.Shape, target.DType);
        double[] y = target.ToDoubleArray();
        DType td = target.DType;
        var gx = new double[n];
        var gyMul = new double[n];
        double[] gyA;
        if (!logTarget)
        {
            // out = xlogy(y, y) − y·x: the product's gradient −G·y for x and −G·x for y; the xlogy's gradient reaches y
            // through the subtraction, summed to y's shape, then as gA·xlogy(y ≠ 0, y) + gA·y / y.
            for (int i = 0; i < n; i++)
            {
                double ng = -g[i];
                gx[i] = Rd(Rd(ng * yb[i], k.Mul), input.DType);
                gyMul[i] = Rd(Rd(ng * x[i], k.Mul), td);
            }
            double[] gA = Rounded(SumTo(Rounded(g, k.Out), k.Shape, target.Shape, k.Out), td);
            gyA = new double[gA.Length];
            double[] gyMulSum = SumTo(gyMul, k.Shape, target.Shape, td);
            for (int i = 0; i < gA.Length; i++)
            {
                // XlogyBackward: self gets xlogy(grad, other), zeroed where self == 0 and other <= 0; other gets grad·self/other.
                double s = double.IsNaN(y[i]) ? double.NaN : gA[i] == 0 ? 0 : Rd(gA[i] * Log(y[i], td), td);
                if (y[i] == 0)
                {
                    s = 0;
                }
                double o = Rd(Rd(gA[i] * y[i], td) / y[i], td);
                gyA[i] = Rd(Rd(s + o, td) + gyMulSum[i], td);
            }
        }
        else
        {
            // out = exp(y) · (y − x): d = y − x gets G·eʸ (x: its negation; y: summed to y's shape), and eʸ gets
            // G·(y − x) summed to y's shape, times eʸ.
            double[] ey = new double[y.Length];
            for (int i = 0; i < y.Length; i++)
            {
                ey[i] = Exp(y[i], td);
            }
            double[] eyb = Expand<double>(Tensor.FromDoubles(DType.Float64, ey, target.ShapeArray()), k.Shape);
            var gE = new double[n];
            for (int i = 0; i < n; i++)
            {
                double d = Rd(yb[i] - x[i], k.Mul);
                double gd = Rd(g[i] * eyb[i], k.Out);
                gx[i] = Rd(-gd, input.DType);
                gyMul[i] = Rd(gd, td);
                gE[i] = Rd(g[i] * d, k.Out);
            }
            double[] fromSub = SumTo(gyMul, k.Shape, target.Shape, td);
            double[] gEs = Rounded(SumTo(gE, k.Shape, target.Shape, k.Out), td);
            gyA = new double[y.Length];
            for (int i = 0; i < y.Length; i++)
            {
                gyA[i] = Rd(fromSub[i] + Rd(gEs[i] * ey[i], td), td);
            }
        }
        return new KlDivGrads(
            ToTensor(SumTo(gx, k.Shape, input.Shape, input.DType), input.Shape, input.DType),
            ToTensor(gyA, target.Shape, td));
    }

    private readonly record struct KlPlan(int[] Shape, DType Mul, DType Out);

    private static KlPlan PlanKl(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (reduction == Reduction.Mean)
        {
            TorchWarnings.Warn(KlDivMeanWarning);
        }
        if (reduction != Reduction.BatchMean)
        {
            CheckEnum(reduction);
        }
        if (!input.DType.IsFloatingPoint() || !target.DType.IsFloatingPoint())
        {
            throw Runtime("kl_div: Integral inputs not supported.");
        }
        // Both spellings start with an op on (target, input): target·input, or target − input.
        int[] shape = InferSize(target.Shape, input.Shape);
        DType mul = ResultTypeOf(target.DType, target.Dim, input.DType, input.Dim);
        // xlogy(y, y) or exp(y) has target's shape and dtype; the outer op combines it with the product.
        DType output = ResultTypeOf(target.DType, target.Dim, mul, shape.Length);
        return new KlPlan(shape, mul, output);
    }

    private static double[] KlValues(KlPlan k, Tensor input, Tensor target, bool logTarget)
    {
        double[] x = Load(input, k.Shape, input.DType);
        double[] y = Load(target, k.Shape, target.DType);
        DType td = target.DType;
        var loss = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (logTarget)
            {
                double d = Rd(y[i] - x[i], k.Mul);
                loss[i] = Rd(Exp(y[i], td) * d, k.Out);
            }
            else
            {
                double a = double.IsNaN(y[i]) ? double.NaN : y[i] == 0 ? 0 : Rd(y[i] * Log(y[i], td), td);
                double b = Rd(y[i] * x[i], k.Mul);
                loss[i] = Rd(a - b, k.Out);
            }
        }
        return loss;
    }
}
