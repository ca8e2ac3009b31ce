using static Parity.Native.Ops.RegressionLoss;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>libtorch's refusal of a target that requires a gradient (raised when the forward runs).</summary>
    public const string SoftMarginTargetNotDifferentiable =
        "The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. This input cannot have requires_grad True.";

    /// <summary><c>torch.nn.functional.soft_margin_loss(input, target, reduction)</c> (<c>nn.SoftMarginLoss</c>).</summary>
    /// <param name="input">Scores, float32 or float64.</param>
    /// <param name="target">Labels (usually ±1); must broadcast into input's shape (not enlarge it); may be int64.</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss, input-shaped for 'none', else 0-D; in input's dtype.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when target does not broadcast into input's shape, or for an int64 input ("result type … can't be
    /// cast to the desired output type Long"); ValueError for a reduction other than none/mean/sum.
    /// </exception>
    /// <remarks>
    /// <para>ℓᵢ = log(1 + exp(−yᵢ·xᵢ)), computed as libtorch does, in place: negate, multiply by the target, exp, log1p.
    /// This is not overflow-safe: −y·x above ≈ 88.7 (float32) or ≈ 709.8 (float64) gives +∞, as in libtorch.</para>
    /// <para>'mean' is Σℓ / n. libtorch's exp is MKL's (≈1 % of values 1 ulp from glibc's, used here); log1p is SLEEF's
    /// vector routine on every element (reproduced); the results are close, not bit-identical.</para>
    /// </remarks>
    public static Tensor SoftMarginLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        DType mul = CheckSoftMargin(input, target, reduction);
        DType t = input.DType;
        double[] x = input.ToDoubleArray();
        double[] y = Load(target, input.Shape, target.DType);
        var loss = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double v = Rd(Rd(-x[i] * y[i], mul), t);
            loss[i] = Log1pVec(Exp(v, t), t);
        }
        return ReduceLoss(loss, input.Shape, t, reduction);
    }

    /// <summary>The gradient of <see cref="SoftMarginLoss"/> with respect to input (libtorch's <c>soft_margin_loss_backward</c>).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target (not differentiable in PyTorch).</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>((y·z)·(−c)) / (z + 1) · g with z = exp(−y·x) and c = 1/n for 'mean', else 1.</returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for an int64 input or a gradOutput of the wrong shape.</exception>
    public static Tensor SoftMarginLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        DType mul = CheckSoftMargin(input, target, reduction);
        DType t = input.DType;
        double[] g = GradValues<double>(gradOutput, ReducedShape(reduction, input.Shape));
        double[] x = input.ToDoubleArray();
        double[] y = Load(target, input.Shape, target.DType);
        double c = Rd(-(reduction == Reduction.Mean ? 1.0 / x.Length : 1.0), t);
        DType zt = mul;
        DType gt = ResultTypeOf(target.DType, target.Dim, zt, input.Dim);
        var gi = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            // −target in target's dtype: int64 negation wraps at −2⁶³ (it stays −2⁶³), as in libtorch.
            double negY = target.DType == DType.Int64 && y[i] == long.MinValue ? y[i] : -y[i];
            double z = Exp(Rd(Rd(negY, target.DType) * x[i], zt), zt);
            double v = Rd(Rd(y[i] * z, gt), t);
            v = Rd(v * c, t);
            double z1 = Rd(z + 1, zt);
            v = Rd(Rd(v / z1, Promote(t, zt)), t);
            double gv = Rd(reduction == Reduction.None ? g[i] : g[0], t);
            gi[i] = Rd(v * gv, t);
        }
        return ToTensor(gi, input.Shape, t);
    }

    /// <summary>Python's get_enum, then ATen's in-place checks; returns the dtype the target multiplication runs in.</summary>
    private static DType CheckSoftMargin(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckEnum(reduction);
        CheckInPlaceBroadcast(input.Shape, target.Shape);
        DType mul = ResultTypeOf(input.DType, input.Dim, target.DType, target.Dim);
        if (input.DType == DType.Int64)
        {
            // mul_ refuses a floating result into the int64 output; with an int64 target, exp_ refuses its float result.
            throw CantCast(mul == DType.Int64 ? DType.Float32 : mul, DType.Int64);
        }
        return mul;
    }
}
